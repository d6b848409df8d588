"""Numbers in results documents and scorecards are finite and bounded (issue 11, item 5).

A results document from the sandbox with NaN, an infinity (`Infinity`, or `1e400`, which
Python's json reads as one) or an absurd value becomes an error scorecard that says the
results were malformed; the schema and its fast check refuse the same numbers.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from grader.pipeline import read_results
from grader.runner.backend import RunOutcome
from grader.runner.job import prepare_job, remove_job
from grader.runner.submission import collect_submission
from grader.scorecard import serialize
from grader.scorecard.caps import MAX_SCORE, MAX_SECONDS
from tests.test_scorecard import GOLDEN, _with_volatile_fields

NON_FINITE = [math.nan, math.inf, -math.inf]


@pytest.fixture(scope="module")
def card_document() -> dict:
    """A valid scorecard with tests, coverage and integrity facts to poison."""
    for golden in sorted(GOLDEN.glob("*/expected.json")):
        document = _with_volatile_fields(json.loads(golden.read_text("utf-8")))
        ids = {c["id"] for c in document["checks"]}
        if {"tests", "coverage"} <= ids and all(
            c["status"] in ("pass", "fail") for c in document["checks"]
        ):
            assert serialize.schema_errors(document) == []
            return document
    raise AssertionError("no golden scorecard with passing tests and coverage")


def _places(document: dict) -> list[tuple[str, ...]]:
    """Paths to numbers across the document (top, a check, a test, details, integrity)."""
    checks = [c["id"] for c in document["checks"]]
    tests, coverage = checks.index("tests"), checks.index("coverage")
    some_file = next(iter(document["checks"][coverage]["details"]["files"]))
    return [
        ("score",),
        ("max_score",),
        ("duration",),
        ("pass_percent",),
        ("checks", tests, "score"),
        ("checks", tests, "duration"),
        ("checks", tests, "details", "tests", 0, "points"),
        ("checks", tests, "details", "tests", 0, "duration"),
        ("checks", tests, "details", "points_total"),
        ("checks", coverage, "details", "percent"),
        ("checks", coverage, "details", "files", some_file, "percent"),
        ("integrity", "anything"),
    ]


def _poisoned(document: dict, path: tuple, value: object) -> dict:
    poisoned = copy.deepcopy(document)
    target = poisoned
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return poisoned


@pytest.mark.parametrize("value", NON_FINITE, ids=["nan", "inf", "-inf"])
def test_no_nan_or_infinity_anywhere_in_a_scorecard(
    card_document: dict, value: float
) -> None:
    for path in _places(card_document):
        poisoned = _poisoned(card_document, path, value)
        assert not serialize.is_valid(poisoned), path
        errors = serialize.schema_errors(poisoned)
        assert errors, path
        assert serialize.is_valid(poisoned) == (errors == [])


def test_an_integer_beyond_a_double_is_refused(card_document: dict) -> None:
    poisoned = _poisoned(card_document, ("integrity", "n"), 10**400)
    assert not serialize.is_valid(poisoned)
    assert any("not a finite number" in e for e in serialize.schema_errors(poisoned))


@pytest.mark.parametrize(
    "path, value",
    [
        (("score",), MAX_SCORE * 10),
        (("max_score",), 1e300),
        (("duration",), MAX_SECONDS * 10),
        (("checks", 0, "score"), 1e300),
        (("checks", 0, "details", "tests", 0, "points"), 1e300),
        (("checks", 0, "details", "tests", 0, "duration"), 1e12),
    ],
)
def test_absurd_numbers_break_the_schema(
    card_document: dict, path: tuple, value: float
) -> None:
    import jsonschema

    assert card_document["checks"][0]["id"] == "tests"
    poisoned = _poisoned(card_document, path, value)
    reference = jsonschema.Draft202012Validator(serialize.scorecard_schema())
    assert not reference.is_valid(poisoned)
    assert not serialize.is_valid(poisoned)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
def test_json_with_non_finite_numbers_is_refused(text: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        serialize.loads_finite('{"score": %s}' % text)
    path = tmp_path / "card.json"
    path.write_text('{"score": %s}' % text)
    with pytest.raises(ValueError):
        serialize.load(path)


def test_a_scorecard_with_nan_is_never_written(tmp_path: Path) -> None:
    from grader.scorecard.serialize import from_dict

    document = _with_volatile_fields(
        json.loads(sorted(GOLDEN.glob("*/expected.json"))[0].read_text("utf-8"))
    )
    card = from_dict(document)
    card.score = math.nan
    with pytest.raises(ValueError):
        serialize.dumps(card)
    with pytest.raises(AssertionError, match="breaks its own schema"):
        serialize.write(card, tmp_path / "card.json")


def _results_document(exercise, nonce: str, points: str, duration: str) -> str:
    """A results document as the sandbox writes it, the tests check's numbers as text."""
    checks = []
    for config in exercise.checks:
        check = {
            "id": config.id,
            "title": config.id,
            "status": "skipped",
            "score": 0,
            "max_score": 0,
            "duration": 0.1,
            "message": "",
            "details": {},
        }
        if config.id == "tests":
            check["status"] = "pass"
            check["details"] = {
                "tests": [
                    {
                        "id": f"t{n}",
                        "title": f"t{n}",
                        "status": "passed" if n else "failed",
                        "task": 1,
                        "points": "@POINTS@" if n else 1.0,
                        "message": "",
                        "location": "",
                        "output": "",
                        "duration": "@DURATION@" if n else 0.1,
                    }
                    for n in range(2)
                ],
                "points_earned": 1,
                "points_total": 2,
            }
        checks.append(check)
    text = json.dumps({"nonce": nonce, "checks": checks})
    return text.replace('"@POINTS@"', points).replace('"@DURATION@"', duration)


