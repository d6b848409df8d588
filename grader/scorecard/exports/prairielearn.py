"""PrairieLearn's external-grader `results.json` (docs.prairielearn.com, "externalGrading").

A gradable result needs `score` in [0, 1]; `message`, `output` and `tests` (each with
`name`, `description`, `points`, `max_points`, `message`, `output`) are shown by
`<pl-external-grader-results>`. A submission that could not be graded is `gradable: false`
with `format_errors`: no points are given or taken and the attempt is not counted. The file
must stay under 1 MB, so test output is shortened when a large suite would pass that.
"""

from __future__ import annotations

import json
from typing import Any

from grader.scorecard.exports._shared import (
    cap_inside,
    check_report,
    engineering_checks,
    failure_text,
    hidden_tests,
    summary_lines,
    test_points,
)
from grader.scorecard.model import Scorecard

MAX_BYTES = 1_000_000
# Per-test text limits tried in turn until the document fits in MAX_BYTES.
TEXT_LIMITS = (None, 1_000, 200, 0)
MARKER = "\n... [shortened to fit PrairieLearn's 1 MB results limit]"


def results(card: Scorecard) -> dict[str, Any]:
    for limit in TEXT_LIMITS:
        document = _document(card, limit)
        if len(_dumps(document).encode("utf-8")) <= MAX_BYTES:
            return document
    document["tests"] = []  # even without text, too many tests: keep score and message
    return document


def render(card: Scorecard) -> str:
    return _dumps(results(card))


def _document(card: Scorecard, limit: int | None) -> dict[str, Any]:
    output = "\n".join(summary_lines(card))
    if card.status == "error":
        return {
            "gradable": False,
            "format_errors": [card.message],
            "message": card.message,
            "output": output,
            "tests": [],
        }
    tests = []
    for test in hidden_tests(card):
        earned, possible = test_points(card, test)
        description = "Hidden test"
        if test.task is not None:
            description += f", task {test.task}"
        tests.append(
            {
                "name": test.title,
                "description": description,
                "points": earned,
                "max_points": possible,
                "message": _cut(failure_text(test), limit),
                "output": _cut(test.output, limit),
            }
        )
    for check in engineering_checks(card):
        tests.append(
            {
                "name": check.title,
                "description": f"The {check.id} check",
                "points": check.score,
                "max_points": check.max_score,
                "message": _cut(check.message, limit),
                "output": _cut(check_report(check), limit),
            }
        )
    score = card.score / card.max_score if card.max_score else 0.0
    return {
        "gradable": True,
        "score": round(min(1.0, max(0.0, score)), 4),
        "message": card.message,
        "output": output,
        "tests": tests,
    }


def _cut(text: str, limit: int | None) -> str:
    if limit is None:
        return text
    if limit == 0:
        return ""
    return cap_inside(text, limit, MARKER)


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
