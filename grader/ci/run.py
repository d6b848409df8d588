"""A CI run: pick the workspaces of a repository, grade each, keep every scorecard."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog import ExercisePack
from grader.ci.changes import changed_files, touched_workspaces
from grader.gitcmd import repo_root
from grader.errors import GraderError
from grader.runner import Backend
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard
from grader.text_escape import log_text
from grader.workspace import Workspace, find_workspaces, save_scorecard

DEFAULT_OUT = "grader-scorecards"

Progress = Callable[[str], None]
GradeOne = Callable[[Workspace], Scorecard]


class ServerClientMissing(GraderError):
    """This installation of grader has no client for the class server."""


@dataclass(frozen=True)
class GradedWorkspace:
    """One graded workspace: where it is (relative to the repository root) and its card."""

    folder: str
    workspace: Workspace
    card: Scorecard
    saved: Path
    copied: Path


@dataclass
class CiRun:
    """What a CI run found and graded. `root` is what annotation paths are relative to."""

    root: Path
    found: int
    changed_since: str | None
    graded: list[GradedWorkspace] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(g.card.status == "pass" for g in self.graded)


def grade_repository(
    *,
    repo: Path,
    changed_since: str | None,
    out: Path | None,
    pack: ExercisePack,
    backend: Callable[[], Backend],
    server: str | None = None,
    token: str | None = None,
    progress: Progress = lambda line: None,
) -> CiRun:
    """Grade the workspaces of `repo` (those changed since `changed_since`, or all).

    Each scorecard is saved in its workspace and copied into `out` (default
    `<repo>/grader-scorecards/`). `backend` is called once, and only when there is
    something to grade; with `server` the class server grades instead. Problems the user
    can fix (bad ref, unknown exercise, no sandbox, a students' edition without `server`)
    raise GraderError before any grading.
    """
    if server is None and pack.is_student_edition:
        raise GraderError(
            f"the exercises come from a students' edition ({pack.root}), which has no "
            "hidden suites: grader ci grades through the class server here; pass "
            "--server URL --token TOKEN (or set GRADER_TOKEN)"
        )
    repo = repo.resolve()
    if not repo.is_dir():
        raise GraderError(f"{repo} is not a folder; give --repo the repository root")
    root = repo_root(repo) or repo
    workspaces = find_workspaces(repo)
    run = CiRun(root=root, found=len(workspaces), changed_since=changed_since)
    if changed_since is not None:
        workspaces = touched_workspaces(workspaces, changed_files(repo, changed_since))
    if not workspaces:
        return run
    if server:
        grade = server_grading(server=server, token=token or "", progress=progress)
    else:
        grade = local_grading(pack=pack, workspaces=workspaces, backend=backend)
    out, trusted = _artifacts_folder(repo, out)
    total = len(workspaces)
    for number, workspace in enumerate(workspaces, start=1):
        folder = _relative(workspace.root, root)
        # The folder and the slug (from the workspace's marker) are the student's: one
        # line each, never a workflow command in the log.
        shown = log_text(folder)
        progress(f"[{number}/{total}] {shown}: grading {log_text(workspace.slug)} ...")
        clock = time.monotonic()
        card = grade(workspace)
        # The repository is the student's: no link is followed from its root down.
        saved = save_scorecard(workspace, card, trusted=repo)
        copied = out / _artifact_name(folder, card)
        serialize.write(card, copied, folder=trusted)
        progress(
            f"[{number}/{total}] {shown}: {card.status.upper()} "
            f"{card.score:g}/{card.max_score:g} ({time.monotonic() - clock:.1f} s)"
        )
        run.graded.append(GradedWorkspace(folder, workspace, card, saved, copied))
    return run


def local_grading(
    *, pack: ExercisePack, workspaces: list[Workspace], backend: Callable[[], Backend]
) -> GradeOne:
    """Grade on this machine. Every exercise is looked up first: an unknown one stops the
    run before the (possibly slow) backend starts."""
    from grader.pipeline import grade_workspace

    exercises = {w.root: w.exercise(pack) for w in workspaces}
    runner = backend()

    def grade(workspace: Workspace) -> Scorecard:
        return grade_workspace(
            workspace.root, exercise=exercises[workspace.root], backend=runner
        )

    return grade


def server_grading(*, server: str, token: str, progress: Progress) -> GradeOne:
    """Hand each workspace to the class server and take back its scorecard."""
    try:
        from grader.leaderboard.client import submit_to_server
    except ModuleNotFoundError as exc:
        if exc.name not in ("grader.leaderboard", "grader.leaderboard.client"):
            raise
        raise ServerClientMissing(
            "this grader cannot submit to a class server (grader.leaderboard.client is "
            "missing); upgrade grader, or leave out --server to grade here"
        ) from None
    if not token:
        raise GraderError(
            "--server needs a token: pass --token or set GRADER_TOKEN "
            "(in GitHub Actions, from a repository secret)"
        )

    def grade(workspace: Workspace) -> Scorecard:
        return submit_to_server(
            server=server,
            token=token,
            slug=workspace.slug,
            workspace=workspace.root,
            progress=progress,
        )

    return grade


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix() or "."
    except ValueError:
        return path.resolve().as_posix()


def _artifacts_folder(repo: Path, out: Path | None) -> tuple[Path, Path]:
    """Where the scorecards are copied, and the folder trusted as given above them.

    Inside the repository (the default) that is the repository: the student's files, so
    no link is followed from there down. Elsewhere it is the folder itself, as given.
    """
    out = repo / DEFAULT_OUT if out is None else Path(os.path.abspath(out))
    return out, (repo if out.is_relative_to(repo) else out)


def _artifact_name(folder: str, card: Scorecard) -> str:
    """One file per workspace, named after its folder (the exercise for the root)."""
    name = card.exercise.slug if folder == "." else folder
    return name.strip("/").replace("/", "__") + ".json"
