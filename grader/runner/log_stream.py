"""The sandbox's log as it arrives on the host: progress events out, the tail kept.

Every backend feeds the bytes it reads from the sandbox's standard output and error here.
The entrypoint's progress lines (grader.sandbox.progress) go to a callback as they come and
are left out of the tail, which is what an error message quotes.
"""

from __future__ import annotations

from typing import Any, Callable

from grader.sandbox.progress import MAX_LINE, parse_progress, progress_token

ProgressCallback = Callable[[dict[str, Any]], None]


class LogStream:
    def __init__(
        self, nonce: str, on_progress: ProgressCallback | None, *, keep: int
    ) -> None:
        self._token = progress_token(nonce) if nonce else ""
        self._on_progress = on_progress
        self._keep = keep
        self._tail = bytearray()
        self._line = bytearray()

    def feed(self, data: bytes) -> None:
        for piece in data.splitlines(keepends=True):
            self._line += piece
            if piece.endswith((b"\n", b"\r")):
                self._take(bytes(self._line))
                self._line.clear()
            elif len(self._line) > MAX_LINE:  # a long line is not progress: keep it
                self._keep_bytes(bytes(self._line))
                self._line.clear()

    def close(self) -> None:
        if self._line:
            self._take(bytes(self._line))
            self._line.clear()

    @property
    def tail(self) -> str:
        return bytes(self._tail + self._line).decode("utf-8", "replace")

    def _take(self, line: bytes) -> None:
        if self._token and len(line) <= MAX_LINE + 2:
            event = parse_progress(
                line.decode("utf-8", "replace").rstrip(), self._token
            )
            if event is not None:
                if self._on_progress is not None:
                    try:
                        self._on_progress(event)
                    except Exception:  # a display problem never stops a grading
                        self._on_progress = None
                return
        self._keep_bytes(line)

    def _keep_bytes(self, data: bytes) -> None:
        self._tail += data
        del self._tail[: max(0, len(self._tail) - self._keep)]
