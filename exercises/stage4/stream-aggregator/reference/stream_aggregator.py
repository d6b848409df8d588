"""A tumbling-window stream aggregator for at-least-once delivery.

Events ``(event_id, key, value, event_time)`` arrive out of order and some of
them more than once. :class:`WindowAggregator` sums them per key in tumbling
event-time windows, ignores redelivered events, tracks a watermark (the largest
event time seen minus the allowed lateness), emits every window exactly once
when the watermark passes its end, drops events that arrive after their window
was closed, and can checkpoint its whole state to JSON-ready data so that a
restarted process that replays the input from the checkpoint produces exactly
the same results as a process that never crashed::

    agg = WindowAggregator(window_seconds=60, allowed_lateness=10)
    agg.process(Event("e1", "clicks", 1, 65.0))    # "accepted"
    agg.process(Event("e1", "clicks", 1, 65.0))    # "duplicate"
    agg.emit_closed()                              # [] until the watermark >= 120
"""

from __future__ import annotations

import math
from typing import Any, Iterable, NamedTuple, Sequence

CHECKPOINT_VERSION = 1


class Event(NamedTuple):
    """One input event. Any 4-item sequence in this order is accepted too."""

    event_id: str
    key: str
    value: float
    event_time: float


class WindowResult(NamedTuple):
    """The aggregate of one key in one window ``[window_start, window_end)``."""

    key: str
    window_start: float
    window_end: float
    count: int
    total: float


class InvalidEventError(ValueError):
    """An event is malformed (wrong shape, blank id or key, non-finite number)."""


class CheckpointError(ValueError):
    """A checkpoint is malformed or was taken with a different configuration."""


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _parse_event(event: Sequence[Any]) -> tuple[str, str, float, float]:
    try:
        event_id, key, value, event_time = event
    except (TypeError, ValueError):
        raise InvalidEventError(f"expected (event_id, key, value, time): {event!r}")
    for name, text in (("event_id", event_id), ("key", key)):
        if not isinstance(text, str) or not text.strip():
            raise InvalidEventError(f"{name} must be a non-blank string: {text!r}")
    if not _is_number(value) or not _is_number(event_time):
        raise InvalidEventError(f"value and event_time must be finite: {event!r}")
    return event_id, key, value, event_time


class WindowAggregator:
    """Per-key sums and counts over tumbling event-time windows."""

    def __init__(self, window_seconds: int, allowed_lateness: float = 0) -> None:
        """Validate the window length (an int > 0) and the lateness (a number >= 0)."""
        if (
            isinstance(window_seconds, bool)
            or not isinstance(window_seconds, int)
            or window_seconds <= 0
        ):
            raise ValueError(f"window_seconds must be an int > 0: {window_seconds!r}")
        if not _is_number(allowed_lateness) or allowed_lateness < 0:
            raise ValueError(f"allowed_lateness must be >= 0: {allowed_lateness!r}")
        self.window_seconds = window_seconds
        self.allowed_lateness = allowed_lateness
        self._reset()

    def _reset(self) -> None:
        self._watermark: float | None = None
        # (window_start, key) -> [count, total]
        self._windows: dict[tuple[float, str], list[Any]] = {}
        # window_start -> ids of the events accepted into that window
        self._ids: dict[float, set[str]] = {}
        self._stats = {"accepted": 0, "duplicates": 0, "late": 0, "emitted": 0}

    # ----------------------------------------------------------- tasks 1-3

    def window_of(self, event_time: float) -> tuple[float, float]:
        """The ``[start, end)`` window that contains ``event_time``."""
        start = (event_time // self.window_seconds) * self.window_seconds
        return start, start + self.window_seconds

    @property
    def watermark(self) -> float | None:
        """Largest accepted event time minus the lateness; None before any event."""
        return self._watermark

    def _is_seen(self, start: float, event_id: str) -> bool:
        return event_id in self._ids.get(start, ())

    def process(self, event: Sequence[Any]) -> str:
        """Take one event; return "accepted", "duplicate" or "late"."""
        event_id, key, value, event_time = _parse_event(event)
        start, end = self.window_of(event_time)
        if self._watermark is not None and end <= self._watermark:
            self._stats["late"] += 1
            return "late"
        if self._is_seen(start, event_id):
            self._stats["duplicates"] += 1
            return "duplicate"
        self._ids.setdefault(start, set()).add(event_id)
        slot = self._windows.setdefault((start, key), [0, 0])
        slot[0] += 1
        slot[1] += value
        self._stats["accepted"] += 1
        mark = event_time - self.allowed_lateness
        if self._watermark is None or mark > self._watermark:
            self._watermark = mark
        return "accepted"

    def process_many(self, events: Iterable[Sequence[Any]]) -> list[str]:
        """Process events in order (like a polled batch); return their statuses."""
        return [self.process(event) for event in events]

    def _emit(self, starts: set[float]) -> list[WindowResult]:
        results = [
            WindowResult(key, start, start + self.window_seconds, slot[0], slot[1])
            for (start, key), slot in self._windows.items()
            if start in starts
        ]
        results.sort(key=lambda r: (r.window_start, r.key))
        for result in results:
            del self._windows[(result.window_start, result.key)]
        for start in starts:
            self._ids.pop(start, None)
        self._stats["emitted"] += len(results)
        return results

    def emit_closed(self) -> list[WindowResult]:
        """Every not-yet-emitted window whose end <= watermark, by (start, key)."""
        if self._watermark is None:
            return []
        mark = self._watermark
        return self._emit({s for s in self._ids if s + self.window_seconds <= mark})

    def flush(self) -> list[WindowResult]:
        """End of input: emit every open window and close them (watermark moves up)."""
        results = self._emit(set(self._ids))
        if results:
            last_end = max(r.window_end for r in results)
            if self._watermark is None or last_end > self._watermark:
                self._watermark = last_end
        return results

    def stats(self) -> dict[str, int]:
        """Counters: accepted, duplicates, late and emitted (window results)."""
        return dict(self._stats)

    # --------------------------------------------------------------- task 4

    def checkpoint(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (str keys, lists, numbers, None)."""
        return {
            "version": CHECKPOINT_VERSION,
            "window_seconds": self.window_seconds,
            "allowed_lateness": self.allowed_lateness,
            "watermark": self._watermark,
            "windows": [
                [start, key, slot[0], slot[1]]
                for (start, key), slot in self._windows.items()
            ],
            "ids": [[start, sorted(ids)] for start, ids in self._ids.items()],
            "stats": dict(self._stats),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Replace the whole state with a checkpoint taken with the same settings."""
        if not isinstance(state, dict) or state.get("version") != CHECKPOINT_VERSION:
            raise CheckpointError("not a checkpoint of this aggregator")
        if (
            state.get("window_seconds") != self.window_seconds
            or state.get("allowed_lateness") != self.allowed_lateness
        ):
            raise CheckpointError("checkpoint was taken with different settings")
        try:
            watermark = state["watermark"]
            windows = {
                (start, key): [count, total]
                for start, key, count, total in state["windows"]
            }
            ids = {start: set(members) for start, members in state["ids"]}
            stats = {name: int(state["stats"][name]) for name in self._stats}
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"malformed checkpoint: {exc}") from exc
        self._watermark = watermark
        self._windows = windows
        self._ids = ids
        self._stats = stats
