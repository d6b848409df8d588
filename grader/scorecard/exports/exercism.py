"""Exercism's test-runner `results.json`, version 3.

The interface (exercism.org/docs/building/tooling/test-runners/interface): `status` is `pass`
when every test passed, `fail` when one failed or errored, `error` only when no test ran, and
then `message` says why. Tests come in the order of the test file, each with a human-readable
`name`, `status` (pass/fail/error), `message`, the user's `output` (at most 500 characters),
`test_code` (the test's body) and `task_id` (the task it belongs to, when exactly one).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from grader.scorecard.exports._shared import (
    cap_inside,
    check_report,
    engineering_checks,
    failure_text,
    hidden_tests,
    tests_check,
)
from grader.scorecard.caps import cap_text
from grader.scorecard.model import Scorecard, TestOutcome

VERSION = 3
OUTPUT_CHARS = 500
OUTPUT_MARKER = " [Output was truncated. Please limit to 500 chars]"
MESSAGE_CHARS = 65_535
# Room left for cap_text's marker, so a cut message still fits in MESSAGE_CHARS.
_MARKER_ROOM = 64

# Our test statuses as Exercism's: a test that ran out of time did not finish, an error.
TEST_STATUS = {
    "passed": "pass",
    "failed": "fail",
    "error": "error",
    "timeout": "error",
    "skipped": "fail",
}
CHECK_STATUS = {"pass": "pass", "fail": "fail", "error": "error"}
# The Python track's runner: `SomeThingTest.test_does_x` reads "SomeThing > does x".
_CLASS_AND_PREFIX = re.compile(r"^(.+)(Test\.test_)")
_PARAMETERS = re.compile(r"\[.*\]$")


@dataclass(frozen=True)
class TestSource:
    """Where a test is defined in its test file, and its body as Exercism shows it."""

    __test__ = False  # a data class, not a pytest test class

    file_index: int
    line: int
    code: str


def readable_name(test_id: str) -> str:
    """Exercism's Python name for a pytest id: `x_test.py::LasagnaTest::test_bake_time`
    becomes `Lasagna > bake time`; a plain `test_bake_time` becomes `test bake time`."""
    dotted = ".".join(test_id.split("::")[1:]) or test_id
    return _CLASS_AND_PREFIX.sub(r"\1 > ", dotted).replace("_", " ")


def source_key(test_id: str) -> str:
    """The key of a test in a `TestSource` map: its id without parameters."""
    return _PARAMETERS.sub("", test_id)


def results(
    card: Scorecard, *, sources: Mapping[str, TestSource] | None = None
) -> dict[str, Any]:
    """The results document for `card`; `sources` (by `source_key`) adds test code and order."""
    sources = sources or {}
    ran = hidden_tests(card)
    if not ran:
        check = tests_check(card)
        reason = card.message or (check.message if check else "") or "no test ran"
        return {
            "version": VERSION,
            "status": "error",
            "message": cap_text(reason, MESSAGE_CHARS - _MARKER_ROOM),
            "tests": [],
        }
    ordered = sorted(
        enumerate(ran),
        key=lambda pair: _position(sources.get(source_key(pair[1].id)), pair[0]),
    )
    tests = [_test(test, sources.get(source_key(test.id))) for _, test in ordered]
    for check in engineering_checks(card):
        if check.status in CHECK_STATUS:
            entry = {
                "name": check.title,
                "status": CHECK_STATUS[check.status],
                "test_code": "",
            }
            if check.status != "pass":
                entry["message"] = cap_text(
                    check_report(check), MESSAGE_CHARS - _MARKER_ROOM
                )
            tests.append(entry)
    status = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    return {"version": VERSION, "status": status, "tests": tests}


def render(card: Scorecard, *, sources: Mapping[str, TestSource] | None = None) -> str:
    return (
        json.dumps(results(card, sources=sources), ensure_ascii=False, indent=2) + "\n"
    )


def _test(test: TestOutcome, source: TestSource | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": readable_name(test.id),
        "status": TEST_STATUS[test.status],
        "test_code": source.code if source else "",
    }
    message = failure_text(test)
    if test.status == "skipped":
        message = f"skipped: {message}" if message else "skipped"
    if message and entry["status"] != "pass":
        entry["message"] = cap_text(message, MESSAGE_CHARS - _MARKER_ROOM)
    output = test.output.strip()
    if output:
        entry["output"] = cap_inside(output, OUTPUT_CHARS, OUTPUT_MARKER)
    if test.task is not None:
        entry["task_id"] = int(test.task)
    return entry


def _position(source: TestSource | None, index: int) -> tuple[float, float, int]:
    """Test-file order when the source is known; otherwise the order the tests ran in."""
    if source is None:
        return (float("inf"), float("inf"), index)
    return (source.file_index, source.line, index)
