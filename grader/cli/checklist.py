"""`grader test`'s view: the student's own checks as a checklist, worded as the scorecard is."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.registry.checks import declaration
from grader.scorecard.model import Scorecard
from grader.text_escape import terminal_text

MARKS = {
    "pass": ("✓", "green"),
    "fail": ("✗", "red"),
    "error": ("!", "magenta"),
    "skipped": ("-", "dim"),
}


def print_checklist(console: Console, card: Scorecard) -> bool:
    """Print one line per check and what to fix under it; whether every check passed."""
    console.print(
        Text.assemble(
            ("Your checks", "bold"),
            f" for {terminal_text(card.exercise.slug)} ({card.duration:.1f} s, local)",
        )
    )
    for check in card.checks:
        mark, style = MARKS[check.status]
        console.print(
            Text.assemble(
                (f"  {mark} ", style),
                (terminal_text(check.title), "bold"),
                ("  " + terminal_text(check.message), ""),
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
            "All your checks pass. `grader submit` runs them again with the hidden tests."
        )
    elif card.check("black") is not None and card.check("black").status == "fail":
        console.print("`grader test --fix` lets black format your files.")
    return ready
