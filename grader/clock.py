"""The time, always in UTC: one way to ask for it and one way to write it down."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def utc_stamp(moment: datetime | None = None) -> str:
    """`moment` (by default now) as ISO 8601 to the second with a `Z`, as scorecards
    write it: `2026-01-01T12:00:00Z`."""
    moment = utc_now() if moment is None else moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
