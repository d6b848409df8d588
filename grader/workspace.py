"""A student's workspace: starter files, instructions, a marker, and saved scorecards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.clock import utc_now
from grader.errors import WorkspaceError
from grader.files import make_folders, write_atomic
from grader.i18n.message import msg
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard

MARKER_DIR = ".grader"
MARKER_FILE = "exercise.json"
SCORECARDS_DIR = "scorecards"


@dataclass(frozen=True)
class Workspace:
    root: Path
    slug: str

    @property
    def scorecards_dir(self) -> Path:
        return self.root / MARKER_DIR / SCORECARDS_DIR

    def exercise(self, pack: ExercisePack) -> Exercise:
        return pack.get(self.slug)

    def scorecards(self) -> list[Path]:
        """Saved scorecards, oldest first."""
        return sorted(self.scorecards_dir.glob("*.json"))


def start_workspace(exercise: Exercise, dest: Path) -> Workspace:
    """Copy the starter, both instruction files and data into `dest`; refuse to overwrite work.

    `dest` may be a link the user made; nothing below it is written through a link.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise WorkspaceError(
            msg(
                "{folder} already exists and is not empty; choose another folder "
                "(your existing work is left untouched)",
                folder=str(dest),
            )
        )
    dest.mkdir(parents=True, exist_ok=True)
    if exercise.repository is not None:
        _generate_repository(exercise, dest)
    else:
        _copy_tree(exercise.starter_dir, dest, dest)
    for name in ("instructions.md", "instructions.zh.md"):
        _copy_file(exercise.root / name, dest / name, dest)
    if exercise.data_dir.is_dir():
        _copy_tree(exercise.data_dir, dest / "data", dest)
    # Scorecards are results, not work: git leaves them out. The marker stays in, so that
    # `grader ci` finds the exercise in the student's repository.
    marker = {"exercise": exercise.qualified_slug, "version": exercise.version}
    for name, text in (
        (".gitignore", f"{SCORECARDS_DIR}/\n"),
        (MARKER_FILE, json.dumps(marker, indent=2) + "\n"),
    ):
        write_atomic(dest / MARKER_DIR / name, text, folder=dest, mode=0o644)
    return Workspace(root=dest, slug=exercise.qualified_slug)


# What `grader start` adds beside a Git exercise's repository: never part of its history.
_NOT_COMMITTED = (
    "/instructions.md",
    "/instructions.zh.md",
    f"/{MARKER_DIR}/",
    "/data/",
)


def _generate_repository(exercise: Exercise, dest: Path) -> None:
    """A Git exercise's starter: the repository its generator creates in `dest`.

    The generator runs with a clean git environment (no global or system config), so
    every student starts from the same commits. git leaves the grader's files out.
    """
    from grader.runner.repository import RepositoryError, generate_repository

    try:
        generate_repository(exercise, dest)
    except RepositoryError as exc:
        # `dest` was empty: what the generator left is half a repository, not work.
        for child in dest.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        raise WorkspaceError(
            f"could not create the exercise's repository in {dest}: {exc}; check that "
            "git is installed (`git --version`), then run `grader start` again into an "
            "empty folder"
        ) from None
    exclude = dest / ".git" / "info" / "exclude"
    before = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
    lines = "".join(f"{name}\n" for name in _NOT_COMMITTED)
    write_atomic(exclude, before + lines, folder=dest, mode=0o644)


def _copy_tree(source: Path, target: Path, root: Path) -> None:
    """Copy the pack's folder `source` to `target` (at or below `root`), caches left out."""
    for folder, names, files in os.walk(source, followlinks=True):
        names[:] = sorted(n for n in names if n not in _CACHES)
        here = target / Path(folder).relative_to(source)
        make_folders(here, folder=root)
        for name in sorted(files):
            if name not in _CACHES:
                _copy_file(Path(folder) / name, here / name, root)


def _copy_file(source: Path, target: Path, root: Path) -> None:
    mode = source.stat().st_mode & 0o777
    write_atomic(target, source.read_bytes(), folder=root, mode=mode)


