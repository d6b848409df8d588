"""A small job supervisor: run commands, stop them cleanly, restart them, guard files.

Every child is started in a session of its own (``start_new_session=True``), so it and
everything it starts form one process group that ``os.killpg`` can stop together.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

# Exit codes a shell uses when it could not run the command at all.
NOT_EXECUTABLE = 126
NOT_FOUND = 127
# Retrying cannot fix a command that is missing or not executable.
PERMANENT_FAILURES = (NOT_EXECUTABLE, NOT_FOUND)
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
        return self.returncode == 0 and not self.timed_out


@dataclass(frozen=True)
class Report:
    """Every attempt of a supervised job, and the delays slept between them."""

    attempts: list[Result] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok


def describe(returncode: int) -> str:
    """``"ok"``, ``"exit 3"`` or ``"killed by SIGKILL"`` (``"killed by signal 99"``)."""
    if returncode == 0:
        return "ok"
    if returncode > 0:
        return f"exit {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


def _check_argv(argv: Sequence[str]) -> list[str]:
    if isinstance(argv, (str, bytes)):
        raise TypeError(
            f"argv must be a list of strings, not the string {argv!r}: "
            "pass ['ls', '-l'], never 'ls -l' (there is no shell to split it)"
        )
    args = list(argv)
    if not args:
        raise ValueError("argv is empty: name the program to run")
    return args


def _check_positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be a number of seconds above 0, not {value!r}")


def signal_group(pgid: int, signum: int) -> None:
    """Send ``signum`` to the process group, if any process is left in it."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def start(
    argv: Sequence[str], *, cwd: str | os.PathLike[str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session (its own process group), output discarded."""
    return subprocess.Popen(
        _check_argv(argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> int:
    """SIGTERM the process's group, wait up to ``grace`` seconds, then SIGKILL whatever
    is left of the group. Returns the process's returncode."""
    if isinstance(grace, bool) or not isinstance(grace, (int, float)) or grace < 0:
        raise ValueError(f"grace must be a number of seconds >= 0, not {grace!r}")
    signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    signal_group(proc.pid, signal.SIGKILL)  # grandchildren too, even if the leader left
    return proc.wait()


def _run(
    args: list[str],
    timeout: float,
    cwd: str | os.PathLike[str] | None,
    on_start: Callable[[int], None] | None = None,
) -> Result:
    try:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError:
        return Result(NOT_FOUND, "", f"command not found: {args[0]}\n")
    except PermissionError:
        return Result(NOT_EXECUTABLE, "", f"permission denied: {args[0]}\n")
    if on_start is not None:
        on_start(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
        return Result(proc.returncode, out, err)
    except subprocess.TimeoutExpired:
        # All the group: a grandchild holding the pipes would keep communicate() going.
        signal_group(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return Result(proc.returncode, out, err, timed_out=True)


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: str | os.PathLike[str] | None = None,
) -> Result:
    """Run ``argv`` to its end or ``timeout``, capturing stdout and stderr as text.

    A missing program gives returncode 127, one that cannot be executed 126; on timeout
    the whole process group is killed and ``timed_out`` is set.
    """
    args = _check_argv(argv)
    _check_positive("timeout", timeout)
    return _run(args, timeout, cwd)


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, not {value!r}")


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
    """
    args = _check_argv(argv)
    _check_positive("timeout", timeout)
    _check_count("restarts", restarts)
    if isinstance(backoff, bool) or not isinstance(backoff, (int, float)):
        raise ValueError(f"backoff must be a number of seconds, not {backoff!r}")
    if backoff < 0 or max_backoff < backoff:
        raise ValueError(
            f"need 0 <= backoff <= max_backoff, got {backoff!r} and {max_backoff!r}"
        )
    report = Report()
    for attempt in range(restarts + 1):
        if attempt:  # a restart: wait first
            delay = min(backoff * 2 ** (attempt - 1), max_backoff)
            report.delays.append(delay)
            sleep(delay)
        result = _run(args, timeout, None)
        report.attempts.append(result)
        if result.ok or result.returncode in PERMANENT_FAILURES:
            break
    return report


def check_script(script: str | os.PathLike[str]) -> Path:
    """The script's path, or ScriptError saying why it must not run and the fix."""
    path = Path(script)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScriptError(f"{path}: no such file") from None
    if not stat.S_ISREG(info.st_mode):
        raise ScriptError(f"{path}: not a regular file")
    if info.st_mode & stat.S_IWOTH:
        raise ScriptError(
            f"{path}: world-writable, so anyone could change what it runs; "
            f"fix it with: chmod o-w {path}"
        )
    if not info.st_mode & stat.S_IXUSR:
        raise ScriptError(
            f"{path}: not marked executable; fix it with: chmod u+x {path}"
        )
    return path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as 0o600 (owner only), even over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, LOG_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), LOG_MODE)  # the mode above applies to new files only
        out.write(text)


def run_script(
    script: str | os.PathLike[str],
    workdir: str | os.PathLike[str],
    *,
    timeout: float,
) -> Result:
    """Check and run ``script`` in ``workdir``, with ``<stem>.pid`` there while it runs
    and ``<stem>.log`` (mode 0o600) afterwards."""
    path = check_script(script)
    _check_positive("timeout", timeout)
    folder = Path(workdir)
    pid_file = folder / f"{path.stem}.pid"

    def write_pid(pid: int) -> None:
        fd = os.open(pid_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PID_MODE)
        with os.fdopen(fd, "w") as out:
            out.write(f"{pid}\n")

    try:
        # Through the interpreter: folders such as /tmp are often mounted noexec.
        argv = [sys.executable, str(path.absolute())]
        result = _run(argv, timeout, folder, write_pid)
    finally:
        pid_file.unlink(missing_ok=True)
    ending = "timed out" if result.timed_out else describe(result.returncode)
    log = f"stdout:\n{result.stdout}stderr:\n{result.stderr}result: {ending}\n"
    write_private(folder / f"{path.stem}.log", log)
    return result
