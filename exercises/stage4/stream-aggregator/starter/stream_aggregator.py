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

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports and private
helpers as you need them.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Sequence


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


class WindowAggregator:
    """Per-key sums and counts over tumbling event-time windows."""

    def __init__(self, window_seconds: int, allowed_lateness: float = 0) -> None:
        """Validate and store the settings; start with no state.

        Raises:
            ValueError: ``window_seconds`` is not an int > 0 (bools rejected) or
                ``allowed_lateness`` is not a finite number >= 0.
        """
        raise NotImplementedError

    def window_of(self, event_time: float) -> tuple[float, float]:
        """The ``(start, end)`` of the window containing ``event_time``.

        ``start = (event_time // window_seconds) * window_seconds`` and
        ``end = start + window_seconds``.
        """
        raise NotImplementedError

    @property
    def watermark(self) -> float | None:
        """Largest accepted event time minus the lateness; None before any event."""
        raise NotImplementedError

    def process(self, event: Sequence[Any]) -> str:
        """Take one event; return ``"accepted"``, ``"duplicate"`` or ``"late"``.

        Raises:
            InvalidEventError: a malformed event (nothing changes).
        """
        raise NotImplementedError

    def process_many(self, events: Iterable[Sequence[Any]]) -> list[str]:
        """Process events in order (like a polled batch); return their statuses."""
        raise NotImplementedError

    def emit_closed(self) -> list[WindowResult]:
        """Every not-yet-emitted window whose end <= watermark, by (start, key)."""
        raise NotImplementedError

    def flush(self) -> list[WindowResult]:
        """End of input: emit every open window and close them (watermark moves up)."""
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        """A new dict with the counters accepted, duplicates, late and emitted."""
        raise NotImplementedError

    def checkpoint(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (str keys, lists, numbers, None)."""
        raise NotImplementedError

    def restore(self, state: dict[str, Any]) -> None:
        """Replace the whole state with a checkpoint taken with the same settings.

        Raises:
            CheckpointError: ``state`` is not a checkpoint, or it was taken
                with a different ``window_seconds`` or ``allowed_lateness``.
        """
        raise NotImplementedError
