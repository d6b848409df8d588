"""A check, declared once: what it is, where it runs, what it needs, how it scores and shows.

The module of each check exports one `CheckDeclaration` named `DECLARATION`, and
`grader.registry.checks` lists them in order. Everything else reads a check's facts from
there: the sandbox's entrypoint runs it, the host scores it, the terminal view, `grader ci`,
the exports, the stage criteria and `grader exercises new` show it.

Standard library only: the sandbox imports this module. A check says what to show, as plain
text; each medium (the terminal, Markdown, file annotations) escapes it its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Protocol

from grader.i18n.message import Message, both, msg

if TYPE_CHECKING:
    from grader.catalog.model import CheckConfig
    from grader.scorecard.model import CheckResult, TestOutcome

RunsIn = Literal["sandbox", "host"]
# How many of a check's facts (violations, files) an export's report lists.
REPORT_LINES = 20


@dataclass(frozen=True)
class HostJob:
    """What a check that runs on the host is given (a sandbox check gets a CheckContext)."""

    submission: Path  # the collected submission, on the host
    client: Any = None  # the backend's Docker client, when it has one
    image: str | None = None  # the runner image the backend runs
    deadline: float | None = None  # time.monotonic() by which the check must be over


@dataclass(frozen=True)
class TerminalLine:
    """A line a check prints under the scorecard's table, as plain text: the terminal view
    strips escape sequences and control characters from it."""

    text: str
    style: str = ""  # a rich style for the whole line, such as "dim"
    failed: bool = False  # led by a red ✗: one thing that went wrong
    # The line as a message (grader.i18n), for a view in another language: `text` is its
    # English, and any indent before the message's text is kept.
    message: Message | None = None


@dataclass(frozen=True)
class Problem:
    """One thing a check found, for a file annotation (`grader ci`): plain text or a
    message (rendered in the reader's language), which the annotation escapes, caps and
    places."""

    title: str | Message
    message: str | Message
    path: str = ""  # the file, relative to the workspace, when the check knows it
    line: int | None = None
    col: int | None = None
    # Text starting with "path:line" to place the problem by, when `path` is not known;
    # otherwise the message's own start is tried.
    where: str = ""
    # A test that failed: the annotation shows its message and id, at its location.
    test: TestOutcome | None = None


class Markdown(Protocol):
    """How `grader ci`'s job summary writes a check's text: `text`, `code` and `test`
    return Markdown, escaped; `first_line`, `path`, `say` and `stored` return plain text
    to pass to them. The summary is in its reader's language: a label is a message
    (`md.say(msg("…"))`), a check's own message is `md.stored(check)`.
    """

    @property
    def first_n(self) -> int:
        """How many items of a list to show."""

    def text(self, text: str) -> str:
        """`text` as literal text on one line."""

    def code(self, text: str) -> str:
        """`text` as inline code."""

    def first_line(self, text: str) -> str:
        """The first line of `text`, stripped and capped (not escaped)."""

    def path(self, name: str) -> str:
        """A file of the workspace, as named from the repository root (not escaped)."""

    def test(self, test: TestOutcome) -> str:
        """A list item for a test that failed: title, status, task, location, id, message."""

    def say(self, message: Message | str | dict[str, str]) -> str:
        """A message, or a text in both languages (`both`), in the summary's language (a
        string is shown as it is)."""

    def stored(self, check: CheckResult) -> str:
        """The check's message, as its scorecard stores it, in the summary's language."""


def no_terminal_lines(check: CheckResult) -> list[TerminalLine]:
    return []


def error_summary(check: CheckResult, md: Markdown) -> list[str]:
    """A check that could not run says why in the job summary; otherwise nothing."""
    if check.status != "error":
        return []
    title = md.say(title_of(check))
    return [f"**{md.text(title)}**: {md.code(md.stored(check))}", ""]


def error_problems(check: CheckResult, slug: str) -> list[Problem]:
    """A check that could not run is annotated with why, where its message points."""
    if check.status != "error":
        return []
    title = msg("{slug}: {title}", slug=slug, title=title_of(check))
    return [Problem(title, message_of(check))]


# Each declared check's Chinese title, recorded as its declaration is made (a view has
# loaded a check's declaration before it shows the check).
_TITLES_ZH: dict[str, str] = {}


def title_of(check: CheckResult) -> dict[str, str]:
    """The check's title in both languages (a message parameter), as declared."""
    return both(check.title, _TITLES_ZH.get(check.id, ""))


