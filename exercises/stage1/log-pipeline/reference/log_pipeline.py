"""A lazy pipeline for web-server access logs, built from generators.

Every stage pulls one item at a time from the stage before it, so the whole
pipeline works on a file of any size (or on an endless stream) in constant
memory::

    parser = LogParser()
    records = parser.parse(read_lines("data/access.log"))
    errors = filter_status(records, "5xx")
    for start, count in window(errors):
        print(start, count)
    print(parser.parsed, "records,", parser.malformed, "malformed lines")

Lines are in the Common/Combined Log Format written by nginx and Apache::

    10.0.0.2 - alice [15/Mar/2024:09:58:05 +0800] "GET /a?x=1 HTTP/1.1" 200 512 ...
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Iterable, Iterator, NamedTuple

TIMESTAMP_FORMAT = "%d/%b/%Y:%H:%M:%S %z"

_LINE_RE = re.compile(
    r"(?P<ip>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9]+(?:\.[0-9]+)?" '
    r"(?P<status>[0-9]{3}) (?P<size>[0-9]+|-)(?: .*)?",
    re.ASCII,
)
_STATUS_CLASS_RE = re.compile(r"[1-5]xx")


class LogRecord(NamedTuple):
    """One parsed request."""

    ip: str
    timestamp: datetime
    method: str
    path: str
    status: int
    bytes: int


def read_lines(path: str | os.PathLike[str]) -> Iterator[str]:
    """Yield the lines of a UTF-8 text file one at a time, without line endings.

    The file is opened only when iteration starts and is closed when the
    generator is exhausted or closed. Bytes that are not valid UTF-8 are
    replaced with U+FFFD instead of raising.
    """
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            yield line.rstrip("\r\n")


def parse_line(line: str) -> LogRecord:
    """Parse one access-log line into a :class:`LogRecord`.

    Raises:
        ValueError: if the line is not a well-formed log entry.
    """
    match = _LINE_RE.fullmatch(line.strip())
    if match is None:
        raise ValueError(f"not an access-log line: {line!r}")
    ip = match["ip"]
    ipaddress.ip_address(ip)  # raises ValueError for "999.1.1.1", "localhost", ...
    timestamp = datetime.strptime(match["time"], TIMESTAMP_FORMAT)
    status = int(match["status"])
    if not 100 <= status <= 599:
        raise ValueError(f"status out of range: {status}")
    size = 0 if match["size"] == "-" else int(match["size"])
    return LogRecord(ip, timestamp, match["method"], match["path"], status, size)


class LogParser:
    """Turns lines into records, skipping and counting malformed lines.

    ``parsed`` and ``malformed`` are updated while iteration goes on.
    """

    def __init__(self) -> None:
        self.parsed = 0
        self.malformed = 0

    def parse(self, lines: Iterable[str]) -> Iterator[LogRecord]:
        """Lazily yield a record for every well-formed line of ``lines``.

        Blank lines are skipped silently; other lines that do not parse are
        skipped and counted in ``malformed``.
        """
        for line in lines:
            if not line.strip():
                continue
            try:
                record = parse_line(line)
            except ValueError:
                self.malformed += 1
                continue
            self.parsed += 1
            yield record


def parse(lines: Iterable[str]) -> Iterator[LogRecord]:
    """Shorthand for ``LogParser().parse(lines)`` when the counts are not needed."""
    return LogParser().parse(lines)


def _status_predicate(codes: int | str | Iterable[int]):
    if isinstance(codes, bool):
        raise ValueError(f"invalid status filter: {codes!r}")
    if isinstance(codes, int):
        return lambda status: status == codes
    if isinstance(codes, str):
        if not _STATUS_CLASS_RE.fullmatch(codes):
            raise ValueError(f"invalid status class {codes!r}; expected e.g. '4xx'")
        hundreds = int(codes[0])
        return lambda status: status // 100 == hundreds
    wanted = frozenset(codes)
    if not wanted or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in wanted
    ):
        raise ValueError(f"invalid status filter: {codes!r}")
    return lambda status: status in wanted


def filter_status(
    records: Iterable[LogRecord], codes: int | str | Iterable[int]
) -> Iterator[LogRecord]:
    """Lazily keep the records whose status matches ``codes``.

    ``codes`` is one status (``404``), a non-empty collection of statuses
    (``{500, 502}``) or a status class such as ``"4xx"``.

    Raises:
        ValueError: at call time (not on first ``next``) for an invalid ``codes``.
    """
    keep = _status_predicate(codes)
    return (record for record in records if keep(record.status))


def top_paths(records: Iterable[LogRecord], n: int) -> list[tuple[str, int]]:
    """Return the ``n`` most requested paths as ``(path, count)`` pairs.

    The query string (from the first ``?``) is not part of the path. Sorted by
    count descending, then path ascending.

    Raises:
        ValueError: if ``n`` is negative.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    counts = Counter(record.path.split("?", 1)[0] for record in records)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def _window_start(timestamp: datetime, minutes: int) -> datetime:
    return timestamp.replace(
        minute=timestamp.minute - timestamp.minute % minutes, second=0, microsecond=0
    )


def window(
    records: Iterable[LogRecord], minutes: int = 1
) -> Iterator[tuple[datetime, int]]:
    """Lazily yield ``(window_start, count)`` for consecutive time windows.

    ``minutes`` must divide 60. A window is yielded as soon as a record of a
    later window arrives (or the input ends); empty windows between two busy
    ones are yielded with count 0.

    Raises:
        ValueError: at call time for an invalid ``minutes``; during iteration
            when a record belongs to a window before the current one.
    """
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or minutes <= 0
        or 60 % minutes
    ):
        raise ValueError(f"minutes must be a positive divisor of 60, not {minutes!r}")
    return _windows(records, minutes)


def _windows(
    records: Iterable[LogRecord], minutes: int
) -> Iterator[tuple[datetime, int]]:
    step = timedelta(minutes=minutes)
    current: datetime | None = None
    count = 0
    for record in records:
        start = _window_start(record.timestamp, minutes)
        if current is None:
            current = start
        elif start < current:
            raise ValueError(
                f"record at {record.timestamp.isoformat()} is out of order"
            )
        elif start > current:
            yield current, count
            current += step
            while current < start:
                yield current, 0
                current += step
            current, count = start, 0
        count += 1
    if current is not None:
        yield current, count
