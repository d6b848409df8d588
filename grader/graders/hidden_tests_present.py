"""How the hidden tests show what they found, and how they score.

The terminal view, `grader ci`'s summary and its annotations name the tests that did not
pass; the exports list every test themselves (the declaration's `lists_tests`).
"""

from __future__ import annotations

from grader.i18n.message import Message, msg
from grader.i18n.outcomes import outcome_message, output_marker
from grader.registry.declaration import (
    Markdown,
    Problem,
    Scaffold,
    TerminalLine,
    error_problems,
)
from grader.scorecard.caps import MESSAGE_CHARS, OUTPUT_CHARS, cap_text
from grader.scorecard.model import CheckResult, TestOutcome, outcomes_of

# The outcomes the views name: a skipped test is neither shown nor annotated.
FAILED = ("failed", "error", "timeout")
# Before each line of what the student's code printed: it cannot pass for one of ours.
OUTPUT_GUTTER = "      │ "

DETAILS_SCHEMA = {
    "type": "object",
    "required": ["tests", "points_earned", "points_total"],
    "properties": {
        "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
        "points_earned": {"type": "number", "minimum": 0, "maximum": 500000000},
        "points_total": {"type": "number", "minimum": 0, "maximum": 500000000},
    },
}

SCAFFOLD = Scaffold(
    toml="[checks.tests]\nweight = 70\n",
    row_en="| Hidden tests | 70 | Scored by points passed; each test's title says the "
    "expected behaviour. |",
    row_zh="| 隐藏测试 | 70 | 按通过测试的分值计分；每个测试的标题说明了期望的行为。 |",
)


def points_share(check: CheckResult) -> float:
    """Points of the passed tests over the points of every test, from all the outcomes."""
    if check.status not in ("pass", "fail"):
        return 0.0
    tests = outcomes_of(check)
    total = sum(float(t.points) for t in tests)
    earned = sum(float(t.points) for t in tests if t.status == "passed")
    return earned / total if total else 0.0


def heading(test: TestOutcome) -> str:
    """`task 2: Ranking breaks ties [case] — failed`: task, title (with the case label
    pytest gave a parametrized test), status."""
    return f"{_task(test)}{test.title} — {test.status}"


# A test's status in the heading, as a message for the views in other languages.
STATUS_WORDS = {
    "failed": msg("failed"),
    "error": msg("error"),
    "timeout": msg("timeout"),
    "skipped": msg("skipped"),
}


def heading_message(test: TestOutcome) -> Message:
    status = STATUS_WORDS.get(test.status, test.status)
    if test.task is None:
        return msg("{title} — {status}", title=test.title, status=status)
    return msg(
        "task {task}: {title} — {status}",
        task=test.task,
        title=test.title,
        status=status,
    )


def _task(test: TestOutcome) -> str:
    return f"task {test.task}: " if test.task is not None else ""


def failure_lines(test: TestOutcome) -> list[TerminalLine]:
    """Everything a student needs to fix one failing test, one line each: where (the
    innermost frame in their code), pytest's whole explanation, and what their code
    printed meanwhile (stdout and stderr); each capped with a marker."""
    lines = [TerminalLine(heading(test), failed=True, message=heading_message(test))]
    if test.location:
        at = msg("at {location}", location=test.location)
        lines.append(TerminalLine(f"      {at.text}", style="cyan", message=at))
    # Tabs expanded here, from the line's own start, as the student's terminal would.
    message = cap_text(test.message.strip(), MESSAGE_CHARS)
    ours = outcome_message(
        message
    )  # why grader stopped the test, in the reader's words
    lines += [
        TerminalLine("      " + ln.expandtabs(), message=ours)
        for ln in message.splitlines()
    ]
    output = cap_text(test.output.rstrip(), OUTPUT_CHARS)
    if output:
        printed = msg("your code printed:")
        lines.append(
            TerminalLine("      " + printed.text, style="dim", message=printed)
        )
        lines += [
            TerminalLine(
                OUTPUT_GUTTER + ln.expandtabs(),
                style="dim" if output_marker(ln) else "",
                message=output_marker(ln),
            )
            for ln in output.splitlines()
        ]
    return lines


def terminal(check: CheckResult) -> list[TerminalLine]:
    """Every test that did not pass, in full; the terminal view decides how many it shows
    (each one's first line is `failed`)."""
    lines: list[TerminalLine] = []
    for test in outcomes_of(check):
        if test.status != "passed":
            lines += failure_lines(test)
    return lines


def summary(check: CheckResult, md: Markdown) -> list[str]:
    tests = outcomes_of(check)
    failing = [t for t in tests if t.status in FAILED]
    if not failing:
        return []
    label = md.text(md.say(msg("Failing tests")))
    count = md.say(
        msg("({failing} of {total}):", failing=len(failing), total=len(tests))
    )
    lines = [f"**{label}** {md.text(count)}", ""]
    lines += [md.test(t) for t in failing[: md.first_n]]
    if len(failing) > md.first_n:
        more = msg("… and {count} more", count=len(failing) - md.first_n)
        lines.append(f"- {md.text(md.say(more))}")
    return lines + [""]


def problems(check: CheckResult, slug: str) -> list[Problem]:
    found = [
        Problem(_problem_title(test, slug), test.message, test=test)
        for test in outcomes_of(check)
        if test.status in FAILED
    ]
    return found + error_problems(check, slug)


def _problem_title(test: TestOutcome, slug: str) -> Message:
    if test.task is None:
        return msg("{slug}: {title}", slug=slug, title=test.title)
    return msg(
        "{slug}: task {task}: {title}", slug=slug, task=test.task, title=test.title
    )
