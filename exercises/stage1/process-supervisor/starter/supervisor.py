"""A small job supervisor: run commands, stop them cleanly, restart them, guard files.

Start every child in a session of its own (``start_new_session=True``): it and
everything it starts then form one process group, which ``os.killpg`` stops together.

Replace every ``raise NotImplementedError`` with a real implementation. Keep the names
and signatures: the hidden tests import them. Add imports and private helpers as you
need them.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

# Exit codes a shell uses when it could not run the command at all.
NOT_EXECUTABLE = 126
NOT_FOUND = 127
LOG_MODE = 0o600
PID_MODE = 0o644


class ScriptError(Exception):
    """A script never to run: missing, not a file, world-writable, not executable."""


@dataclass(frozen=True)
class Result:
    """How one run ended: ``returncode`` as ``subprocess`` gives it (negative: the
    signal that killed the process), what it printed, and whether it timed out."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """True when the run exited 0 within its time."""
        raise NotImplementedError


@dataclass(frozen=True)
class Report:
    """Every attempt of a supervised job, and the delays slept between them."""

    attempts: list[Result] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there was an attempt and the last one was ok."""
        raise NotImplementedError


def describe(returncode: int) -> str:
    """``"ok"``, ``"exit 3"`` or ``"killed by SIGKILL"`` (``"killed by signal 99"``)."""
    raise NotImplementedError


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: str | os.PathLike[str] | None = None,
) -> Result:
    """Run ``argv`` to its end or ``timeout``, capturing stdout and stderr as text.

    A missing program gives returncode 127, one that cannot be executed 126; on timeout
    the whole process group is killed and ``timed_out`` is set.

    Raises:
        TypeError: if ``argv`` is a string.
        ValueError: if ``argv`` is empty or ``timeout`` is not a number above 0.
    """
    raise NotImplementedError


def start(
    argv: Sequence[str], *, cwd: str | os.PathLike[str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session (its own process group), output discarded."""
    raise NotImplementedError


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> int:
    """SIGTERM the process's group, wait up to ``grace`` seconds, then SIGKILL whatever
    is left of the group. Returns the process's returncode.

    Raises:
        ValueError: if ``grace`` is not a number >= 0.
    """
    raise NotImplementedError


def supervise(
    argv: Sequence[str],
    *,
    timeout: float,
    restarts: int = 3,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Run ``argv``; after a failure, sleep and restart it, at most ``restarts`` times.

    The delays double from ``backoff`` and never exceed ``max_backoff``. A success ends
    the run; so does a command that is missing or not executable (126, 127).

    Raises:
        ValueError: for a bad ``timeout``, ``restarts``, ``backoff`` or
            ``max_backoff`` (checked before anything runs).
    """
    raise NotImplementedError


def check_script(script: str | os.PathLike[str]) -> Path:
    """The script's path, or ScriptError saying why it must not run and the fix."""
    raise NotImplementedError


def run_script(
    script: str | os.PathLike[str],
    workdir: str | os.PathLike[str],
    *,
    timeout: float,
) -> Result:
    """Check and run ``script`` in ``workdir``, with ``<stem>.pid`` there while it runs
    and ``<stem>.log`` (mode 0o600) afterwards.

    Raises:
        ScriptError: if ``check_script`` refuses the script (nothing runs then).
    """
    raise NotImplementedError
