"""What `grader submit` is doing, shown while it grades: one live line on a terminal.

`Preparing`, then the sandbox and each check as it starts and ends, with the time so far:
`Grading (docker, 12 s)  tests …  flake8 ✓  black ✓  coverage …`. Nothing is shown when
standard error is not a terminal (CI logs, pipes) or when the caller asked for JSON.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Iterator

from rich.console import Console
from rich.live import Live
from rich.text import Text

from grader.i18n.catalog import reader_language, translator
from grader.runner.log_stream import ProgressCallback

MARKS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("!", "red")}


class GradingLine:
    """The live line; rich renders it a few times a second, so the clock keeps moving."""

    def __init__(self, lang: str = "en") -> None:
        self.gettext = translator(lang)
        self.started = time.monotonic()
        self.step = "preparing"
        self.backend = ""
        self.checks: dict[str, str] = {}  # id -> "running" or the check's status

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

    def __rich__(self) -> Text:
        seconds = int(time.monotonic() - self.started)
        where = f"{self.backend}, " if self.backend else ""
        _ = self.gettext
        heading = _("Grading ({where}{seconds} s)").format(where=where, seconds=seconds)
        line = Text(heading + " ", style="bold")
        if not self.checks:
            line.append(f"{_(self.step)} …", style="dim")
        for check, state in self.checks.items():
            mark, style = MARKS.get(state, ("…", "yellow"))
            line.append(f" {check} ")
            line.append(mark, style=style)
        if self.step == "host checks":
            line.append("  " + _("building your Dockerfile …"), style="dim")
        return line


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
