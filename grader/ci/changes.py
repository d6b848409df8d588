"""Which workspaces a CI run grades: all of them, or those with files changed since a ref."""

from __future__ import annotations

from pathlib import Path

from grader.errors import GraderError
from grader.gitcmd import GIT_SECONDS, GitError, repo_root, run_git
from grader.workspace import MARKER_DIR, SCORECARDS_DIR, Workspace

_CACHES = {"__pycache__", ".pytest_cache", ".coverage"}


class ChangesError(GraderError):
    """The changed files cannot be worked out (not a git repository, unknown ref)."""


def changed_files(repo: Path, ref: str) -> list[Path]:
    """Files changed since `ref`: `git diff REF...HEAD`, plus uncommitted and new files.

    Paths are absolute; saved scorecards and caches are left out. Raises ChangesError
    when `repo` is not in a git repository or `ref` names no commit there.
    """
    top = repo_root(repo)
    if top is None:
        raise ChangesError(
            f"{repo} is not inside a git repository, so --changed cannot work; "
            "run `grader ci` without --changed to grade every workspace"
        )
    # A ref starting with "-" would be read as an option by git.
    commit = f"{ref}^{{commit}}"
    if (
        not ref
        or ref.startswith("-")
        or _git(top, "rev-parse", "-q", "--verify", commit) is None
    ):
        raise ChangesError(
            f"--changed {ref!r} is not a commit in {top}; give a branch, tag or commit "
            "that is in the history (in GitHub Actions check out with fetch-depth: 0), "
            "or leave --changed out to grade every workspace"
        )
    committed = _git(top, "diff", "--name-only", "--no-renames", "-z", f"{ref}...HEAD")
    if committed is None:
        raise ChangesError(
            f"cannot compare {ref!r} with HEAD in {top} (no common history); "
            "leave --changed out to grade every workspace"
        )
    uncommitted = _git(top, "diff", "--name-only", "--no-renames", "-z", "HEAD") or ""
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z") or ""
    names = {n for n in (committed + uncommitted + untracked).split("\0") if n}
    return sorted(top / name for name in names if not _generated(name))


def _generated(name: str) -> bool:
    """Files the tools write themselves (saved scorecards, caches): no reason to regrade."""
    parts = name.split("/")
    pairs = set(zip(parts, parts[1:]))
    return bool(_CACHES & set(parts)) or (MARKER_DIR, SCORECARDS_DIR) in pairs


def touched_workspaces(
    workspaces: list[Workspace], files: list[Path]
) -> list[Workspace]:
    """The workspaces (in their order) that hold at least one of `files`."""
    roots = [(w, w.root.resolve()) for w in workspaces]
    touched = {
        w.root
        for path in files
        for w, root in roots
        if path == root or root in path.parents
    }
    return [w for w in workspaces if w.root in touched]


def _git(top: Path, *args: str) -> str | None:
    """git's stdout, or None when it fails; ChangesError when git does not answer."""
    try:
        done = run_git(top, *args, timeout=GIT_SECONDS)
    except GitError as exc:
        raise ChangesError(f"{exc.message}; or leave --changed out") from None
    return done.stdout if done.returncode == 0 else None
