"""The student's repository: which folder it is, and running git in it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from grader.errors import GraderError

GIT_SECONDS = 30.0


class RepoError(GraderError):
    """The repository folder does not exist or cannot be read."""


def run_git(repo: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run `git -C repo ARGS`; None when git is not installed or does not answer in time."""
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=GIT_SECONDS,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def resolve_repo(repo: Path | None) -> Path:
    """`repo`, or else the git top level of the current folder, or else the current folder.

    Raises RepoError when the folder is missing or unreadable.
    """
    if repo is None:
        here = Path.cwd()
        top = run_git(here, "rev-parse", "--show-toplevel")
        repo = Path(top.stdout.strip()) if top and top.returncode == 0 else here
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
