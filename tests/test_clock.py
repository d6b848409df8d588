"""grader.clock: the time in UTC, written one way."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from grader.clock import utc_now, utc_stamp


def test_utc_now_is_aware_and_in_utc() -> None:
    now = utc_now()
    assert now.utcoffset() == timedelta(0)


def test_utc_stamp_writes_seconds_and_z() -> None:
    moment = datetime(2026, 1, 1, 13, 0, 5, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert utc_stamp(moment) == "2026-01-01T12:00:05Z"
    assert utc_stamp().endswith("Z")
