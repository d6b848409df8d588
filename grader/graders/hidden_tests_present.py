"""How the hidden tests show what they found, and how they score.

The terminal view, `grader ci`'s summary and its annotations name the tests that did not
pass; the exports list every test themselves (the declaration's `lists_tests`).
"""

from __future__ import annotations

from grader.registry.declaration import (
    Markdown,
    Problem,
    Scaffold,
    TerminalLine,
    error_problems,
)
from grader.scorecard.model import CheckResult, outcomes_of

FIRST_N = 5
MESSAGE_LINE_CHARS = 300
# The outcomes CI names: a skipped test is neither shown nor annotated.
FAILED = ("failed", "error", "timeout")

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


def terminal(check: CheckResult) -> list[TerminalLine]:
    failing = [t for t in outcomes_of(check) if t.status != "passed"]
    lines = []
    for test in failing[:FIRST_N]:
        where = f" [{test.location}]" if test.location else ""
        task = f"task {test.task}: " if test.task is not None else ""
        lines.append(
            TerminalLine(f"{task}{test.title} — {test.status}{where}", failed=True)
        )
        if test.message:
            first = (test.message.splitlines() or [""])[0][:MESSAGE_LINE_CHARS]
            lines.append(TerminalLine("      " + first, style="dim"))
    if len(failing) > FIRST_N:
        lines.append(
            TerminalLine(f"  … and {len(failing) - FIRST_N} more failing tests")
        )
    return lines


def summary(check: CheckResult, md: Markdown) -> list[str]:
    tests = outcomes_of(check)
    failing = [t for t in tests if t.status in FAILED]
    if not failing:
        return []
    lines = [f"**Failing tests** ({len(failing)} of {len(tests)}):", ""]
    lines += [md.test(t) for t in failing[: md.first_n]]
    if len(failing) > md.first_n:
        lines.append(f"- … and {len(failing) - md.first_n} more")
    return lines + [""]


def problems(check: CheckResult, slug: str) -> list[Problem]:
    found = [
        Problem(f"{slug}: {test.title}", test.message, test=test)
        for test in outcomes_of(check)
        if test.status in FAILED
    ]
    return found + error_problems(check, slug)
