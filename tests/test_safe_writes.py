"""Nothing is written through a student's links: a workspace's `.grader`, its scorecards
folder, a batch's student folders and output, a CI artifacts folder in the repository.

The root a user names may itself be a link they made; every folder below it must be real,
and the file written may be neither a symlink nor another file's hard link.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.batch import grade_batch
from grader.catalog.model import Exercise
from grader.ci.run import grade_repository
from grader.cli import cli
from grader.files import UnsafeWriteError
from grader.pipeline import grade_workspace
from grader.runner import LocalBackend
from grader.scorecard.model import Scorecard
from grader.workspace import Workspace, save_scorecard, start_workspace
from tests.conftest import FIXTURE_PACK

LOCAL = ("--backend", "local", "--allow-reduced-isolation")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--exercises", str(FIXTURE_PACK), *args])


@pytest.fixture
def workspace(tmp_path: Path, word_count: Exercise) -> Path:
    return start_workspace(word_count, tmp_path / "ws").root


@pytest.fixture
def card(tmp_path: Path, word_count: Exercise) -> Scorecard:
    """A real scorecard, made fast: a submission without its file is never run."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return grade_workspace(empty, exercise=word_count, backend=LocalBackend())


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """Where a link points: a teacher's or a runner's folder, to be left untouched."""
    folder = tmp_path / "elsewhere"
    (folder / "scorecards").mkdir(parents=True)
    return folder


def untouched(folder: Path) -> bool:
    return [p for p in folder.rglob("*") if p.is_file()] == []


def test_a_symlinked_grader_folder_is_refused(
    workspace: Path, card: Scorecard, elsewhere: Path
) -> None:
    (workspace / ".grader").rename(workspace / "grader-real")
    (workspace / ".grader").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(
        UnsafeWriteError, match=r"the folder .*ws/\.grader is a symlink"
    ):
        save_scorecard(Workspace(root=workspace, slug="stage1/word-count"), card)
    assert untouched(elsewhere)


def test_a_symlinked_scorecards_folder_is_refused_by_grader_submit(
    workspace: Path, elsewhere: Path
) -> None:
    (workspace / "word_count.py").unlink()  # graded in no time: nothing to run
    (workspace / ".grader" / "scorecards").symlink_to(
        elsewhere / "scorecards", target_is_directory=True
    )
    result = run("submit", str(workspace), "--backend", "local")
    assert result.exit_code == 2, result.output
    assert "refusing to write" in result.output
    assert ".grader/scorecards is a symlink; replace it with a real folder" in (
        " ".join(result.output.split())
    )
    assert "Traceback" not in result.output
    assert untouched(elsewhere)


def test_a_workspace_that_is_itself_a_link_is_the_users_choice(
    workspace: Path, card: Scorecard, tmp_path: Path
) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(workspace, target_is_directory=True)
    saved = save_scorecard(Workspace(root=alias, slug="stage1/word-count"), card)
    assert saved.parent == alias / ".grader" / "scorecards"
    assert [p.name for p in (workspace / ".grader" / "scorecards").iterdir()] == [
        saved.name
    ]


def test_a_batch_student_folder_that_is_a_link_is_not_graded(
    word_count: Exercise, tmp_path: Path, workspace: Path
) -> None:
    root = tmp_path / "subs"
    root.mkdir()
    (root / "mallory").symlink_to(workspace, target_is_directory=True)
    summary = grade_batch(
        root,
        exercise=word_count,
        backend=LocalBackend(),
        allow_reduced=True,
        out_dir=tmp_path / "out",
        jobs=1,
    )
    (row,) = summary.results
    assert row.status == "error" and row.score is None
    assert "this folder is a symlink" in row.message
    assert not (tmp_path / "out" / "scorecards" / "mallory.json").exists()


def test_a_batch_output_scorecards_link_is_refused(
    tmp_path: Path, elsewhere: Path
) -> None:
    root = tmp_path / "subs"
    (root / "dave").mkdir(parents=True)
    out = tmp_path / "out"
    out.mkdir()
    (out / "scorecards").symlink_to(elsewhere / "scorecards", target_is_directory=True)
    result = run(
        "batch", str(root), "--exercise", "word-count", *LOCAL, "--out", str(out)
    )
    assert result.exit_code == 2, result.output
    assert "scorecards is a symlink" in " ".join(result.output.split())
    assert untouched(elsewhere)


def test_a_hard_linked_scorecard_target_is_refused(
    word_count: Exercise, tmp_path: Path
) -> None:
    """A teacher's file hard-linked in as a student's scorecard is never overwritten."""
    root = tmp_path / "subs"
    (root / "dave").mkdir(parents=True)
    out = tmp_path / "out"
    (out / "scorecards").mkdir(parents=True)
    precious = tmp_path / "marks-2025.csv"
    precious.write_text("keep me\n")
    os.link(precious, out / "scorecards" / "dave.json")
    summary = grade_batch(
        root,
        exercise=word_count,
        backend=LocalBackend(),
        allow_reduced=True,
        out_dir=out,
        jobs=1,
    )
    (row,) = summary.results
    assert row.status == "error"
    assert "dave.json: it has 1 other hard link" in row.message
    assert precious.read_text() == "keep me\n"


def test_a_ci_artifacts_folder_planted_in_the_repository_is_refused(
    workspace: Path, card: Scorecard, pack: object, elsewhere: Path
) -> None:
    repo = workspace.parent
    (repo / "grader-scorecards").symlink_to(elsewhere, target_is_directory=True)

    def backend() -> LocalBackend:
        return LocalBackend()

    with pytest.raises(UnsafeWriteError, match="grader-scorecards is a symlink"):
        grade_repository(
            repo=repo, changed_since=None, out=None, pack=pack, backend=backend
        )
    assert untouched(elsewhere)
    # Its own scorecard was saved in the workspace, where the student looks.
    assert len(list((workspace / ".grader" / "scorecards").iterdir())) == 1


def test_a_folder_of_the_repository_swapped_for_a_link_mid_ci_is_refused(
    word_count: Exercise,
    card: Scorecard,
    pack: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`grader ci` found `group/ws` as real folders; while it grades, `group` becomes a
    link to a folder laid out the same. The save follows no link from the repository."""
    from grader.ci import run as ci_run

    repo = tmp_path / "repo"
    start_workspace(word_count, repo / "group" / "ws")
    decoy = tmp_path / "decoy"
    (decoy / "ws" / ".grader" / "scorecards").mkdir(parents=True)

    def swap_then_grade(**_: object):  # type: ignore[no-untyped-def]
        def grade(workspace: Workspace) -> Scorecard:
            (repo / "group").rename(repo / "group-real")
            (repo / "group").symlink_to(decoy, target_is_directory=True)
            return card

        return grade

    monkeypatch.setattr(ci_run, "local_grading", swap_then_grade)
    with pytest.raises(UnsafeWriteError, match=r"the folder .*repo/group is a symlink"):
        grade_repository(
            repo=repo, changed_since=None, out=None, pack=pack, backend=LocalBackend
        )
    assert untouched(decoy)
