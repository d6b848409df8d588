"""`grader submit --server` and the client against a real uvicorn server on loopback."""

from __future__ import annotations

import io
import json
import shutil
import socket
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI

from grader.cli import cli
from grader.leaderboard.client import (
    ServerAuthError,
    ServerError,
    ServerUnreachable,
    pack_workspace,
    submit_to_server,
)
from grader.scorecard import serialize
from tests.conftest import FIXTURE_PACK
from tests.leaderboard.conftest import REFERENCE, LiveServer, Tokens


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A student's solved word-count workspace, made by `grader start`."""
    dest = tmp_path / "ws"
    started = CliRunner().invoke(
        cli, ["--exercises", str(FIXTURE_PACK), "start", "word-count", str(dest)]
    )
    assert started.exit_code == 0, started.output
    shutil.copy(REFERENCE / "word_count.py", dest / "word_count.py")
    shutil.copy(REFERENCE / "tests" / "test_word_count.py", dest / "tests")
    (dest / "notes.bin").write_bytes(b"\0" * 100_000)  # not the exercise's: never sent
    return dest


@pytest.fixture
def live(make_app: Callable[..., FastAPI], tokens: Tokens) -> Iterator[LiveServer]:
    with LiveServer(make_app(workers=1)) as server:
        yield server


def members(archive: bytes) -> set[str]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {m.name for m in tar.getmembers()}


def test_grader_submit_server_waits_shows_and_saves_the_scorecard(
    live: LiveServer, tokens: Tokens, workspace: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GRADER_EXERCISES", str(FIXTURE_PACK))
    monkeypatch.setenv("GRADER_TOKEN", tokens.ann)
    result = CliRunner().invoke(
        cli, ["submit", str(workspace), "--server", live.url, "--json"]
    )
    assert result.exit_code == 0, result.output
    card = serialize.from_dict(json.loads(result.stdout))
    assert card.status == "pass" and card.score == 100
    progress = [line.strip() for line in result.stderr.splitlines()]
    assert progress[0].startswith("uploading 2 files (")
    assert progress[1].startswith("submission ") and progress[1].endswith(" accepted")
    assert any(line.startswith(("queued: number", "grading")) for line in progress)
    assert all(a != b for a, b in zip(progress, progress[1:]))  # only changes are said
    # Then the grade under the class's rules, as `grader status` shows it.
    assert progress[-1] == "stage1/word-count: grade 100 (no deadline)", progress
    (saved,) = (workspace / ".grader" / "scorecards").glob("*.json")
    assert serialize.load(saved).submission.sha256 == card.submission.sha256
    status = CliRunner().invoke(cli, ["status", "--server", live.url])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert lines[0].startswith("Ann (s") and lines[0].endswith("times in UTC")
    assert "  stage1/word-count: 100/100 passed; no deadline" in lines
    assert any(line.endswith("100/100  no deadline") for line in lines), lines
    teacher = CliRunner().invoke(
        cli, ["status", "--server", live.url, "--token", tokens.teacher]
    )
    assert teacher.exit_code == 2 and "teacher has no work" in teacher.output


def test_a_dead_server_is_one_clear_line(workspace: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRADER_EXERCISES", str(FIXTURE_PACK))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    result = CliRunner().invoke(
        cli,
        [
            "submit",
            str(workspace),
            "--server",
            f"http://127.0.0.1:{port}",
            "--token",
            "t",
        ],
    )
    assert result.exit_code == 2
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error")]
    assert (
        "cannot reach the grading server" in line and "Traceback" not in result.output
    )
    with pytest.raises(ServerUnreachable):
        submit_to_server(
            server=f"http://127.0.0.1:{port}",
            token="t",
            slug="word-count",
            workspace=workspace,
        )


def test_server_refusals_become_grader_errors_with_its_message(
    live: LiveServer, tokens: Tokens, workspace: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GRADER_EXERCISES", str(FIXTURE_PACK))
    with pytest.raises(ServerAuthError, match="token is not valid"):
        submit_to_server(
            server=live.url, token="grt_x_y", slug="word-count", workspace=workspace
        )
    with pytest.raises(ServerAuthError, match="cannot submit"):
        submit_to_server(
            server=live.url,
            token=tokens.teacher,
            slug="word-count",
            workspace=workspace,
        )
    no_token = CliRunner().invoke(cli, ["submit", str(workspace), "--server", live.url])
    assert no_token.exit_code == 2 and "GRADER_TOKEN" in no_token.output


def test_an_exercise_unknown_to_the_server_is_refused(
    live: LiveServer, tokens: Tokens, workspace: Path
) -> None:
    with pytest.raises(ServerError, match="has no exercise 'stage9/other'"):
        submit_to_server(
            server=live.url, token=tokens.ann, slug="stage9/other", workspace=workspace
        )


def test_only_the_exercises_files_are_packed(workspace: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRADER_EXERCISES", str(FIXTURE_PACK))
    (workspace / "conftest.py").write_text("import os\n")
    archive, count = pack_workspace(workspace, "stage1/word-count")
    assert members(archive) == {"word_count.py", "tests/test_word_count.py"}
    assert count == 2
    # An exercise this machine does not know: the Python sources, no caches or configs.
    (workspace / "__pycache__").mkdir()
    (workspace / "__pycache__" / "x.py").write_text("")
    archive, _ = pack_workspace(workspace, "stage9/private-exercise")
    assert members(archive) == {"word_count.py", "tests/test_word_count.py"}