@pytest.fixture
def job(word_count, reference_copy: Path):
    job = prepare_job(word_count, collect_submission(reference_copy, word_count))
    yield job
    remove_job(job)


def test_a_well_formed_results_document_is_scored(job) -> None:
    job.results_path.write_text(_results_document(job.exercise, job.nonce, "1", "0.2"))
    report = read_results(job, RunOutcome(exit_code=0))
    checks, reason = report.checks, report.problem
    assert reason == ""
    tests = next(c for c in checks if c.id == "tests")
    assert tests.status == "pass" and tests.score == tests.max_score / 2


@pytest.mark.parametrize(
    "points, duration",
    [
        ("Infinity", "0.1"),
        ("NaN", "0.1"),
        ("-Infinity", "0.1"),
        ("1e400", "0.1"),
        ("1e300", "0.1"),
        ("1", "Infinity"),
        ("1", "1e400"),
        ("1", "1e12"),
    ],
)
def test_a_non_finite_or_absurd_result_is_an_error_saying_malformed(
    job, points: str, duration: str
) -> None:
    job.results_path.write_text(
        _results_document(job.exercise, job.nonce, points, duration)
    )
    report = read_results(job, RunOutcome(exit_code=0))
    checks, reason = report.checks, report.problem
    assert "malformed" in reason, reason
    assert {c.status for c in checks} == {"error"}
    assert all(c.score == 0 and math.isfinite(c.max_score) for c in checks)


def test_isolation_facts_travel_beside_the_checks(job) -> None:
    document = json.loads(_results_document(job.exercise, job.nonce, "1", "0.2"))
    facts = {"mode": "process", "student_uid": 10002, "restarts": 0, "anomalies": []}
    document["integrity"] = {"hidden_tests": facts}
    job.results_path.write_text(json.dumps(document))
    report = read_results(job, RunOutcome(exit_code=0))
    assert report.problem == "" and report.facts == {"hidden_tests": facts}
    tests = next(c for c in report.checks if c.id == "tests")
    assert "isolation" not in tests.details


@pytest.mark.parametrize(
    "integrity", [["hidden_tests"], {"level": "full"}, {"hidden_tests": "full"}]
)
def test_unknown_or_malformed_isolation_facts_are_refused(job, integrity) -> None:
    document = json.loads(_results_document(job.exercise, job.nonce, "1", "0.2"))
    document["integrity"] = integrity
    job.results_path.write_text(json.dumps(document))
    report = read_results(job, RunOutcome(exit_code=0))
    assert "malformed" in report.problem
    assert {c.status for c in report.checks} == {"error"}
