"""What every check receives, and the helpers they share."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.i18n.message import Message
from grader.registry.checks import declaration
from grader.sandbox.pytest_session import TRUSTED_OOM_SCORE, drop_privileges
from grader.scorecard.model import CheckResult, CheckStatus


@dataclass(frozen=True)
class CheckContext:
    """The job as a check sees it. Paths are inside the sandbox when one is used."""

    submission: Path
    hidden: Path
    work: Path
    solution_files: tuple[str, ...]
    test_files: tuple[str, ...]
    python_files: tuple[str, ...]
    test_seconds: float
    deadline: float
    syntax_errors: dict[str, str] = field(default_factory=dict)
    python: str = sys.executable
    # Set when the sandbox starts as root: the submission's own processes run as
    # student_uid, the trusted checks' processes as trusted_uid; only the entrypoint is root.
    student_uid: int | None = None
    trusted_uid: int | None = None
    # Set in a bwrap sandbox (one uid): the submission's processes run in a nested jail
    # that sees only their own folders (grader.sandbox.jail), instead of under another uid.
    jail: bool = False
    # What the checks learned about the sandbox's isolation (the hidden tests' process
    # split): sent to the host beside the checks, never inside a check's details.
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def entry_work(self) -> Path:
        """The entrypoint's own files (logs): no other uid can read or write them."""
        return self.work / "entry"

    @property
    def trusted_work(self) -> Path:
        """What the trusted processes read (the hidden suite, their ini): nobody else reads
        it, and only the entrypoint writes it, so a restart reads nothing a process changed.
        """
        return self.work / "trusted"

    @property
    def shared_config(self) -> Path:
        """Configuration the submission's processes read and cannot change."""
        return self.work / "shared"

    @property
    def trusted_scratch(self) -> Path:
        """Where the trusted processes write (pytest's basetemp, the coverage report)."""
        return self.work / "tmp"

    @property
    def hidden_scratch(self) -> Path:
        """The hidden tests' pytest basetemp lives here: every test's tmp_path, which the
        submission's process may use too. Nothing else of the trusted side is in it."""
        return self.trusted_scratch / "hidden"

    @property
    def student_work(self) -> Path:
        return self.work / "student"

    def seconds_left(self) -> float:
        return max(1.0, self.deadline - time.monotonic())


def result(
    check_id: str,
    status: CheckStatus,
    weight: float,
    *,
    message: Message | str = "",
    details: dict[str, Any] | None = None,
    duration: float = 0.0,
) -> CheckResult:
    """What a check found, unscored: the host scores every check from its facts
    (grader.verdict.builder.score_check), so the sandbox reports a score of 0. A
    `Message` (grader.i18n) keeps its id and parameters for the views in Chinese."""
    found = CheckResult(
        id=check_id,
        title=declaration(check_id).title,
        status=status,
        score=0.0,
        max_score=float(weight),
        duration=round(duration, 3),
        details=details or {},
    )
    found.say(message)
    return found


def timed(run: Callable[[], CheckResult]) -> CheckResult:
    """Run a check and record how long it took."""
    start = time.monotonic()
    outcome = run()
    outcome.duration = round(time.monotonic() - start, 3)
    return outcome


def trusted_tool(ctx: CheckContext) -> Callable[[], None] | None:
    """The preexec function for a tool that reads the submission: the trusted uid, no root."""
    if ctx.trusted_uid is None:
        return None
    return drop_privileges(
        ctx.trusted_uid, umask=0o022, oom_score_adj=TRUSTED_OOM_SCORE
    )


def student_jail(ctx: CheckContext, *, writable: tuple[Path, ...] = ()) -> list[str]:
    """The argv prefix that runs a command in the submission's jail; [] when not jailed.

    The jail sees the submission and the shared configuration (read-only) and the student
    work folder plus `writable`; nothing else of /job.
    """
    if not ctx.jail:
        return []
    from grader.sandbox.jail import jail_argv

    return jail_argv(
        cwd=ctx.submission,
        readable=[ctx.submission, ctx.shared_config],
        writable=[ctx.student_work, *writable],
    )


def write_pytest_ini(path: Path, pythonpath: Path | None) -> Path:
    """Our own ini: the submission's pytest settings never take part in grading."""
    path.write_text(
        "[pytest]\n"
        f"pythonpath = {pythonpath or ''}\n"
        "addopts =\n"
        "filterwarnings =\n    ignore::DeprecationWarning\n"
        "console_output_style = classic\n",
        encoding="utf-8",
    )
    return path
