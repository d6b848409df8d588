"""Running git, always with a timeout, and finding the repository a folder belongs to."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from grader.errors import GraderError

GIT_SECONDS = 30.0  # the timeout callers pass when nothing calls for another


class GitError(GraderError):
    """git is not installed, could not start, or did not answer in time."""


def run_git(repo: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run `git -C repo ARGS` and return what it did, whatever its exit code.

    Output is text (UTF-8, undecodable bytes replaced), in the C locale, and git never
    prompts. Raises GitError when git is missing or runs longer than `timeout` seconds.
    """
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    command = ["git", "-C", str(repo), *args]
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise GitError(
            "git is not installed (or not on PATH); install git, then try again"
        ) from None
    except subprocess.TimeoutExpired:
        raise GitError(
            f"`git {' '.join(args)}` in {repo} did not answer within {timeout:g} s; "
            "check that the repository is not locked or on a stalled disk, then try again"
        ) from None
    except OSError as exc:
        raise GitError(f"cannot run git in {repo}: {exc.strerror or exc}") from None


def repo_root(folder: Path, *, timeout: float = GIT_SECONDS) -> Path | None:
    """The root of the git repository holding `folder` (resolved), or None outside one.

    Asks git; when git is missing or does not answer, walks up from `folder` to the
    first folder holding `.git`.
    """
    try:
        done = run_git(folder, "rev-parse", "--show-toplevel", timeout=timeout)
    except GitError:
        start = Path(folder).resolve()
        for candidate in (start, *start.parents):
            if (candidate / ".git").exists():
                return candidate
        return None
    top = done.stdout.strip()
    if done.returncode != 0 or not top:
        return None
    return Path(top).resolve()
