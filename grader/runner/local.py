"""The local backend: no sandbox. For authoring, and for machines without Docker or bwrap."""

from __future__ import annotations

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


class LocalBackend:
    name = "local"
    sandboxed = False

    def run(self, job: Job, on_progress: ProgressCallback | None = None) -> RunOutcome:
        deadline = job.exercise.limits.run_seconds + HOST_MARGIN_SECONDS
        log = LogStream(job.nonce, on_progress, keep=LOG_CHARS)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "grader.sandbox.entrypoint", str(job.root)],
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
            # Student code may have left children behind (daemons, fork bombs).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
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


def _pump(pipe: IO[bytes], log: LogStream) -> None:
    for chunk in iter(lambda: pipe.read1(1 << 16), b""):
        log.feed(chunk)
