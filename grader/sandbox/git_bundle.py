"""A Git exercise's bundle, unpacked in the sandbox for the hidden suite to inspect.

The bundle carries objects and refs only: no config, no hook, no attribute file takes
effect. It is cloned bare (nothing is checked out, so no filter or attribute ever runs),
with the system's and the user's git configuration ignored, only the local bundle
reachable as a transport, and hooks and fsmonitor switched off. The hidden tests then read
history through `git()`, which runs with the same settings.

Standard library and the bottom room only: it runs inside the sandbox.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from grader.catalog.model import BUNDLE_NAME

REPOSITORY_NAME = "repository.git"  # beside the hidden suite's copy, in work/trusted/
ERROR_NAME = "repository.error"
MAX_BUNDLE_BYTES = 100 * 1024 * 1024
GIT_SECONDS = 60.0
SAFE_OPTIONS = (
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.file.allow=always",  # the bundle itself is read as a local file
    "-c",
    "core.sshCommand=false",
    "-c",
    "credential.helper=",
)


class RepositoryUnavailable(Exception):
    """The submission's repository could not be unpacked; the message says why."""


def git_env() -> dict[str, str]:
    """git with nobody's configuration but the command line's."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/nonexistent",
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ATTR_NOSYSTEM": "1",
    }


def unpack(submission: Path, trusted: Path, *, owner: int | None) -> bool:
    """Clone `submission`'s bundle into `trusted`/repository.git; False when there is none.

    What went wrong is written to `trusted`/repository.error for the hidden tests to report.
    `owner` (the trusted uid, when the sandbox has one) receives the clone, so that its
    git reads a repository of its own.
    """
    bundle = submission / BUNDLE_NAME
    if not bundle.is_file() or bundle.is_symlink():
        return False
    dest = trusted / REPOSITORY_NAME
    try:
        problem = _clone(bundle, dest)
    except OSError as exc:  # the sandbox's disk or process limits, met while unpacking
        problem = f"the bundle could not be unpacked: {exc.strerror or exc}"
    if problem:
        (trusted / ERROR_NAME).write_text(problem + "\n", encoding="utf-8")
        paths = [trusted / ERROR_NAME]
    else:
        paths = [dest, *dest.rglob("*")]
    for path in paths:
        os.chown(path, owner if owner is not None else -1, -1, follow_symlinks=False)
    return True


def _clone(bundle: Path, dest: Path) -> str | None:
    size = bundle.stat().st_size
    if size > MAX_BUNDLE_BYTES:
        return f"the bundle is {size // 1024} KB; the sandbox accepts at most 100 MB"
    command = [
        "git",
        *SAFE_OPTIONS,
        "clone",
        "--quiet",
        "--mirror",
        "--template=",
        "--no-hardlinks",
        str(bundle),
        str(dest),
    ]
    try:
        done = subprocess.run(
            command,
            env=git_env(),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=GIT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        return "git is not installed in the sandbox image; rebuild it (grader runner build)"
    except subprocess.TimeoutExpired:
        return f"unpacking the bundle took longer than {GIT_SECONDS:g} s"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return "the bundle is not a valid git bundle: " + (
            lines[-1] if lines else f"git exit code {done.returncode}"
        )
    return None


def repository(hidden_test: str | Path) -> Path:
    """The unpacked repository, for a hidden test file at `hidden_test` (its `__file__`).

    The hidden suite's copy lives in work/trusted/hidden/, the clone beside it.
    Raises RepositoryUnavailable saying why there is none.
    """
    trusted = Path(hidden_test).resolve().parent.parent
    error = trusted / ERROR_NAME
    if error.is_file():
        raise RepositoryUnavailable(error.read_text(encoding="utf-8").strip())
    found = trusted / REPOSITORY_NAME
    if not found.is_dir():
        raise RepositoryUnavailable(
            "no repository was submitted: this exercise is graded from a git bundle "
            "(`grader submit` in the repository that `grader start` created)"
        )
    return found


def git(repo: Path, *args: str) -> str:
    """`git ARGS` on the unpacked repository, safely; its output, or RepositoryUnavailable."""
    done = _run(repo, args)
    if done.returncode != 0:
        raise RepositoryUnavailable(
            f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}"
        )
    return done.stdout


def git_succeeds(repo: Path, *args: str) -> bool:
    """Whether `git ARGS` exits 0 (`merge-base --is-ancestor`, `rev-parse --verify`)."""
    return _run(repo, args).returncode == 0


def _run(repo: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *SAFE_OPTIONS, f"--git-dir={repo}", *args],
        env=git_env(),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=GIT_SECONDS,
        check=False,
    )
