"""What `grader submit` is doing, shown while it grades: one live line on a terminal.

`Preparing`, then the sandbox and each check as it starts and ends, with the time so far
and, while the hidden tests run, how many of them have a result:
`Grading (docker, 12 s)  hidden tests: 12/40 …  flake8 ✓  black ✓  coverage …`. Nothing is
shown when standard error is not a terminal (CI logs, pipes) or when the caller asked for
JSON.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Iterator

from rich.console import Console
from rich.live import Live
from rich.text import Text

from grader.i18n.catalog import reader_language, say, translator
from grader.i18n.message import msg
from grader.runner.log_stream import ProgressCallback

MARKS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("!", "red")}
# The steps the pipeline reports (grader.pipeline), as the catalogue's messages.
STEPS = {
    "preparing": msg("preparing"),
    "sandbox": msg("sandbox"),
    "host checks": msg("host checks"),
}
MAX_TESTS = 1_000_000


class GradingLine:
    """The live line; rich renders it a few times a second, so the clock keeps moving."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang
        self.gettext = translator(lang)
        self.started = time.monotonic()
        self.step = "preparing"
        self.backend = ""
        self.checks: dict[str, str] = {}  # id -> "running" or the check's status
        self.counts: dict[str, tuple[int, int]] = {}  # id -> (tests done, of total)

    def update(self, event: dict[str, Any]) -> None:
        if isinstance(event.get("step"), str):
            self.step = event["step"]
            self.backend = str(event.get("backend", self.backend))
        check = event.get("check")
        if isinstance(check, str) and len(self.checks) < 20:
            state = event.get("state")
            self.checks[check[:30]] = (
                str(event.get("status")) if state == "done" else "running"
            )
            done, total = event.get("done"), event.get("total")
            if _count(done) and _count(total) and done <= total:
                self.counts[check[:30]] = (done, total)

    def __rich__(self) -> Text:
        seconds = int(time.monotonic() - self.started)
        _ = self.gettext
        where = _("{backend}, ").format(backend=self.backend) if self.backend else ""
        heading = _("Grading ({where}{seconds} s)").format(where=where, seconds=seconds)
        line = Text(heading + " ", style="bold")
        if not self.checks:
            known = STEPS.get(self.step)
            step = say(known, self.lang) if known else self.step[:30]
            line.append(f"{step} …", style="dim")
        for check, state in self.checks.items():
            mark, style = MARKS.get(state, ("…", "yellow"))
            line.append(f" {self._label(check, state)} ")
            line.append(mark, style=style)
        if self.step == "host checks":
            line.append("  " + _("building your Dockerfile …"), style="dim")
        return line

    def _label(self, check: str, state: str) -> str:
        """The check's id; while it runs tests, how many have a result (`hidden tests:
        12/40` for the hidden tests, in the reader's language)."""
        if state != "running" or check not in self.counts:
            return check
        done, total = self.counts[check]
        _ = self.gettext
        if check == "tests":
            return _("hidden tests: {done}/{total}").format(done=done, total=total)
        return f"{check} {done}/{total}"


def _count(value: Any) -> bool:
    """A count a line may show: an int (not a bool), from 0 to MAX_TESTS."""
    return type(value) is int and 0 <= value <= MAX_TESTS


@contextmanager
def grading_progress(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A progress callback that draws the live line on stderr; None when not shown."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    line = GradingLine(reader_language())
    with Live(line, console=console, refresh_per_second=4, transient=True):
        yield line.update
