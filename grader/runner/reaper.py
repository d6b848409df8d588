"""Run a command and leave none of its processes behind: `python -m grader.runner.reaper CMD...`.

The local backend's sandbox-less runs start student code as the user, and a process that
calls setsid() (a daemon, a double fork) leaves the run's process group, so killing the
group misses it. This wrapper makes itself a child subreaper (PR_SET_CHILD_SUBREAPER):
every orphan below it is re-parented to it rather than to init, so once the command ends,
or SIGTERM asks it to stop, it kills and reaps every process below it until none is left,
then exits with the command's status (128 + N for a command killed by signal N).

Standard library only, Linux only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Orphans below this process come to it, not to init."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def descendants(pid: int) -> list[int]:
    """The live processes below `pid` (zombies left out: they are dead, only unreaped)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def sweep() -> None:
    """Kill every process below this one and reap them all, forks made meanwhile too."""
    me = os.getpid()
    while True:
        alive = descendants(me)
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return  # no child left, not even a zombie
            if pid == 0:
                break
        if not alive:
            time.sleep(0.01)  # a child still exiting; reap it on the next round


def main(argv: list[str]) -> int:
    if not argv:
        print(
            "usage: python -m grader.runner.reaper COMMAND [ARGS...]", file=sys.stderr
        )
        return 2
    become_subreaper()
    child = 0
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)

    # Before the fork, so that a stop asked for at any moment is honoured.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    pid = os.fork()
    if pid == 0:
        try:
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    child = pid
    if stopping:
        stop(signal.SIGTERM, None)
    _, status = os.waitpid(child, 0)
    sweep()
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
