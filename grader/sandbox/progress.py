"""Progress lines from the sandbox's entrypoint to the host, for a person watching a grading.

The entrypoint writes one line per event to its standard error, which every backend
streams to the host as the run goes: `<token> {"check": "tests", "state": "running"}`.
The token is derived from the job's nonce, which only the entrypoint and the host know, so
a line the submission prints cannot pass for one. Progress is only shown: the verdict comes
from the results alone. Standard library only: both sides import it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from typing import IO, Any, Callable

# One line is never longer than this; a longer one is not progress.
MAX_LINE = 400


def progress_token(nonce: str) -> str:
    """The mark of the entrypoint's own progress lines in the sandbox's log."""
    return hashlib.sha256(f"grader-progress:{nonce}".encode()).hexdigest()[:24]


class ProgressWriter:
    """Writes progress events, one line each, from any thread of the entrypoint."""

    def __init__(self, token: str, stream: IO[str] | None = None) -> None:
        self._token = token
        self._stream = stream if stream is not None else sys.stderr
        self._lock = threading.Lock()

    def emit(self, **event: Any) -> None:
        line = f"{self._token} {json.dumps(event, separators=(',', ':'))}\n"
        with self._lock:
            try:
                self._stream.write(line)
                self._stream.flush()
            except (OSError, ValueError):  # nobody is listening: progress is optional
                pass


def parse_progress(line: str, token: str) -> dict[str, Any] | None:
    """The event of one of the entrypoint's progress lines; None for any other line."""
    if len(line) > MAX_LINE or not line.startswith(token + " "):
        return None
    try:
        event = json.loads(line[len(token) + 1 :])
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


# The entrypoint's writer, for a check that reports more than its start and end (the hidden
# tests' running count). None outside a grading: reporting is then a no-op.
_WRITER: ProgressWriter | None = None


def use_writer(writer: ProgressWriter | None) -> None:
    """Make `writer` the one `report` writes to (the entrypoint sets it for its run)."""
    global _WRITER
    _WRITER = writer


def report(**event: Any) -> None:
    """Write a progress event, when a grading is listening."""
    if _WRITER is not None:
        _WRITER.emit(**event)


# A running count is written at most this often: a suite of fast tests makes no flood.
COUNT_SECONDS = 0.25


def count_reporter(
    check: str, emit: Callable[..., None] = report
) -> Callable[[dict[str, Any]], None]:
    """A pytest record callback (pytest_session's `on_record`) that reports how many of the
    collected tests have a result: `{"check": "tests", "state": "running", "done": 12,
    "total": 40}`. The first collection gives the total (a restart collects only the tests
    left); every result counts once."""
    total: list[int] = []
    done: set[str] = set()
    last = [0.0]

    def on_record(record: dict[str, Any]) -> None:
        kind = record.get("event")
        if kind == "collected" and not total:
            total.append(len(record.get("items") or []))
        elif kind == "result" and total:
            done.add(str(record.get("id")))
        else:
            return
        now = time.monotonic()
        finished = len(done) >= total[0]
        if now - last[0] >= COUNT_SECONDS or finished or len(done) == 0:
            last[0] = now
            emit(
                check=check,
                state="running",
                done=min(len(done), total[0]),
                total=total[0],
            )

    return on_record
