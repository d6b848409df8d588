"""The one scorecard builder: the verdict, the total, and the error scorecards of the server."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.scorecard import serialize
from grader.scorecard.model import CheckResult, SubmissionRef
from grader.verdict.builder import (
    build_scorecard,
    error_scorecard,
    not_graded,
    runner_info,
)
from tests.conftest import FIXTURE_PACK

GRADER = Path(__file__).resolve().parent.parent / "grader"


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return ExercisePack(FIXTURE_PACK).get("word-count")


def _check(check_id: str, status: str, score: float, max_score: float) -> CheckResult:
    return CheckResult(
        id=check_id,
        title=check_id,
        status=status,  # type: ignore[arg-type]
        score=score,
        max_score=max_score,
    )


def _build(exercise: Exercise, checks: list[CheckResult], message: str = ""):
    return build_scorecard(
        exercise,
        submission=SubmissionRef(sha256="0" * 64),
        runner=runner_info("local", False),
        checks=checks,
        integrity={"sandboxed": False},
        started_at="2026-01-01T00:00:00Z",
        duration=1.23456,
        message=message,
    )


def test_the_total_is_the_sum_of_the_checks_and_the_pass_mark_decides(
    exercise: Exercise,
) -> None:
    passing = _build(
        exercise, [_check("tests", "pass", 70, 70), _check("flake8", "fail", 0, 10)]
    )
    assert (passing.score, passing.max_score) == (70, 80)
    assert passing.status == "pass"  # 87.5% of the points, pass mark 80%
    assert passing.message == "passed: 70 of 80 (pass mark 80%)"
    failing = _build(
        exercise, [_check("tests", "fail", 50, 70), _check("flake8", "pass", 10, 10)]
    )
    assert failing.status == "fail"
    assert failing.message == "not yet: 60 of 80; 80% is needed to pass"
    assert failing.duration == 1.235


def test_an_errored_check_or_a_problem_makes_the_run_an_error(
    exercise: Exercise,
) -> None:
    errored = _check("tests", "error", 0, 70)
    errored.message = "the hidden tests could not import your code"
    card = _build(exercise, [errored, _check("flake8", "pass", 10, 10)])
    assert card.status == "error"
    assert card.message == "the hidden tests could not import your code"
    card = _build(exercise, [_check("tests", "pass", 70, 70)], message="no results")
    assert (card.status, card.message) == ("error", "no results")


def test_an_error_scorecard_names_every_check_and_is_valid(exercise: Exercise) -> None:
    card = error_scorecard(
        exercise,
        "the archive is not a zip file",
        submission=SubmissionRef(sha256="a" * 64),
        runner=runner_info("docker", True),
        integrity={"sandboxed": True, "graded": False},
    )
    assert serialize.schema_errors(serialize.to_dict(card)) == []
    assert card.status == "error" and card.score == 0
    assert card.max_score == sum(c.weight for c in exercise.checks)
    assert [c.id for c in card.checks] == [c.id for c in exercise.checks]
    assert all(c.status == "error" for c in card.checks)
    assert card.checks[0].message == "not graded: the archive is not a zip file"


def test_not_graded_checks_score_nothing(exercise: Exercise) -> None:
    checks = not_graded(exercise, "the submission could not be collected")
    assert {c.status for c in checks} == {"skipped"}
    assert sum(c.score for c in checks) == 0


def test_only_the_builder_assembles_a_scorecard() -> None:
    """`Scorecard(...)` is called in the builder and in the JSON reader, nowhere else."""
    callers = set()
    for path in GRADER.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Scorecard"
            ):
                callers.add(path.relative_to(GRADER).as_posix())
    assert callers == {"verdict/builder.py", "scorecard/serialize.py"}
