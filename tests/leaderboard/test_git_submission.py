"""A Git exercise through the class server: `grader submit --server` sends the repository's
bundle (refused on the client as `grader submit` refuses it), the server checks and stores
it with the files, its worker grades it, and the teacher's download of the files holds it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.catalog import ExercisePack
from grader.catalog.model import BUNDLE_NAME, Exercise
from grader.cli import cli
from grader.leaderboard.db.models import Submission
from grader.runner.repository import apply_script, clean_git_env
from grader.scorecard import serialize
from tests.leaderboard.conftest import LiveServer, Tokens, tar_gz, upload

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "exercises"
SLUG = "stage1/git-merge"
RESOLVE = PACK / "stage1" / "git-merge" / "reference" / "resolve.sh"


@pytest.fixture
def database_url() -> None:
    """SQLite only: what is tested here is the bundle's way, not the database."""
    return None


@pytest.fixture
def exercise() -> Exercise:
    return ExercisePack(PACK).get(SLUG)


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(workers=1, exercises_dir=PACK)


@pytest.fixture
def live(app: FastAPI, tokens: Tokens) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def student(monkeypatch: pytest.MonkeyPatch, tokens: Tokens) -> None:
    monkeypatch.setenv("GRADER_EXERCISES", str(PACK))
    monkeypatch.setenv("GRADER_TOKEN", tokens.ann)


def start(dest: Path) -> Path:
    started = CliRunner().invoke(
        cli, ["--exercises", str(PACK), "start", "git-merge", str(dest)]
    )
    assert started.exit_code == 0, started.output
    return dest


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], env=clean_git_env(repo), check=True)


def submit(workspace: Path, server: str) -> object:
    return CliRunner().invoke(
        cli, ["submit", str(workspace), "--server", server, "--json"]
    )


def stored(app: FastAPI) -> list[Submission]:
    with app.state.context.db.session() as session:
        return list(session.query(Submission))


def test_a_resolved_repository_is_graded_pass_and_its_bundle_kept(
    app: FastAPI, live: LiveServer, tokens: Tokens, student, exercise, tmp_path
) -> None:
    workspace = start(tmp_path / "ws")
    apply_script(RESOLVE, workspace, exercise)
    result = submit(workspace, live.url)
    assert result.exit_code == 0, result.output
    card = serialize.from_dict(json.loads(result.stdout))
    assert card.status == "pass" and card.score == card.max_score, card.message
    assert BUNDLE_NAME in {f.path for f in card.submission.files}
    (kept,) = stored(app)
    with TestClient(app) as client:
        answer = client.get(
            f"/api/v1/submissions/{kept.id}/files",
            headers=Tokens.header(tokens.teacher),
        )
    assert answer.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(answer.content), mode="r:gz") as tar:
        names = set(tar.getnames())
        bundle = tar.extractfile(BUNDLE_NAME)
        assert bundle is not None and bundle.read().startswith(b"# v2 git bundle")
    assert {BUNDLE_NAME, "pricing.py"} <= names


def test_a_merge_in_progress_is_refused_before_anything_is_sent(
    app: FastAPI, live: LiveServer, student, tmp_path
) -> None:
    workspace = start(tmp_path / "ws")  # stopped mid-merge, as `grader start` leaves it
    result = submit(workspace, live.url)
    assert result.exit_code != 0
    assert "a merge is still in progress" in result.output
    assert "git commit" in result.output
    assert stored(app) == []


def test_a_bundle_over_the_limit_is_refused_before_anything_is_sent(
    app: FastAPI, live: LiveServer, student, exercise, tmp_path
) -> None:
    workspace = start(tmp_path / "ws")
    apply_script(RESOLVE, workspace, exercise)
    assert exercise.repository is not None
    limit = exercise.repository.max_bundle_kb
    (workspace / "big.bin").write_bytes(os.urandom((limit + 20) * 1024))
    git(workspace, "add", "big.bin")
    git(workspace, "commit", "-qm", "chore: add a big file")
    result = submit(workspace, live.url)
    assert result.exit_code != 0
    assert f"the limit is {limit} KB" in result.output
    assert stored(app) == []


def test_the_server_refuses_an_upload_without_a_bundle_or_with_one_too_large(
    app: FastAPI, tokens: Tokens, exercise
) -> None:
    assert exercise.repository is not None
    pricing = (PACK / "stage1" / "git-merge" / "reference" / "pricing.py").read_bytes()
    too_big = os.urandom((exercise.repository.max_bundle_kb + 1) * 1024)
    with TestClient(app) as client:
        missing = upload(client, tokens.ann, tar_gz({"pricing.py": pricing}), SLUG)
        large = upload(client, tokens.ann, tar_gz({BUNDLE_NAME: too_big}), SLUG)
    assert missing.status_code == 400
    assert "holds no repository.bundle" in missing.json()["message"]
    assert "grader submit --server" in missing.json()["message"]
    assert large.status_code == 413
    assert f"the limit is {exercise.repository.max_bundle_kb} KB" in (
        large.json()["message"]
    )
    assert stored(app) == []


def test_grader_ci_says_a_nested_repository_is_submitted_from_where_it_was_made(
    app: FastAPI, live: LiveServer, student, exercise, tmp_path
) -> None:
    outer = tmp_path / "course"
    outer.mkdir()
    git(outer, "init", "-q")
    workspace = start(outer / "git-merge")
    apply_script(RESOLVE, workspace, exercise)
    # What a CI checkout of the student's repository holds: the files, not the history.
    shutil.rmtree(workspace / ".git")
    result = CliRunner().invoke(cli, ["ci", "--repo", str(outer), "--server", live.url])
    assert result.exit_code != 0
    assert "graded from its own git repository" in result.output
    assert "grader submit --server" in result.output
    assert stored(app) == []
