"""Every failing test, readable in every view: its task and title (with the case label),
pytest's whole explanation, what the student's code printed and where it failed, in the
terminal, `grader ci`'s summary and annotations, and each export."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from grader.ci.annotations import annotations_for, plain_line
from grader.ci.run import GradedWorkspace
from grader.ci.summary import _Markdown
from grader.cli.render import print_scorecard
from grader.cli.student import submit_command
from grader.scorecard.caps import OUTPUT_CHARS
from grader.scorecard.exports import export
from grader.scorecard.model import Scorecard, TestOutcome, outcomes_of
from tests.test_exports import golden_card

FAILING = 25
STDLIB = "/usr/lib/python3.11/json/decoder.py:355 in raw_decode"


def failing_test(n: int) -> dict:
    return {
        "id": f"test_grade_book.py::test_ranks[case-{n}]",
        "title": f"Ranks share places [case-{n}]",
        "status": "failed",
        "task": 2,
        "points": 1.0,
        "message": f"assert [1, 2] == [1, 1]\n\n  At index 1 diff: 2 != 1\n\n"
        f"  Full diff:\n    [\n        1,\n  -     1,\n  +     2,\n    ]  END-{n}",
        "location": f"grade_book.py:{100 + n} in ranking",
        "output": f"ranking ann-{n}\naveraging on stderr-{n}\n",
        "duration": 0.01,
    }


@pytest.fixture()
def card() -> Scorecard:
    card = golden_card("failing-tests")
    tests = card.check("tests")
    tests.details["tests"] = [failing_test(n) for n in range(FAILING)] + [
        dict(failing_test(99), status="passed", message="", output="")
    ]
    tests.details["tests"][1]["location"] = STDLIB  # no frame of the student's
    tests.details["tests"][2]["output"] = "y" * 5000
    tests.details["points_total"] = FAILING + 1.0
    tests.details["points_earned"] = 1.0
    card.status = "fail"
    return card


def first(card: Scorecard) -> TestOutcome:
    return outcomes_of(card.check("tests"))[0]


# ---- the terminal ------------------------------------------------------------------------
def terminal(card: Scorecard, **options) -> str:
    out = io.StringIO()
    print_scorecard(Console(file=out, width=80, color_system=None), card, **options)
    return out.getvalue()


def test_the_terminal_shows_twenty_failing_tests_in_full(card) -> None:
    shown = terminal(card)
    assert "✗ task 2: Ranks share places [case-0] — failed" in shown
    assert "      at grade_book.py:100 in ranking" in shown
    assert "      assert [1, 2] == [1, 1]" in shown
    assert "        At index 1 diff: 2 != 1" in shown
    assert "]  END-0" in shown  # the explanation's last line: all of it
    assert "your code printed:" in shown
    assert "      │ ranking ann-0\n      │ averaging on stderr-0" in shown
    assert f"at {STDLIB}" in shown
    assert "[case-19]" in shown and "[case-20]" not in shown
    assert "… and 5 more: `grader submit --all` shows every one" in shown


def test_the_terminal_caps_the_output_with_a_marker(card) -> None:
    shown = terminal(card)
    assert "│ " + "y" * 70 in shown
    assert f"... [truncated: {5000 - OUTPUT_CHARS} more characters]" in shown


def test_all_shows_every_failing_test(card) -> None:
    shown = terminal(card, failures_shown=None)
    assert "[case-24]" in shown and "END-24" in shown and "more:" not in shown
    assert "[case-99]" not in shown  # it passed


def test_submit_has_all_and_json(card) -> None:
    help_text = CliRunner().invoke(submit_command, ["--help"]).output
    assert "--all" in help_text and "--json" in help_text


# ---- grader ci ---------------------------------------------------------------------------
def graded(card: Scorecard, folder: str = "stage1/grade-book") -> GradedWorkspace:
    return GradedWorkspace(folder, None, card, Path("s"), Path("c"))  # type: ignore[arg-type]


def test_the_summary_shows_each_field_whole(card) -> None:
    item = _Markdown(graded(card)).test(first(card))
    assert item.startswith("- **Ranks share places \\[case-0\\]** (failed, task 2, ")
    assert "`stage1/grade-book/grade_book.py:100 in ranking`" in item
    assert "`test_grade_book.py::test_ranks[case-0]`" in item
    assert "  ```text\n  assert [1, 2] == [1, 1]\n" in item
    assert "]  END-0\n  ```" in item
    assert "Your code printed:\n\n  ```text\n  ranking ann-0\n  averaging on" in item


def test_the_summary_shows_a_place_outside_the_workspace_as_it_is(card) -> None:
    item = _Markdown(graded(card)).test(outcomes_of(card.check("tests"))[1])
    assert f"`{STDLIB}`" in item
    assert "grade-book//usr" not in item and "grade-book/usr" not in item
    root = _Markdown(graded(card, ".")).test(first(card))
    assert "`grade_book.py:100 in ranking`" in root


def test_annotations_carry_each_field(card) -> None:
    notes = [n for n in annotations_for(graded(card)) if "Ranks share" in n.title]
    note = notes[0]
    assert note.title == "stage1/word-count: task 2: Ranks share places [case-0]"
    assert (note.path, note.line) == ("stage1/grade-book/grade_book.py", 100)
    assert "At index 1 diff: 2 != 1" in note.message and "END-0" in note.message
    assert "Your code printed:\nranking ann-0\naveraging on stderr-0" in note.message
    assert note.message.endswith("(test_grade_book.py::test_ranks[case-0])")
    outside = notes[1]
    assert outside.path == "" and f"at {STDLIB}" in outside.message
    lines = plain_line(note).splitlines()
    assert lines[0].startswith("stage1/grade-book/grade_book.py:100: error: ")
    assert "        ]  END-0" in lines


# ---- exports -----------------------------------------------------------------------------
def test_exercism_carries_each_field(card) -> None:
    tests = json.loads(export(card, "exercism"))["tests"]
    entry = tests[0]
    assert entry["name"] == "test ranks[case-0]" and entry["task_id"] == 2
    assert "END-0" in entry["message"]
    assert "at grade_book.py:100 in ranking" in entry["message"]
    assert entry["output"].startswith("ranking ann-0\naveraging on stderr-0")


def test_gradescope_carries_each_field(card) -> None:
    entry = json.loads(export(card, "gradescope"))["tests"][0]
    assert entry["name"] == "Task 2: Ranks share places [case-0]"
    assert "END-0" in entry["output"] and "at grade_book.py:100" in entry["output"]
    assert "Your code printed:\nranking ann-0\naveraging on stderr-0" in entry["output"]


def test_junit_carries_each_field(card) -> None:
    root = ET.fromstring(export(card, "junit"))
    case = next(
        c for c in root.iter("testcase") if c.get("name") == "test_ranks[case-0]"
    )
    failure = case.find("failure")
    assert failure.get("message") == "assert [1, 2] == [1, 1]"
    assert failure.text.startswith("Task 2: Ranks share places [case-0]\n\nassert")
    assert "END-0" in failure.text and "at grade_book.py:100" in failure.text
    assert case.find("system-out").text.startswith("ranking ann-0\naveraging")


def test_prairielearn_carries_each_field(card) -> None:
    entry = json.loads(export(card, "prairielearn"))["tests"][0]
    assert entry["name"] == "Ranks share places [case-0]"
    assert entry["description"] == "Hidden test, task 2"
    assert "END-0" in entry["message"] and "at grade_book.py:100" in entry["message"]
    assert entry["output"].startswith("ranking ann-0\naveraging on stderr-0")


def test_tabs_in_the_output_are_expanded_from_its_own_start(card) -> None:
    card.check("tests").details["tests"][0]["output"] = "1\tS001\tann\t92.5\n"
    assert "      │ 1       S001    ann     92.5\n" in terminal(card)
