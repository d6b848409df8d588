import itertools
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from log_pipeline import (
    LogParser,
    LogRecord,
    filter_status,
    parse,
    parse_line,
    read_lines,
    top_paths,
    window,
)

UTC = timezone.utc
CST = timezone(timedelta(hours=8))
LINE = '10.0.0.2 - - [15/Mar/2024:09:58:05 +0800] "GET /a?x=1 HTTP/1.1" 200 512'


def make_line(second, path="/", status=200):
    moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=second)
    stamp = moment.strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'10.0.0.1 - - [{stamp}] "GET {path} HTTP/1.1" {status} 100'


def endless_lines():
    for second in itertools.count():
        yield make_line(
            second, path=f"/p{second % 3}", status=404 * (second % 2) or 200
        )


def rec(second, path="/", status=200):
    moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=second)
    return LogRecord("10.0.0.1", moment, "GET", path, status, 100)


# read_lines -------------------------------------------------------------------


def test_read_lines_strips_endings(tmp_path):
    path = tmp_path / "a.log"
    path.write_bytes(b"one\r\ntwo\nthree")
    assert list(read_lines(path)) == ["one", "two", "three"]


def test_read_lines_is_a_lazy_generator(tmp_path):
    lines = read_lines(tmp_path / "missing.log")  # nothing opened yet
    with pytest.raises(FileNotFoundError):
        next(lines)


def test_read_lines_sees_appended_lines(tmp_path):
    path = tmp_path / "grow.log"
    path.write_text("a\n", encoding="utf-8")
    lines = read_lines(path)
    assert next(lines) == "a"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("b\n")
    assert list(lines) == ["b"]


def test_read_lines_on_shipped_data():
    assert len(list(read_lines(Path("data") / "access.log"))) == 269


# parsing ----------------------------------------------------------------------


def test_parse_line_fields():
    record = parse_line(LINE)
    assert record == LogRecord(
        "10.0.0.2",
        datetime(2024, 3, 15, 9, 58, 5, tzinfo=CST),
        "GET",
        "/a?x=1",
        200,
        512,
    )


def test_parse_line_dash_bytes():
    assert parse_line(LINE.replace(" 512", " -")).bytes == 0


@pytest.mark.parametrize(
    "line",
    [
        "garbage",
        LINE.replace("10.0.0.2", "999.0.0.1"),
        LINE.replace("15/Mar", "31/Feb"),
        LINE.replace(" 200 ", " 700 "),
        LINE.replace("GET", "get"),
    ],
)
def test_parse_line_rejects(line):
    with pytest.raises(ValueError):
        parse_line(line)


def test_parser_counts():
    parser = LogParser()
    records = list(parser.parse([LINE, "", "bad", LINE]))
    assert len(records) == 2
    assert (parser.parsed, parser.malformed) == (2, 1)


def test_parse_is_lazy():
    pulled = []

    def source():
        for line in endless_lines():
            pulled.append(line)
            yield line

    assert len(list(itertools.islice(parse(source()), 3))) == 3
    assert len(pulled) == 3


# filtering and top paths --------------------------------------------------------


def test_filter_status_variants():
    records = [rec(0, status=200), rec(1, status=404), rec(2, status=500)]
    assert [r.status for r in filter_status(records, 404)] == [404]
    assert [r.status for r in filter_status(records, [200, 500])] == [200, 500]
    assert [r.status for r in filter_status(records, "5xx")] == [500]


@pytest.mark.parametrize("codes", ["4x", "9xx", set(), True, ["404"]])
def test_filter_status_rejects_bad_filter_immediately(codes):
    with pytest.raises(ValueError):
        filter_status([], codes)


def test_filter_status_on_endless_stream():
    errors = filter_status(parse(endless_lines()), "4xx")
    assert len(list(itertools.islice(errors, 4))) == 4


def test_top_paths():
    records = [rec(0, "/b"), rec(1, "/a?q=1"), rec(2, "/a"), rec(3, "/c")]
    assert top_paths(iter(records), 2) == [("/a", 2), ("/b", 1)]
    assert top_paths(records, 0) == []
    with pytest.raises(ValueError):
        top_paths(records, -1)


# windows ------------------------------------------------------------------------


def test_window_per_minute_with_gap():
    records = [rec(0), rec(30), rec(130)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert list(window(records)) == [
        (start, 2),
        (start + timedelta(minutes=1), 0),
        (start + timedelta(minutes=2), 1),
    ]


def test_window_five_minutes():
    records = [rec(60 * m) for m in (1, 6, 7)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert list(window(records, minutes=5)) == [
        (start, 1),
        (start + timedelta(minutes=5), 2),
    ]


@pytest.mark.parametrize("minutes", [0, 7, 2.0, False])
def test_window_bad_minutes(minutes):
    with pytest.raises(ValueError):
        window([], minutes=minutes)


def test_window_out_of_order():
    with pytest.raises(ValueError):
        list(window([rec(120), rec(10)]))


def test_window_on_endless_stream():
    windows = window(parse(endless_lines()))
    assert next(windows)[1] == 60
