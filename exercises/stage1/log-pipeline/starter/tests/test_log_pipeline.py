"""Your own tests. Extend this file until it covers at least 70% of log_pipeline.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import itertools
from datetime import datetime, timedelta, timezone

from log_pipeline import LogParser, LogRecord, parse_line, read_lines

LINE = '10.0.0.2 - - [15/Mar/2024:09:58:05 +0800] "GET /a?x=1 HTTP/1.1" 200 512'


def test_read_lines_strips_line_endings(tmp_path):
    path = tmp_path / "small.log"
    path.write_bytes(b"one\r\ntwo\n")
    assert list(read_lines(path)) == ["one", "two"]


def test_parse_line_fields():
    assert parse_line(LINE) == LogRecord(
        ip="10.0.0.2",
        timestamp=datetime(2024, 3, 15, 9, 58, 5, tzinfo=timezone(timedelta(hours=8))),
        method="GET",
        path="/a?x=1",
        status=200,
        bytes=512,
    )


def test_parse_is_lazy_on_an_endless_stream():
    parser = LogParser()
    records = parser.parse(itertools.repeat(LINE))  # never ends!
    assert len(list(itertools.islice(records, 3))) == 3
    assert parser.parsed == 3
