"""The local backend leaves no process behind, even one that left the run's session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader.catalog.model import Exercise
from grader.pipeline import grade_workspace
from grader.runner import LocalBackend

REAPER = [sys.executable, "-I", "-m", "grader.runner.reaper"]

# At import, a daemon the textbook way: fork, setsid(), fork again, and sleep on.
DAEMON_AT_IMPORT = """
import os as _os
import time as _time

_first = _os.fork()
if _first == 0:
    _os.setsid()
    if _os.fork() == 0:
        with open({pids!r}, "a") as _f:
            _f.write(str(_os.getpid()) + "\\n")
        _time.sleep(300)
    _os._exit(0)
_os.waitpid(_first, 0)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def read_pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def wait_until(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_reaper_kills_what_left_the_session_when_the_command_ends(
    tmp_path: Path,
) -> None:
    pids = tmp_path / "pids"
    script = f"setsid sleep 300 & echo $! > {pids}; exit 3"
    done = subprocess.run([*REAPER, "sh", "-c", script], timeout=30)
    assert done.returncode == 3  # the command's own status
    (pid,) = read_pids(pids)
    assert not alive(pid)


def test_the_reaper_stops_everything_when_asked(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"setsid sleep 300 & echo $! > {pids}; sleep 300"
    proc = subprocess.Popen([*REAPER, "sh", "-c", script])
    assert wait_until(lambda: bool(read_pids(pids)))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGKILL
    (pid,) = read_pids(pids)
    assert not alive(pid)


def test_a_submission_that_daemonizes_leaves_nothing_running(
    tmp_path: Path, word_count: Exercise
) -> None:
    pids = tmp_path / "pids"
    folder = tmp_path / "submission"
    source = word_count.root / "reference"
    for path in source.rglob("*"):
        if path.is_file():
            target = folder / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    solution = folder / "word_count.py"
    solution.write_text(DAEMON_AT_IMPORT.format(pids=str(pids)) + solution.read_text())
    started = time.monotonic()
    card = grade_workspace(folder, exercise=word_count, backend=LocalBackend())
    assert card.status in ("pass", "fail")  # graded, not a harness error
    found = read_pids(pids)
    assert found, "the submission never ran its daemon"
    assert [pid for pid in found if alive(pid)] == []
    # The daemons held the log pipe: the run ended when they died, not after a wait.
    assert time.monotonic() - started < 60
    for pid in found:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"process {pid} of the submission is still there")
