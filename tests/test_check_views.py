"""Every view shows a check through its declaration: the types check, which no view names,
shows its errors in the terminal, in `grader ci`'s summary and annotations, and in the
exports."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from grader.ci import GradedWorkspace, annotations_for, render_summary
from grader.ci.run import CiRun
from grader.cli.render import print_scorecard
from grader.scorecard import serialize
from grader.scorecard.exports import export
from grader.scorecard.model import CheckResult, Scorecard
from tests.test_progress import golden_card

ERROR = {
    "path": "word_count.py",
    "line": 2,
    "col": 12,
    "code": "return-value",
    "message": 'Incompatible return value type (got "int", expected "str")',
}


@pytest.fixture
def card() -> Scorecard:
    """A graded card whose types check failed on one error."""
    card = golden_card("full-marks")
    card.checks.append(
        CheckResult(
            id="types",
            title="Type checking (mypy)",
            status="fail",
            score=0.0,
            max_score=10.0,
            message="1 problem(s); first: word_count.py:2:12: Incompatible return",
            details={"errors": [ERROR], "count": 1},
        )
    )
    card.status, card.max_score = "fail", card.max_score + 10.0
    assert serialize.schema_errors(serialize.to_dict(card)) == []
    return card


def graded(card: Scorecard) -> GradedWorkspace:
    workspace: Any = None  # the views read the folder and the card only
    return GradedWorkspace("ws", workspace, card, Path("saved"), Path("copied"))


def test_the_terminal_lists_the_type_errors(card: Scorecard) -> None:
    out = io.StringIO()
    print_scorecard(Console(file=out, width=400, color_system=None), card)
    text = out.getvalue()
    assert "Type checking (mypy)" in text
    assert f"  word_count.py:2:12: {ERROR['message']}  [return-value]" in text


def test_the_ci_summary_lists_the_type_errors(card: Scorecard) -> None:
    run = CiRun(root=Path("."), found=1, changed_since=None, graded=[graded(card)])
    text = render_summary(run, limit=100_000, out_name="grader-scorecards")
    assert "**Type checking (mypy)**: 1 error(s)" in text
    assert "- `ws/word_count.py:2:12` Incompatible return value type" in text


def test_the_ci_annotations_point_at_each_type_error(card: Scorecard) -> None:
    notes = [n for n in annotations_for(graded(card)) if n.title.startswith("mypy")]
    assert [(n.title, n.path, n.line, n.col) for n in notes] == [
        ("mypy return-value", "ws/word_count.py", 2, 12)
    ]
    assert notes[0].message == ERROR["message"] and notes[0].level == "error"


@pytest.mark.parametrize("fmt", ["gradescope", "prairielearn", "exercism", "junit"])
def test_every_export_carries_the_type_errors(card: Scorecard, fmt: str) -> None:
    text = export(card, fmt)
    line = f"word_count.py:2:12: {ERROR['message']}  [return-value]"
    if fmt == "junit":
        assert 'testcase name="types"' in text and "[return-value]" in text
    else:
        assert json.dumps(line)[1:-1] in text, text[:2000]
