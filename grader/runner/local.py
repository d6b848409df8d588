"""The local backend: no sandbox. For authoring, and for machines without Docker or bwrap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from grader.runner.backend import RunOutcome
from grader.runner.job import Job

# The entrypoint stops itself before run_seconds; the host waits this much longer.
HOST_MARGIN_SECONDS = 10.0
LOG_CHARS = 4_000


class LocalBackend:
    name = "local"
    sandboxed = False

    def run(self, job: Job) -> RunOutcome:
        deadline = job.exercise.limits.run_seconds + HOST_MARGIN_SECONDS
        log_path = job.root / "work" / "inside.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-m",
                    "grader.sandbox.entrypoint",
                    str(job.root),
                ],
                cwd=job.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
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
        tail = log_path.read_bytes()[-LOG_CHARS:].decode("utf-8", "replace")
        return RunOutcome(
            exit_code=proc.returncode,
            timed_out=timed_out,
            log_tail=tail,
            integrity={"isolation": "none", "note": "local backend: not a sandbox"},
        )
