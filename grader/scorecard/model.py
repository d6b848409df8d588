"""Scorecard v1: the one result document every grading run ends in.

Plain dataclasses; `grader.scorecard.serialize` is the only place they become JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from grader.i18n.message import Message
from grader.scorecard.caps import MESSAGE_CHARS, cap_text

# 2.0: gates. A 1.0 document (no gates) still loads. Messages carry their id and
# parameters (`message_id`, `message_params`; a gate's `why_id`, `why_params`) beside the
# English text, for the views to render in their reader's language: optional, so that
# older documents load.
SCHEMA_VERSION = "2.0"

RunStatus = Literal["pass", "fail", "error"]
CheckStatus = Literal["pass", "fail", "error", "skipped"]
TestStatus = Literal["passed", "failed", "error", "timeout", "skipped"]


@dataclass
class TestOutcome:
    """One hidden test, as the sandbox reports it and every reader sees it.

    In a scorecard's JSON these are the entries of the tests check's `details.tests`;
    `outcomes_of` reads them back. Every outcome is reported (none is dropped for size);
    only the text fields are capped, with a visible marker.
    """

    __test__ = False  # a model, not a test class for pytest to collect

    id: str
    title: str
    status: TestStatus
    task: int | None = None
    points: float = 1.0
    message: str = ""
    location: str = ""
    output: str = ""
    duration: float = 0.0
    # A core test carries its task's lesson: the task's gate needs it to pass.
    core: bool = False
    # Its subtests in the order they ran (`msg`, `status`, `message`, `output` each: what
    # the student's code printed during that subtest), for the exports
    # that list them (Exercism's); absent from the JSON when there are none.
    subtests: list[dict[str, Any]] | None = None


TEST_OUTCOME_FIELDS = (
    "id",
    "title",
    "status",
    "task",
    "points",
    "message",
    "location",
    "output",
    "duration",
    "core",
    "subtests",
)


def outcomes_of(check: "CheckResult | None") -> list[TestOutcome]:
    """The hidden tests a check reports (its `details.tests`), typed; [] for none."""
    if check is None:
        return []
    found = []
    for raw in check.details.get("tests", []):
        if isinstance(raw, TestOutcome):
            found.append(raw)
        else:
            found.append(
                TestOutcome(**{k: raw[k] for k in TEST_OUTCOME_FIELDS if k in raw})
            )
    return found


@dataclass
class CheckResult:
    """What one check found. `details` holds the check's own facts (tests, violations, …)."""

    id: str
    title: str
    status: CheckStatus
    score: float
    max_score: float
    duration: float = 0.0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    message_params: dict[str, Any] | None = None

    def say(self, message: Message | str) -> None:
        """Set the message: its English text, and its id and parameters when it has them."""
        text, self.message_id, self.message_params = parts(message)
        self.message = cap_text(text, MESSAGE_CHARS)


@dataclass
class ExerciseRef:
    slug: str
    stage: int
    version: str


@dataclass
class SubmittedFile:
    path: str
    size: int
    sha256: str


@dataclass
class SubmissionRef:
    sha256: str
    files: list[SubmittedFile] = field(default_factory=list)


@dataclass
class RunnerInfo:
    grader_version: str
    backend: str
    sandboxed: bool
    image: str | None = None
    image_digest: str | None = None


@dataclass
class Gate:
    """One thing that must hold for a pass: a task's minimum, or an engineering check.

    `id` is `task-N` or the check's id; `why` says, when it did not hold, what is missing.
    """

    id: str
    held: bool
    why: str = ""
    task: int | None = None
    why_id: str | None = None
    why_params: dict[str, Any] | None = None


@dataclass
class Scorecard:
    exercise: ExerciseRef
    submission: SubmissionRef
    runner: RunnerInfo
    started_at: str
    finished_at: str
    duration: float
    status: RunStatus
    score: float
    max_score: float
    pass_percent: float
    message: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    integrity: dict[str, Any] = field(default_factory=dict)
    gates: list[Gate] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    message_id: str | None = None
    message_params: dict[str, Any] | None = None
    # A practice run on a students' edition (no hidden suite): never counts as a grade.
    practice: bool = False

    def check(self, check_id: str) -> CheckResult | None:
        return next((c for c in self.checks if c.id == check_id), None)


def parts(message: Message | str) -> tuple[str, str | None, dict[str, Any] | None]:
    """A message's English text, id and parameters (a bare string has neither)."""
    if isinstance(message, Message):
        return message.text, message.id, dict(message.params)
    return message, None, None
