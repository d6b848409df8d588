"""What every exporter reads from a scorecard: the hidden tests, the other checks, their text."""

from __future__ import annotations

from grader.registry.declaration import failure_text
from grader.registry.checks import declaration
from grader.scorecard.model import CheckResult, Scorecard, TestOutcome, outcomes_of

__all__ = [
    "cap_inside",
    "check_report",
    "engineering_checks",
    "failure_text",
    "hidden_tests",
    "printed_text",
    "summary_lines",
    "gate_lines",
    "test_heading",
    "test_points",
    "tests_check",
]


def tests_check(card: Scorecard) -> CheckResult | None:
    """The check whose details list the hidden tests (the declaration's `lists_tests`)."""
    return next((c for c in card.checks if declaration(c.id).lists_tests), None)


def hidden_tests(card: Scorecard) -> list[TestOutcome]:
    """The hidden tests that ran, in the order the suite collected them (empty if none ran)."""
    check = tests_check(card)
    if check is None or check.status not in ("pass", "fail"):
        return []
    return outcomes_of(check)


def engineering_checks(card: Scorecard) -> list[CheckResult]:
    """Every check but the one that lists the hidden tests: each is one entry of an export."""
    return [c for c in card.checks if not declaration(c.id).lists_tests]


def test_points(card: Scorecard, test: TestOutcome) -> tuple[float, float]:
    """(earned, possible) for one hidden test, in the scorecard's points.

    The tests check's weight is shared by the tests in proportion to their points, so the
    tests add up to the check's score (up to rounding).
    """
    check = tests_check(card)
    total = float(check.details.get("points_total") or 0.0) if check else 0.0
    if check is None or not total:
        return 0.0, 0.0
    possible = round(check.max_score * float(test.points) / total, 4)
    return (possible if test.status == "passed" else 0.0), possible


def test_heading(test: TestOutcome) -> str:
    """`Task 2: Ranking breaks ties [case]`: the task and the title, which carries the case
    label of a parametrized test."""
    return f"Task {test.task}: {test.title}" if test.task is not None else test.title


def printed_text(test: TestOutcome) -> str:
    """What the student's code printed during the test (stdout and stderr, capped with a
    marker in the scorecard), labelled; "" when it printed nothing."""
    output = test.output.rstrip()
    return f"Your code printed:\n{output}" if output else ""


def check_report(check: CheckResult) -> str:
    """A check's message followed by its own facts, as plain text lines."""
    lines = [check.message] if check.message else []
    lines += declaration(check.id).present.report(check)
    return "\n".join(lines)


def summary_lines(card: Scorecard) -> list[str]:
    """One line per check: title, status, score; then the gates that did not hold."""
    lines = []
    for c in card.checks:
        line = f"{c.title}: {c.status} ({c.score:g} of {c.max_score:g})"
        lines.append(f"{line} - {c.message}" if c.message else line)
    lines += gate_lines(card)
    return lines


def gate_lines(card: Scorecard) -> list[str]:
    """What must hold for a pass and did not (scorecards before gates have none)."""
    if not card.gates:
        return []
    failed = [g.why or g.id for g in card.gates if not g.held]
    if not failed:
        return ["Gates: every gate holds"]
    return ["Gates not held (a pass needs every one):", *(f"- {why}" for why in failed)]


def cap_inside(text: str, limit: int, marker: str) -> str:
    """`text` cut so that it, marker included, is at most `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker
