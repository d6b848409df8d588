"""What git knows about the student's repository: commit subjects, tags, remotes."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from grader.gitcmd import GIT_SECONDS, GitError, run_git

MAX_COMMITS = 1000  # the most recent ones; enough to judge a habit
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass(frozen=True)
class GitFacts:
    """`problem` says why git could not be read (then `next_step` says what to do)."""

    is_repo: bool
    problem: str = ""
    next_step: str = ""
    commits: tuple[tuple[str, str], ...] = ()  # (short hash, subject), newest first
    truncated: bool = False
    tags: tuple[str, ...] = ()
    remotes: tuple[tuple[str, str], ...] = ()  # (name, url without credentials)


def read_git(repo: Path) -> GitFacts:
    """Read the history (merges left out), tags and remotes of the repository at `repo`."""
    try:
        inside = run_git(
            repo, "rev-parse", "--is-inside-work-tree", timeout=GIT_SECONDS
        )
    except GitError as exc:
        return GitFacts(
            is_repo=False,
            problem=f"git is not installed (or did not answer): {exc.message}",
            next_step="install git, then run `git init` in the repository",
        )
    if inside.returncode != 0:
        message = (inside.stderr.strip().splitlines() or ["not a git repository"])[0]
        if "dubious ownership" in inside.stderr:
            step = f"git config --global --add safe.directory {repo}"
        else:
            step = (
                f"git init {repo} && git add -A && git commit -m 'feat: first version'"
            )
        return GitFacts(
            is_repo=False,
            problem=f"{repo} is not usable by git: {message}",
            next_step=step,
        )
    log = _git(repo, "log", "--no-merges", f"-n{MAX_COMMITS + 1}", "--format=%h%x1f%s")
    commits: list[tuple[str, str]] = []
    if (
        log is not None and log.returncode == 0
    ):  # a repository without commits fails here
        for line in log.stdout.splitlines():
            short, _, subject = line.partition("\x1f")
            commits.append((short, subject))
    tags = _git(repo, "tag", "--list")
    remotes = _git(repo, "remote", "-v")
    return GitFacts(
        is_repo=True,
        commits=tuple(commits[:MAX_COMMITS]),
        truncated=len(commits) > MAX_COMMITS,
        tags=tuple(tags.stdout.split()) if tags and tags.returncode == 0 else (),
        remotes=_remotes(remotes.stdout if remotes and remotes.returncode == 0 else ""),
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """git's answer, or None when git stopped answering after the first question."""
    try:
        return run_git(repo, *args, timeout=GIT_SECONDS)
    except GitError:
        return None


def _remotes(text: str) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            # A URL may carry a token (https://user:token@host/...): never show it.
            found.setdefault(fields[0], _USERINFO.sub("***@", fields[1]))
    return tuple(found.items())
