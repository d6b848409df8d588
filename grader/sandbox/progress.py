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
from typing import IO, Any

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
