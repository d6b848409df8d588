from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader import files
from grader.pipeline import grade_workspace
from grader.scorecard import serialize
from grader.scorecard.caps import cap_text, clean_text

GOLDEN = Path(__file__).parent / "golden"


def test_cap_text_marks_what_it_cut() -> None:
    assert cap_text("abc", 5) == "abc"
    capped = cap_text("x" * 50, 10)
    assert capped.startswith("x" * 10)
    assert capped.endswith("[truncated: 40 more characters]")


def test_clean_text_drops_nul_and_invalid_utf8() -> None:
    assert clean_text(b"ok\x00\xff\n") == "ok\ufffd\n"


@pytest.fixture(scope="module")
def graded_card(tmp_path_factory: pytest.TempPathFactory):
    import shutil

    from grader.catalog import ExercisePack
    from grader.runner import LocalBackend
    from tests.conftest import FIXTURE_PACK, WORD_COUNT

    dest = tmp_path_factory.mktemp("ws") / "submission"
    shutil.copytree(WORD_COUNT / "reference", dest)
    exercise = ExercisePack(FIXTURE_PACK).get("word-count")
    return grade_workspace(dest, exercise=exercise, backend=LocalBackend())


def test_scorecard_round_trips_through_json(graded_card, tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    serialize.write(graded_card, path)
    again = serialize.load(path)
    assert serialize.to_dict(again) == serialize.to_dict(graded_card)
    assert again.status == "pass" and again.score == again.max_score == 100


def test_scorecard_records_submission_and_runner(graded_card) -> None:
    assert [f.path for f in graded_card.submission.files] == [
        "word_count.py",
        "tests/test_word_count.py",
    ]
    assert len(graded_card.submission.sha256) == 64
    assert graded_card.runner.backend == "local"
    assert graded_card.runner.sandboxed is False


def test_invalid_scorecard_is_never_written(graded_card, tmp_path: Path) -> None:
    graded_card.status = "maybe"  # type: ignore[assignment]
    path = tmp_path / "card.json"
    with pytest.raises(AssertionError, match="breaks its own schema"):
        serialize.write(graded_card, path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
    graded_card.status = "pass"


def test_load_rejects_a_document_that_is_not_a_scorecard(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_text(json.dumps({"status": "pass"}))
    with pytest.raises(ValueError, match="not a valid scorecard"):
        serialize.load(path)


def test_write_atomic_leaves_old_file_when_interrupted(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "card.json"
    path.write_text("old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(OSError):
        files.write_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]


def _with_volatile_fields(document: dict) -> dict:
    """A golden scorecard with the fields its comparison leaves out put back."""
    stamp = "2026-01-01T00:00:00+00:00"
    document.update(started_at=stamp, finished_at=stamp, duration=1.0)
    document["submission"]["sha256"] = "0" * 64
    for submitted in document["submission"]["files"]:
        submitted["sha256"] = "0" * 64
    document["runner"]["grader_version"] = "0.1.0"
    for check in document["checks"]:
        check["duration"] = 0.5
        details = check.get("details", {})
        failures = details.get("student_tests", {}).get("failures", [])
        for test in details.get("tests", []) + failures:
            test["duration"] = 0.1
    return document


def _variants(document: dict) -> list[object]:
    """Broken copies of a valid scorecard: each key dropped, each value retyped."""
    variants: list[object] = [None, [], "scorecard"]
    for key in document:
        dropped = dict(document)
        del dropped[key]
        variants.append(dropped)
        for wrong in (None, "x", -1, 1.5, [], {}):
            retyped = dict(document)
            retyped[key] = wrong
            variants.append(retyped)
    for i, check in enumerate(document["checks"]):
        for key in check:
            for wrong in (None, "bogus", -3, []):
                checks = [dict(c) for c in document["checks"]]
                checks[i][key] = wrong
                variants.append({**document, "checks": checks})
    return variants


@pytest.mark.parametrize(
    "golden", sorted(GOLDEN.glob("*/expected.json")), ids=lambda p: p.parent.name
)
def test_fast_validation_agrees_with_jsonschema(golden: Path) -> None:
    import jsonschema

    reference = jsonschema.Draft202012Validator(serialize.scorecard_schema())
    document = _with_volatile_fields(json.loads(golden.read_text(encoding="utf-8")))
    assert reference.is_valid(document)
    for variant in [document, *_variants(document)]:
        assert serialize.is_valid(variant) == reference.is_valid(variant), variant


def test_cap_text_keeps_one_line_with_a_space_separator() -> None:
    capped = cap_text("x" * 50, 10, separator=" ")
    assert capped == "x" * 10 + " ... [truncated: 40 more characters]"
    assert "\n" not in capped
    assert cap_text("short", 10, separator=" ") == "short"
