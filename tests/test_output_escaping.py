"""Student-controlled text (folder, file and test names, messages) stays text in every
medium grader writes: spreadsheet cells, workflow commands and CI logs, Markdown, the
terminal. Each hostile name below is one a student can choose."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from grader.cli.render import print_scorecard
from grader.scorecard import serialize
from grader.text_escape import (
    inert_lines,
    log_text,
    markdown_code,
    markdown_text,
    spreadsheet_safe,
    terminal_markup,
    terminal_text,
    workflow_data,
    workflow_property,
)

FORMULA = '=HYPERLINK("http://x","y")'
COMMANDS = "a\n::stop-commands::x"
SUMMARY = "x|y\n## All passed<!--"
MARKUP = "[red]x[/red]\x1b[2J"
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (FORMULA, "'" + FORMULA),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("alice", "alice"),
        ("", ""),
    ],
)
def test_spreadsheet_cells_never_start_a_formula(text: str, cell: str) -> None:
    assert spreadsheet_safe(text) == cell


def test_the_class_server_export_uses_the_same_helper() -> None:
    from grader.leaderboard import standings

    assert standings.spreadsheet_safe is spreadsheet_safe


def test_workflow_command_data_and_properties_follow_githubs_rules() -> None:
    assert workflow_data(COMMANDS) == "a%0A::stop-commands::x"
    assert workflow_data("100%\r\n") == "100%25%0D%0A"
    assert workflow_property(COMMANDS) == "a%0A%3A%3Astop-commands%3A%3Ax"
    assert workflow_property("a,b:c%") == "a%2Cb%3Ac%25"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (COMMANDS, "a%0A::stop-commands::x"),
        ("::add-mask::x", "%3A:add-mask::x"),
        ("  ::error::x", "  %3A:error::x"),
        ("b##[stop-commands]t", "b##%5Bstop-commands]t"),
        ("a\r::set-output name=x::y", "a%0D::set-output name=x::y"),
        ("50%\x1b[2J\u2028z", "50%%1B[2J%u2028z"),
        ("lint,100%", "lint,100%"),
        ("plain name", "plain name"),
    ],
)
def test_a_log_value_is_one_line_that_starts_no_command(text: str, line: str) -> None:
    assert log_text(text) == line


def test_inert_lines_keep_line_breaks_but_no_line_is_a_command() -> None:
    text = "Error: bad 'a\n::stop-commands::x'\r\n  ::error::y\rz ##[add-mask]k\nok"
    assert inert_lines(text) == (
        "Error: bad 'a\n%3A:stop-commands::x'\r\n  %3A:error::y\rz ##%5Badd-mask]k\nok"
    )


def test_markdown_text_is_literal_text_on_one_line() -> None:
    assert markdown_text(SUMMARY) == "x\\|y \\#\\# All passed\\<\\!--"
    assert markdown_text("# a *b* _c_ [d](e) `f` & ~g~ $h$") == (
        "\\# a \\*b\\* \\_c\\_ \\[d\\](e) \\`f\\` \\& \\~g\\~ \\$h\\$"
    )
    assert markdown_text("- item") == "\\- item"
    assert markdown_text("1. item") == "1\\. item"
    assert markdown_text("---") == "\\---"
    assert markdown_text(MARKUP) == "\\[red\\]x\\[/red\\]\\[2J"
    assert markdown_text(None) == ""


def test_markdown_code_spans_hold_any_name() -> None:
    assert markdown_code(SUMMARY) == "`x|y ## All passed<!--`"
    assert markdown_code(SUMMARY, table_cell=True) == "`x\\|y ## All passed<!--`"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`a") == "`` `a ``"


def test_terminal_text_has_no_escape_sequences_or_controls() -> None:
    assert terminal_text(MARKUP) == "[red]x[/red]"
    assert terminal_text("a\x1b]0;title\x07b\x9b31mc\rd\x00e\u202ef") == "abcdef"
    assert terminal_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert terminal_text(COMMANDS, one_line=True) == "a ::stop-commands::x"
    assert terminal_markup(MARKUP) == "\\[red]x\\[/red]"


def render(card_path: Path, change) -> str:
    """The terminal view of a golden scorecard changed by `change`."""
    data = json.loads(card_path.read_text(encoding="utf-8"))
    card = SimpleNamespace(
        exercise=SimpleNamespace(**data["exercise"]),
        status=data["status"],
        score=data["score"],
        max_score=data["max_score"],
        message=data["message"],
        duration=1.0,
        runner=SimpleNamespace(backend="docker", sandboxed=True),
        checks=[serialize.check_from_dict(c) for c in data["checks"]],
        practice=False,
    )
    change(card)
    out = io.StringIO()
    print_scorecard(Console(file=out, width=400, color_system=None), card)
    return out.getvalue()


def test_the_terminal_scorecard_shows_hostile_names_as_text() -> None:
    def hostile(card) -> None:
        tests = card.checks[0]
        tests.title = MARKUP
        tests.message = "[bold]msg[/bold]\x1b[31m"
        failing = next(t for t in tests.details["tests"] if t["status"] != "passed")
        failing["title"] = MARKUP
        failing["location"] = "[blue]w.py:1[/blue]"
        failing["message"] = "[green]boom[/green]\x1b[2J"
        # A message with nothing left to show is an empty line, not a crash.
        tests.details["tests"].append(dict(failing, message="\x1b[2J", title="t2"))
        card.message = "\x1b]0;pwned\x07card [i]message[/i]"
        card.status = "fail"

    shown = render(GOLDEN / "failing-tests" / "expected.json", hostile)
    assert "\x1b" not in shown
    assert "│ [red]x[/red]" in shown  # the check's row
    assert "[bold]msg[/bold]" in shown
    assert "[red]x[/red] — failed\n      at [blue]w.py:1[/blue]" in shown
    assert "      [green]boom[/green]" in shown
    assert "card [i]message[/i]" in shown


def test_the_terminal_scorecard_shows_hostile_lint_paths_as_text() -> None:
    def hostile(card) -> None:
        flake8 = card.checks[1]
        flake8.details["violations"] = [
            {
                "path": "[red]x[/red].py",
                "line": 1,
                "col": 2,
                "code": "E1",
                "text": "[bold]t[/bold]\x1b[2J",
            }
        ]

    shown = render(GOLDEN / "failing-tests" / "expected.json", hostile)
    assert "  [red]x[/red].py:1:2 E1 [bold]t[/bold]\n" in shown
