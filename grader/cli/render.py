"""Terminal views of scorecards and exercise lists (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.catalog.model import Exercise
from grader.cli.feedback import print_hints, print_next_step
from grader.i18n.catalog import say, stored, translator
from grader.i18n.message import Message, msg
from grader.registry.checks import declaration
from grader.scorecard.model import CheckResult, Scorecard
from grader.text_escape import terminal_text

# A scorecard's names and messages come from the student (file and test names, what their
# code printed): every one is shown as a rich Text, never read as markup, and cleaned of
# escape sequences and control characters (terminal_text).

STATUS_STYLE = {"pass": "green", "fail": "red", "error": "magenta", "skipped": "dim"}
# How many failing items (tests, violations) of a check are shown in full by default.
FAILURES_SHOWN = 20


# The words of a status, in the reader's language (the catalogue's ids).
STATUS_WORDS = {
    "pass": msg("pass"),
    "fail": msg("fail"),
    "error": msg("error"),
    "skipped": msg("skipped"),
}
VERDICT_WORDS = {"pass": msg("PASS"), "fail": msg("FAIL"), "error": msg("ERROR")}
# A practice run (a students' edition: no hidden suite) is never a grade, and says so first.
PRACTICE_WORD = msg("PRACTICE")


def print_scorecard(
    console: Console,
    card: Scorecard,
    *,
    failures_shown: int | None = FAILURES_SHOWN,
    lang: str = "en",
    exercise: Exercise | None = None,
    next_step: Message | None = None,
) -> None:
    """The scorecard in `lang`: verdict, one row per check, then what each check found,
    at most `failures_shown` failing items per check (None: every one); with `exercise`,
    the hint of each task that failed; on a pass, `next_step`."""
    _ = translator(lang)
    style = STATUS_STYLE[card.status]
    word = say(VERDICT_WORDS[card.status], lang)
    if card.practice:
        word = f"{say(PRACTICE_WORD, lang)} · {word}"
    console.print(
        Text.assemble(
            (f"{terminal_text(card.exercise.slug)} ", "bold"),
            (word, f"bold {style}"),
            f"  {card.score:g} / {card.max_score:g}",
            "  "
            + _("({backend} backend, {seconds:.1f} s)").format(
                backend=card.runner.backend, seconds=card.duration
            ),
        )
    )
    if not card.runner.sandboxed:
        warning = _(
            "warning: the local backend is not a sandbox; "
            "scores from it are for practice only"
        )
        console.print(Text(warning, style="yellow"))
    table = Table(show_header=True, header_style="bold")
    for column in (_("check"), _("status"), _("score"), _("message")):
        table.add_column(column, overflow="fold")
    for check in card.checks:
        table.add_row(
            Text(terminal_text(check_title(check, lang))),
            Text(
                say(STATUS_WORDS[check.status], lang), style=STATUS_STYLE[check.status]
            ),
            f"{check.score:g}/{check.max_score:g}",
            Text(terminal_text(stored(check, lang))),
        )
    console.print(table)
    for check in card.checks:
        _print_problems(console, check, failures_shown, lang)
    if exercise is not None:
        print_hints(console, card, exercise, lang)
    console.print(Text(terminal_text(stored(card, lang)), style=style))
    if card.status == "pass" and next_step is not None:
        print_next_step(console, next_step, lang)


def check_title(check: CheckResult, lang: str) -> str:
    """A check's title in `lang`, as its declaration states it."""
    if lang == "zh":
        return declaration(check.id).title_zh or check.title
    return check.title


def _print_problems(
    console: Console, check: CheckResult, failures_shown: int | None, lang: str = "en"
) -> None:
    failed = hidden = 0
    for line in declaration(check.id).present.terminal(check):
        failed += line.failed
        if failures_shown is not None and failed > failures_shown:
            hidden += line.failed  # this item and its lines are left out
            continue
        text = line.text
        if line.message is not None and lang != "en":
            # The indent stays, and the gutter of the student's output with it.
            indent = text[: len(text) - len(text.lstrip(" │"))]
            text = indent + say(line.message, lang)
        if line.failed:
            mark = ("  ✗", "red")
            console.print(Text.assemble(mark, terminal_text(" " + text)))
        else:
            console.print(_hanging(terminal_text(text), line.style))
    if hidden:
        _ = translator(lang)
        more = _("… and {count} more: `grader submit --all` shows every one")
        console.print(Text("  " + more.format(count=hidden), style="bold"))


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
