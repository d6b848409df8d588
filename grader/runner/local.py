"""The local backend: no sandbox. For authoring, and for machines without Docker or bwrap."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from typing import IO

from grader.runner.backend import RunOutcome
from grader.runner.job import Job
from grader.runner.log_stream import LogStream, ProgressCallback

# The entrypoint stops itself before run_seconds; the host waits this much longer.
HOST_MARGIN_SECONDS = 10.0
LOG_CHARS = 4_000
# How long the reaper may take to kill and reap a run's processes (a fork bomb's too).
REAPER_SECONDS = 10.0


class LocalBackend:
    name = "local"
    sandboxed = False

    def run(self, job: Job, on_progress: ProgressCallback | None = None) -> RunOutcome:
        deadline = job.exercise.limits.run_seconds + HOST_MARGIN_SECONDS
        log = LogStream(job.nonce, on_progress, keep=LOG_CHARS)
        entry = [sys.executable, "-I", "-m", "grader.sandbox.entrypoint", str(job.root)]
        proc = subprocess.Popen(
            # The reaper outlives the run's processes, daemons and setsid() escapes
            # included, and kills them all before it exits (grader.runner.reaper).
            [sys.executable, "-I", "-m", "grader.runner.reaper", *entry],
            cwd=job.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert proc.stdout is not None
        reader = threading.Thread(target=_pump, args=(proc.stdout, log), daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _stop(proc)
        # The pipe closes once the last process holding it is gone (killed above).
        reader.join(timeout=5.0)
        proc.stdout.close()
        log.close()
        return RunOutcome(
            exit_code=proc.returncode,
            timed_out=timed_out,
            log_tail=log.tail,
            integrity={"isolation": "none", "note": "local backend: not a sandbox"},
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Have the reaper kill everything below it; its process group if it does not."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=REAPER_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _pump(pipe: IO[bytes], log: LogStream) -> None:
    for chunk in iter(lambda: pipe.read1(1 << 16), b""):
        log.feed(chunk)
