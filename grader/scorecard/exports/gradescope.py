"""Gradescope's autograder `results.json` (gradescope-autograders.readthedocs.io, "specs").

Top level: `score` (which overrides the sum of the tests), `execution_time` in seconds,
`output` with `output_format`, `visibility`, `tests`. Each test: `score`, `max_score`,
`status` (`passed` or `failed`), `name`, `output`, `visibility`. Visibility is one of
`hidden`, `after_due_date`, `after_published`, `visible`; formats are `text`,
`simple_format`, `html`, `md`, `ansi`. Gradescope has no "error" result: a scorecard that
could not be graded scores what it scored (usually 0), says why first in `output`, and leads
its tests with a failed "Grading error" entry.
"""

from __future__ import annotations

import json
from typing import Any

from grader.scorecard.exports._shared import (
    check_report,
    engineering_checks,
    failure_text,
    hidden_tests,
    printed_text,
    summary_lines,
    test_heading,
    test_points,
)
from grader.scorecard.model import Scorecard

VISIBILITY = "visible"
TEXT = "text"


def results(card: Scorecard) -> dict[str, Any]:
    tests: list[dict[str, Any]] = []
    if card.status == "error":
        tests.append(
            _entry(
                "Grading error",
                score=0.0,
                max_score=0.0,
                passed=False,
                output=card.message,
            )
        )
    for test in hidden_tests(card):
        earned, possible = test_points(card, test)
        parts = [failure_text(test), printed_text(test)]
        entry = _entry(
            test_heading(test),
            score=earned,
            max_score=possible,
            passed=test.status == "passed",
            output="\n\n".join(p for p in parts if p),
        )
        if test.task is not None:
            entry["tags"] = [f"task {test.task}"]
        tests.append(entry)
    for check in engineering_checks(card):
        tests.append(
            _entry(
                check.title,
                score=check.score,
                max_score=check.max_score,
                passed=check.status == "pass",
                output=check_report(check),
            )
        )
    heading = (
        f"Grading error: {card.message}" if card.status == "error" else card.message
    )
    return {
        "score": card.score,
        "max_score": card.max_score,
        "execution_time": round(card.duration, 3),
        "output": "\n".join([heading, "", *summary_lines(card)]).strip(),
        "output_format": TEXT,
        "test_output_format": TEXT,
        "test_name_format": TEXT,
        "visibility": VISIBILITY,
        "extra_data": {
            "status": card.status,
            "exercise": card.exercise.slug,
            "backend": card.runner.backend,
            "sandboxed": card.runner.sandboxed,
            "isolation": str(card.integrity.get("level", "")),
            "submission_sha256": card.submission.sha256,
        },
        "tests": tests,
    }


def render(card: Scorecard) -> str:
    return json.dumps(results(card), ensure_ascii=False, indent=2) + "\n"


def _entry(
    name: str, *, score: float, max_score: float, passed: bool, output: str
) -> dict[str, Any]:
    return {
        "name": name,
        "score": score,
        "max_score": max_score,
        "status": "passed" if passed else "failed",
        "output": output,
        "visibility": VISIBILITY,
    }
