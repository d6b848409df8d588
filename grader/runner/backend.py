"""Where a job runs. Every backend runs the same entrypoint (`grader.sandbox.entrypoint`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from grader.runner.job import Job
from grader.runner.log_stream import ProgressCallback


@dataclass
class RunOutcome:
    """What the host learned about a run, apart from the results file itself."""

    exit_code: int | None
    timed_out: bool = False
    out_of_memory: bool = False
    log_tail: str = ""
    image: str | None = None
    image_digest: str | None = None
    integrity: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    name: str
    sandboxed: bool

    def run(self, job: Job, on_progress: ProgressCallback | None = None) -> RunOutcome:
        """Run the job to completion or its deadline; never raise for what the submission did.

        `on_progress` receives the entrypoint's progress events as they come (for display).
        """
        ...
