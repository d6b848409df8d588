"""What every exporter reads from a scorecard: the hidden tests, the other checks, their text."""

from __future__ import annotations

from typing import Any

from grader.scorecard.model import CheckResult, Scorecard

MAX_DETAIL_LINES = 20


def tests_check(card: Scorecard) -> CheckResult | None:
    return card.check("tests")


def hidden_tests(card: Scorecard) -> list[dict[str, Any]]:
    """The hidden tests that ran, in the order the suite collected them (empty if none ran)."""
    check = tests_check(card)
    if check is None or check.status not in ("pass", "fail"):
        return []
    return list(check.details.get("tests", []))


def engineering_checks(card: Scorecard) -> list[CheckResult]:
    """Every check except the hidden tests (flake8, black, coverage, dockerfile)."""
    return [c for c in card.checks if c.id != "tests"]


def test_points(card: Scorecard, test: dict[str, Any]) -> tuple[float, float]:
    """(earned, possible) for one hidden test, in the scorecard's points.

    The tests check's weight is shared by the tests in proportion to their points, so the
    tests add up to the check's score (up to rounding).
    """
    check = tests_check(card)
    total = float(check.details.get("points_total") or 0.0) if check else 0.0
    if check is None or not total:
        return 0.0, 0.0
    possible = round(check.max_score * float(test["points"]) / total, 4)
    return (possible if test["status"] == "passed" else 0.0), possible


def failure_text(test: dict[str, Any]) -> str:
    """A test's message and, when it points into the student's files, where."""
    message = str(test.get("message") or "")
    location = str(test.get("location") or "")
    if location and location not in message:
        return f"{message}\n  at {location}" if message else f"at {location}"
    return message


def check_report(check: CheckResult) -> str:
    """A check's message followed by its own facts, as plain text lines."""
    lines = [check.message] if check.message else []
    details = check.details
    if check.id == "flake8":
        violations = details.get("violations", [])
        lines += [
            f"{v['path']}:{v['line']}:{v['col']}: {v['code']} {v['text']}"
            for v in violations[:MAX_DETAIL_LINES]
        ]
        if len(violations) > MAX_DETAIL_LINES:
            lines.append(f"... and {len(violations) - MAX_DETAIL_LINES} more")
    elif check.id == "black" and details.get("diff"):
        lines.append(details["diff"])
    elif check.id == "coverage":
        for path, facts in sorted(details.get("files", {}).items()):
            missing = facts.get("missing_lines", [])
            if missing:
                shown = ", ".join(str(n) for n in missing[:MAX_DETAIL_LINES])
                lines.append(f"{path}: lines not covered: {shown}")
        for failure in details.get("student_tests", {}).get("failures", []):
            lines.append(f"your test {failure['id']} failed: {failure_text(failure)}")
    elif check.id == "dockerfile" and details.get("log_tail"):
        lines.append(details["log_tail"])
    return "\n".join(lines)


def summary_lines(card: Scorecard) -> list[str]:
    """One line per check: title, status, score."""
    lines = []
    for c in card.checks:
        line = f"{c.title}: {c.status} ({c.score:g} of {c.max_score:g})"
        lines.append(f"{line} - {c.message}" if c.message else line)
    return lines


def cap_inside(text: str, limit: int, marker: str) -> str:
    """`text` cut so that it, marker included, is at most `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker
