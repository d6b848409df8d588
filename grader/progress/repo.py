"""The student's repository: which folder it is."""

from __future__ import annotations

from pathlib import Path

from grader.errors import GraderError
from grader.gitcmd import repo_root
from grader.workspace import WorkspaceError, find_workspace


class RepoError(GraderError):
    """The repository folder does not exist or cannot be read."""


def resolve_repo(repo: Path | None) -> Path:
    """`repo`, or else the git top level of the current folder, or else the current folder;
    run inside a workspace (and no repository above it), the folder that holds it.

    Raises RepoError when the folder is missing or unreadable.
    """
    if repo is None:
        here = Path.cwd()
        repo = repo_root(here) or here
        home = _workspace_around(here)
        if home is not None and repo.resolve().is_relative_to(home):
            # Run inside one workspace: the folder holding it holds the student's others.
            repo = home.parent
    folder = repo.expanduser()
    if not folder.is_dir():
        raise RepoError(
            f"{folder} is not a folder; pass --repo with your repository's folder"
        ) from None
    try:
        next(folder.iterdir(), None)
    except OSError as exc:
        raise RepoError(
            f"cannot read {folder} ({exc.strerror or exc}); check its permissions"
        ) from None
    return folder.resolve()


def _workspace_around(here: Path) -> Path | None:
    try:
        return find_workspace(here).root.resolve()
    except WorkspaceError:
        return None
