"""Terminal views of scorecards and exercise lists (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.registry.checks import declaration
from grader.scorecard.model import CheckResult, Scorecard
from grader.text_escape import terminal_text

# A scorecard's names and messages come from the student (file and test names, what their
# code printed): every one is shown as a rich Text, never read as markup, and cleaned of
# escape sequences and control characters (terminal_text).

STATUS_STYLE = {"pass": "green", "fail": "red", "error": "magenta", "skipped": "dim"}
# How many failing items (tests, violations) of a check are shown in full by default.
FAILURES_SHOWN = 20


def print_scorecard(
    console: Console, card: Scorecard, *, failures_shown: int | None = FAILURES_SHOWN
) -> None:
    """The scorecard: verdict, one row per check, then what each check found, at most
    `failures_shown` failing items per check (None: every one)."""
    style = STATUS_STYLE[card.status]
    console.print(
        Text.assemble(
            (f"{terminal_text(card.exercise.slug)} ", "bold"),
            (card.status.upper(), f"bold {style}"),
            f"  {card.score:g} / {card.max_score:g}",
            f"  ({card.runner.backend} backend, {card.duration:.1f} s)",
        )
    )
    if not card.runner.sandboxed:
        console.print(
            "[yellow]warning: the local backend is not a sandbox; "
            "scores from it are for practice only[/yellow]"
        )
    table = Table(show_header=True, header_style="bold")
    for column in ("check", "status", "score", "message"):
        table.add_column(column, overflow="fold")
    for check in card.checks:
        table.add_row(
            Text(terminal_text(check.title)),
            Text(check.status, style=STATUS_STYLE[check.status]),
            f"{check.score:g}/{check.max_score:g}",
            Text(terminal_text(check.message)),
        )
    console.print(table)
    for check in card.checks:
        _print_problems(console, check, failures_shown)
    if card.status != "pass":
        console.print(Text(terminal_text(card.message), style=style))


def _print_problems(
    console: Console, check: CheckResult, failures_shown: int | None
) -> None:
    failed = hidden = 0
    for line in declaration(check.id).present.terminal(check):
        failed += line.failed
        if failures_shown is not None and failed > failures_shown:
            hidden += line.failed  # this item and its lines are left out
            continue
        if line.failed:
            mark = ("  ✗", "red")
            console.print(Text.assemble(mark, terminal_text(" " + line.text)))
        else:
            console.print(_hanging(terminal_text(line.text), line.style))
    if hidden:
        console.print(
            Text(
                f"  … and {hidden} more: `grader submit --all` shows every one",
                style="bold",
            )
        )


def _hanging(text: str, style: str) -> Table | Text:
    """A line whose wrapped parts stay under its text, right of its indent (and gutter):
    a long line of the student's output never reaches the left margin."""
    indent = len(text) - len(text.lstrip(" │"))
    if not indent:
        return Text(text, style=style)
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(text[:indent], style=style), Text(text[indent:], style=style))
    return grid
