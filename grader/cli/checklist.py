"""`grader test`'s view: the student's own checks as a checklist, worded as the scorecard is."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.cli.render import check_title
from grader.i18n.catalog import stored, translator
from grader.registry.checks import declaration
from grader.scorecard.model import Scorecard
from grader.text_escape import terminal_text

MARKS = {
    "pass": ("✓", "green"),
    "fail": ("✗", "red"),
    "error": ("!", "magenta"),
    "skipped": ("-", "dim"),
}


def print_checklist(console: Console, card: Scorecard, lang: str = "en") -> bool:
    """Print one line per check and what to fix under it, in `lang`; whether every check
    passed."""
    _ = translator(lang)
    console.print(
        Text.assemble(
            (_("Your checks"), "bold"),
            " "
            + _("for {slug} ({seconds:.1f} s, local)").format(
                slug=terminal_text(card.exercise.slug), seconds=card.duration
            ),
        )
    )
    for check in card.checks:
        mark, style = MARKS[check.status]
        console.print(
            Text.assemble(
                (f"  {mark} ", style),
                (terminal_text(check_title(check, lang)), "bold"),
                ("  " + terminal_text(stored(check, lang)), ""),
            )
        )
        if check.status == "pass":
            continue
        for line in declaration(check.id).present.terminal(check):
            prefix = ("      ✗", "red") if line.failed else ("     ", "")
            console.print(
                Text.assemble(prefix, (" " + terminal_text(line.text), line.style))
            )
    ready = all(c.status == "pass" for c in card.checks)
    if ready:
        console.print(
            _(
                "All your checks pass. `grader submit` runs them again with the hidden "
                "tests."
            )
        )
    elif card.check("black") is not None and card.check("black").status == "fail":
        console.print(_("`grader test --fix` lets black format your files."))
    return ready