def message_of(check: CheckResult) -> Message | str:
    """The check's stored message: a message when it has an id (a view renders it in its
    reader's language), its English text otherwise."""
    message_id = getattr(check, "message_id", None)
    if not message_id:
        return check.message
    return Message(message_id, dict(getattr(check, "message_params", None) or {}))


def no_report(check: CheckResult) -> list[str]:
    return []


def failure_text(test: TestOutcome) -> str:
    """A test's message and, when it points into the student's files, where."""
    message, location = test.message, test.location
    if location and location not in message:
        return f"{message}\n  at {location}" if message else f"at {location}"
    return message


@dataclass(frozen=True)
class Presentation:
    """How a check shows what it found, in each of grader's views."""

    # The lines under the scorecard's table in the terminal.
    terminal: Callable[[CheckResult], list[TerminalLine]] = no_terminal_lines
    # Markdown lines of `grader ci`'s job summary, for an exercise that did not pass.
    summary: Callable[[CheckResult, Markdown], list[str]] = error_summary
    # File annotations of `grader ci`; the second argument is the exercise's slug.
    annotations: Callable[[CheckResult, str], list[Problem]] = error_problems
    # Plain-text lines after the check's message, in the exports (Gradescope, JUnit, ...).
    report: Callable[[CheckResult], list[str]] = no_report


@dataclass(frozen=True)
class StageHint:
    """The check counts among a stage's engineering checks (`grader stage check`)."""

    fix_command: str  # what a student runs to see and fix what the check found
    # The percentage a stage may demand more of than the exercise does (coverage's).
    percent: Callable[[CheckResult], float | None] | None = None


@dataclass(frozen=True)
class Scaffold:
    """What `grader exercises new` writes for the check."""

    toml: str  # its exercise.toml section, ending with a newline
    # Its rows of the instructions' "What the checks demand" tables; `{module}` is the
    # solution module's name.
    row_en: str
    row_zh: str
    # What becomes of a comment that would switch it off, as a list item of the instructions.
    switch_off_en: str = ""
    switch_off_zh: str = ""
    # False for a check that is off by default: its section is written commented out.
    on: bool = True


def no_host_seconds(config: CheckConfig) -> float:
    return 0.0


def pass_or_nothing(check: CheckResult) -> float:
    """The whole weight for a pass, nothing otherwise."""
    return 1.0 if check.status == "pass" else 0.0


@dataclass(frozen=True)
class CheckDeclaration:
    """Everything grader knows about one check."""

    id: str
    title: str
    title_zh: str
    runs_in: RunsIn
    # `run(ctx, config)`: a CheckContext in the sandbox, a HostJob on the host.
    run: Callable[[Any, CheckConfig], CheckResult]
    # The JSON Schema of its details (scorecard.schema.json holds the same).
    details_schema: Mapping[str, Any]
    # The JSON Schema of its options in exercise.toml, besides `weight`
    # (exercise.schema.json holds the same).
    options_schema: Mapping[str, Any]
    # The details of a check that could not measure anything, in its schema's shape.
    empty_details: Callable[[CheckConfig], dict[str, Any]]
    # The share of the weight it earns, from the facts it reported (the host scores).
    fraction: Callable[[CheckResult], float] = pass_or_nothing
    # What the runner image installs for it (pip requirements), and the top-level modules
    # those install: a submitted file may not shadow them.
    tools: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    # How long it may take on the host after the sandbox's run, given its options (what
    # a grading job's time budget adds for it).
    host_seconds: Callable[[CheckConfig], float] = no_host_seconds
    # Its details list test outcomes, which the exports show one by one.
    lists_tests: bool = False
    present: Presentation = Presentation()
    stage: StageHint | None = None  # None: the stage criteria do not count it
    scaffold: Scaffold | None = (
        None  # None: `grader exercises new` writes nothing for it
    )

    def __post_init__(self) -> None:
        _TITLES_ZH[self.id] = self.title_zh
