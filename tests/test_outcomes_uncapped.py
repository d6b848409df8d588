"""Every hidden test's outcome reaches the scorecard, and the score is computed from all.

Only text (messages, output) is cut, with a visible marker, when there is too much of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.catalog.loader import load_exercise
from grader.graders.hidden_tests import fit_text, score_tests
from grader.pipeline import grade_workspace
from grader.runner import LocalBackend
from grader.scorecard.model import TestOutcome, outcomes_of
from tests.conftest import WORD_COUNT

MANY = 700

# 700 tests; only the last one fails: a list cut at any count below 700 would hide it.
MANY_TESTS = f"""
import pytest

from word_count import count_words


@pytest.mark.task(1)
@pytest.mark.parametrize("n", range({MANY - 1}))
def test_counts_a_repeated_word(n):
    assert count_words("a " * n) == ({{"a": n}} if n else {{}})


@pytest.mark.task(2)
@pytest.mark.points(5)
def test_the_last_one_fails():
    print("Ω" * 10_000)
    assert count_words("x") == {{"y": 1}}
"""


def test_a_suite_of_700_tests_reports_all_700_and_scores_from_all(
    tmp_path: Path,
) -> None:
    root = tmp_path / "pack" / "stage1" / "word-count"
    shutil.copytree(WORD_COUNT, root)
    for old in (root / "hidden").glob("test_*.py"):
        old.unlink()
    (root / "hidden" / "test_many.py").write_text(MANY_TESTS, encoding="utf-8")
    exercise = load_exercise(root)
    workspace = tmp_path / "submission"
    shutil.copytree(WORD_COUNT / "reference", workspace)

    card = grade_workspace(workspace, exercise=exercise, backend=LocalBackend())

    tests = outcomes_of(card.check("tests"))
    assert len(tests) == MANY
    assert [t.status for t in tests].count("passed") == MANY - 1
    assert tests[-1].id.endswith("test_the_last_one_fails")
    assert tests[-1].status == "failed" and tests[-1].points == 5
    # 699 points of 704: the host's score counts the failure past any cut-off.
    weight = exercise.check("tests").weight
    assert card.check("tests").score == round(weight * (MANY - 1) / (MANY - 1 + 5), 2)
    assert card.check("tests").details["points_total"] == MANY - 1 + 5


def _outcome(n: int, message: str, output: str) -> dict:
    return {"id": f"t{n}", "title": f"t{n}", "task": 1, "points": 1.0}, {
        "status": "failed",
        "message": message,
        "location": "",
        "output": output,
        "duration": 0.0,
    }


def test_text_is_cut_with_a_marker_and_no_outcome_is_dropped() -> None:
    collected, results = [], {}
    for n in range(3000):
        meta, record = _outcome(n, "assert 1 == 2", "中" * 3000)
        collected.append(meta)
        results[meta["id"]] = {**meta, **record}
    check = score_tests(collected, results, weight=70)
    tests = check.details["tests"]
    assert len(tests) == 3000
    assert all("more characters]" in t["output"] for t in tests)
    assert all(t["message"] == "assert 1 == 2" for t in tests)  # short text stays whole


def test_text_that_fits_is_never_cut() -> None:
    tests = [_text_only("m" * 1000, "o" * 3000) for _ in range(5)]
    fit_text(tests, 1_000_000)
    assert (tests[0].message, tests[0].output) == ("m" * 1000, "o" * 3000)


def _text_only(message: str, output: str) -> TestOutcome:
    return TestOutcome(
        id="t", title="t", status="failed", message=message, output=output
    )