def find_workspace(start: Path) -> Workspace:
    """The workspace containing `start` (it or a parent holds .grader/exercise.json)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        marker = folder / MARKER_DIR / MARKER_FILE
        if marker.is_file():
            return _read_marker(folder)
    raise WorkspaceError(
        msg(
            "{folder} is not a grader workspace (no {marker} here or above); "
            "run `grader start SLUG DIR` first, or cd into your exercise folder",
            folder=str(start),
            marker=f"{MARKER_DIR}/{MARKER_FILE}",
        )
    )


# Folders a repository search never enters: tools' caches and environments, not exercises.
_NOT_WORKSPACES = {"node_modules", "__pycache__", "site-packages", "venv", "env"}


def find_workspaces(root: Path) -> list[Workspace]:
    """Every workspace at or below `root` (a student's repository), sorted by path.

    Hidden folders (.git, .venv, ...) and environments are not entered, and a workspace's
    own subfolders are not searched for further workspaces.
    """
    root = root.resolve()
    found: list[Workspace] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        if (folder / MARKER_DIR / MARKER_FILE).is_file():
            found.append(_read_marker(folder))
            continue
        try:
            children = [
                c for c in folder.iterdir() if c.is_dir() and not c.is_symlink()
            ]
        except OSError:
            continue
        pending.extend(
            c
            for c in children
            if not c.name.startswith(".") and c.name not in _NOT_WORKSPACES
        )
    return sorted(found, key=lambda w: w.root)


def _read_marker(folder: Path) -> Workspace:
    marker = folder / MARKER_DIR / MARKER_FILE
    try:
        slug = json.loads(marker.read_text(encoding="utf-8"))["exercise"]
    except (OSError, ValueError, KeyError, TypeError):
        raise WorkspaceError(
            msg(
                "{marker} is damaged; restore it or start a new workspace with "
                "`grader start`",
                marker=str(marker),
            )
        ) from None
    return Workspace(root=folder, slug=str(slug))


def save_scorecard(
    workspace: Workspace, card: Scorecard, *, trusted: Path | None = None
) -> Path:
    """Store a scorecard under .grader/scorecards/ with a sortable, unique name.

    Never through a link below `trusted` (by default the workspace; `grader ci` gives the
    repository), and never over another scorecard: a grading saving in the same
    microsecond as another (two `grader submit` at once) adds a number.
    """
    name = card.exercise.slug.replace("/", "_")
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%fZ")
    for number in range(1, _SAVE_TRIES + 1):
        suffix = "" if number == 1 else f"-{number}"
        path = workspace.scorecards_dir / f"{stamp}{suffix}_{name}.json"
        try:
            serialize.write(
                card, path, folder=trusted or workspace.root, exclusive=True
            )
        except FileExistsError:
            continue
        return path
    raise WorkspaceError(
        f"{workspace.scorecards_dir} already holds {_SAVE_TRIES} scorecards stamped "
        f"{stamp}; check the computer's clock, then submit again"
    )


_SAVE_TRIES = 1000
_CACHES = frozenset({"__pycache__", ".pytest_cache", ".coverage"})


def run_visible_tests(
    workspace: Workspace, exercise: Exercise, extra_args: tuple[str, ...] = ()
) -> int:
    """Run the student's own tests in place, with live output; return pytest's exit code.

    Each test has the exercise's time limit: one that runs past it fails, and its traceback
    shows the line it was stuck on.
    """
    tests = [t for t in exercise.test_files if (workspace.root / t).exists()]
    if not tests:
        raise WorkspaceError(
            msg(
                "none of the test files {files} exist in {folder}; "
                "restore them from a fresh `grader start`",
                files=", ".join(exercise.test_files),
                folder=str(workspace.root),
            )
        )
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--rootdir={workspace.root}",
        "-o",
        "pythonpath=.",
        "-o",
        "verbosity_assertions=2",
        # The grader's reporter applies the per-test limit; its records are not needed.
        "-p",
        "grader.sandbox.pytest_plugin",
        f"--grader-results={os.devnull}",
        f"--grader-test-seconds={exercise.limits.test_seconds:g}",
        *extra_args,
        *tests,
    ]
    return subprocess.run(command, cwd=workspace.root).returncode


def wait_for_change(
    root: Path, files: tuple[str, ...], *, poll_seconds: float = 0.5
) -> None:
    """Return once one of `files` under `root` is saved, created or removed."""

    def stamp() -> list[tuple[str, int]]:
        found = []
        for name in files:
            try:
                found.append((name, (root / name).stat().st_mtime_ns))
            except OSError:
                found.append((name, -1))
        return found

    before = stamp()
    while stamp() == before:
        time.sleep(poll_seconds)
