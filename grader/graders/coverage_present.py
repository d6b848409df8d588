"""How the coverage check shows what it found: the lines no test ran, the tests that failed."""

from __future__ import annotations

from typing import Any

from grader.catalog.model import DEFAULT_COVERAGE_THRESHOLD, CheckConfig
from grader.i18n.message import Message, msg
from grader.registry.declaration import (
    REPORT_LINES,
    Markdown,
    Problem,
    Scaffold,
    StageHint,
    failure_text,
    message_of,
    title_of,
)
from grader.scorecard.model import TEST_OUTCOME_FIELDS, CheckResult, TestOutcome

TITLE = "Coverage of your tests"

DETAILS_SCHEMA = {
    "type": "object",
    "required": ["percent", "threshold", "files", "student_tests"],
    "properties": {
        "percent": {"type": "number", "minimum": 0, "maximum": 100},
        "threshold": {"type": "number", "minimum": 0, "maximum": 100},
        "files": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["percent", "missing_lines"],
                "properties": {
                    "percent": {"type": "number", "minimum": 0, "maximum": 100},
                    "missing_lines": {"type": "array", "items": {"type": "integer"}},
                },
            },
        },
        "student_tests": {
            "type": "object",
            "required": ["passed", "failed"],
            "properties": {
                "passed": {"type": "integer", "minimum": 0},
                "failed": {"type": "integer", "minimum": 0},
                "failures": {"type": "array", "items": {"$ref": "#/$defs/test"}},
            },
        },
    },
}

OPTIONS_SCHEMA = {"threshold": {"type": "number", "minimum": 0, "maximum": 100}}

STAGE = StageHint(
    "pytest --cov=. --cov-report=term-missing and test the lines it lists",
    percent=lambda check: (
        float(check.details["percent"])
        if isinstance(check.details.get("percent"), (int, float))
        else None
    ),
)

SCAFFOLD = Scaffold(
    toml="[checks.coverage]\nweight = 10\nthreshold = 70\n",
    row_en="| Coverage | 10 | Your own tests pass and cover at least **70%** of "
    "`{module}.py`. |",
    row_zh="| 覆盖率 | 10 | 你的测试全部通过，并覆盖 `{module}.py` 至少 **70%** 的代码。 |",
    switch_off_en="the coverage check fails without running your tests if they (or "
    "your solution) reach into coverage itself (`sys.settrace`, `import coverage`, "
    "`compile` under a file's name)",
    switch_off_zh="如果你的测试（或解答）去干预覆盖率本身（`sys.settrace`、"
    "`import coverage`、以某个文件名 `compile` 代码），覆盖率检查会直接判为不通过，"
    "且不运行你的测试",
)


def empty_details(config: CheckConfig) -> dict[str, Any]:
    threshold = float(config.options.get("threshold", DEFAULT_COVERAGE_THRESHOLD))
    return {
        "percent": 0.0,
        "threshold": threshold,
        "files": {},
        "student_tests": {"passed": 0, "failed": 0, "failures": []},
    }


def failures(check: CheckResult) -> list[TestOutcome]:
    """The student's own tests that failed, as the check reports them."""
    raw = check.details.get("student_tests", {}).get("failures", [])
    return [
        TestOutcome(**{k: test[k] for k in TEST_OUTCOME_FIELDS if k in test})
        for test in raw
    ]


def uncovered(check: CheckResult) -> list[tuple[str, list[int]]]:
    """(file, lines no test ran) for each solution file with such lines."""
    files = check.details.get("files", {})
    return [
        (name, facts["missing_lines"])
        for name, facts in files.items()
        if facts.get("missing_lines")
    ]


def line_ranges(lines: list[int]) -> str:
    """[3, 4, 5, 9] -> "lines 3-5, 9"; [7] -> "line 7"."""
    spans: list[list[int]] = []
    for n in sorted(lines):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    words = "line" if len(lines) == 1 else "lines"
    return f"{words} " + ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans)


def lines_message(lines: list[int]) -> Message:
    """`line_ranges` as a message: "lines 3-5, 9" in the reader's language."""
    spans = line_ranges(lines).split(" ", 1)[1]
    if len(lines) == 1:
        return msg("line {lines}", lines=spans)
    return msg("lines {lines}", lines=spans)


def summary(check: CheckResult, md: Markdown) -> list[str]:
    if check.status == "pass":
        return []
    title = md.text(md.say(title_of(check)))
    lines = [f"**{title}**: {md.text(md.first_line(md.stored(check)))}", ""]
    files = list(check.details.get("files", {}).items())[: md.first_n]
    for name, facts in files:
        missing = facts.get("missing_lines") or []
        if missing:
            ranges = md.first_line(md.say(lines_message(missing)))
            label = md.say(msg("not run by any test: {lines}", lines=ranges))
            lines.append(f"- {md.code(md.path(name))}: {md.text(label)}")
    for failure in failures(check)[: md.first_n]:
        label = md.text(md.say(msg("your test fails:")))
        lines.append(f"- {label} {md.test(failure)[2:]}")
    return lines + [""]


def problems(check: CheckResult, slug: str) -> list[Problem]:
    # A coverage check that could not run says so in its own notes: no error note.
    if check.status == "pass":
        return []
    found = [
        Problem(msg("your test failed: {id}", id=test.id), test.message, test=test)
        for test in failures(check)
    ]
    for name, missing in uncovered(check):
        message = msg(
            "not run by any of your tests: {lines}\n{message}",
            lines=lines_message(missing),
            message=message_of(check),
        )
        found.append(Problem("coverage", message, name, int(missing[0])))
    return found


def report(check: CheckResult) -> list[str]:
    lines = []
    for path, missing in sorted(uncovered(check)):
        shown = ", ".join(str(n) for n in missing[:REPORT_LINES])
        lines.append(f"{path}: lines not covered: {shown}")
    for test in failures(check):
        lines.append(f"your test {test.id} failed: {failure_text(test)}")
    return lines
