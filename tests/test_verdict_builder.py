"""The one scorecard builder: the verdict, the total, and the error scorecards of the server."""

from __future__ import annotations

import ast
from dataclasses import asdict
from pathlib import Path

import pytest

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.scorecard import serialize
from grader.scorecard.model import CheckResult, SubmissionRef, TestOutcome
from grader.verdict.builder import (
    build_scorecard,
    error_scorecard,
    not_graded,
    runner_info,
    score_check,
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


def _hidden(*outcomes: tuple[int, float, bool, str]) -> CheckResult:
    """The tests check, scored by the host as the pipeline does: (task, points, core, status)."""
    tests = [
        TestOutcome(
            id=f"t{n}",
            title=f"test {n}",
            status=status,
            task=task,
            points=points,
            core=core,
        )
        for n, (task, points, core, status) in enumerate(outcomes)
    ]
    check = _check(
        "tests", "pass" if all(t.status == "passed" for t in tests) else "fail", 0, 70
    )
    check.details = {
        "tests": [asdict(t) for t in tests],
        "points_earned": sum(t.points for t in tests if t.status == "passed"),
        "points_total": sum(t.points for t in tests),
    }
    return score_check(check, 70)


ALL_PASS = ((1, 2, True, "passed"), (1, 1, False, "passed"), (2, 2, True, "passed"))


def test_a_pass_needs_the_pass_mark_and_every_gate(exercise: Exercise) -> None:
    passing = _build(exercise, [_hidden(*ALL_PASS), _check("flake8", "pass", 10, 10)])
    assert (passing.status, passing.score, passing.max_score) == ("pass", 80, 80)
    assert passing.message == "passed: 80 of 80 (pass mark 80%)"
    assert [g.id for g in passing.gates] == ["task-1", "task-2", "flake8"]
    assert all(g.held for g in passing.gates)

    flake8 = _check("flake8", "fail", 0, 10)
    flake8.message = "3 problem(s)"
    failing = _build(exercise, [_hidden(*ALL_PASS), flake8])
    assert failing.score == 70 and 100 * 70 / 80 >= 80  # the score alone would pass
    assert failing.status == "fail"
    assert failing.message == "not yet: flake8: 3 problem(s)"
    assert failing.duration == 1.235


def test_a_task_below_its_minimum_or_with_a_failed_core_test_fails(
    exercise: Exercise,
) -> None:
    core_failed = _hidden(
        (1, 2, True, "failed"), (1, 10, False, "passed"), (2, 2, True, "passed")
    )
    card = _build(exercise, [core_failed])
    assert 100 * card.score / card.max_score >= 80
    assert card.status == "fail"
    assert "task 1 (Count words): its core test “test 0” must pass" in card.message

    below = _hidden(
        (1, 1, True, "passed"), (1, 3, False, "failed"), (2, 2, True, "passed")
    )
    card = _build(exercise, [below])
    (task1,) = [g for g in card.gates if g.id == "task-1"]
    assert not task1.held and task1.task == 1
    assert task1.why == "task 1 (Count words): at 1 of 4 points (50% needed)"


def test_engineering_points_follow_the_hidden_tests(exercise: Exercise) -> None:
    half = _hidden((1, 2, True, "passed"), (2, 2, True, "failed"))
    card = _build(exercise, [half, _check("flake8", "pass", 10, 10)])
    assert card.check("flake8").score == 5  # half the hidden points: half of flake8's
    starter = _hidden((1, 2, True, "failed"), (2, 2, True, "failed"))
    card = _build(
        exercise,
        [starter, _check("flake8", "pass", 10, 10), _check("black", "pass", 10, 10)],
    )
    assert card.score == 0 and card.status == "fail"


def test_an_errored_check_or_a_problem_makes_the_run_an_error(
    exercise: Exercise,
) -> None:
    errored = _check("tests", "error", 0, 70)
    errored.message = "the hidden tests could not import your code"
    card = _build(exercise, [errored, _check("flake8", "pass", 10, 10)])
    assert card.status == "error"
    assert card.message == "the hidden tests could not import your code"
    card = _build(exercise, [_hidden(*ALL_PASS)], message="no results")
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
