"""Hidden tests for the log-pipeline exercise (generators, laziness, constant memory)."""

import gc
import itertools
import tracemalloc
import warnings
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

DATA = Path("data") / "access.log"
CST = timezone(timedelta(hours=8))
UTC = timezone.utc

COMBINED = (
    '10.0.0.2 - alice [15/Mar/2024:09:58:05 +0800] "GET /api/items?page=1 HTTP/1.1" '
    '200 14242 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64)"'
)


def log_line(moment, path="/", status=200, size="512", method="GET", ip="10.0.0.1"):
    stamp = moment.strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size}'


class CountingLines:
    """An endless stream of valid log lines (one second apart) that counts pulls."""

    def __init__(self, every=1, bad_every=0):
        self.pulled = 0
        self.every = every
        self.bad_every = bad_every

    def __iter__(self):
        return self

    def __next__(self):
        self.pulled += 1
        if self.bad_every and self.pulled % self.bad_every == 0:
            return "garbage"
        moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(
            seconds=self.every * self.pulled
        )
        status = 404 if self.pulled % 10 == 0 else 200
        return log_line(moment, path=f"/p{self.pulled % 7}", status=status)


def record(moment, path="/", status=200):
    return LogRecord("10.0.0.1", moment, "GET", path, status, 100)


def endless_records(start, step_seconds=1):
    for k in itertools.count():
        yield record(start + timedelta(seconds=step_seconds * k))


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_read_lines_strips_line_endings(tmp_path):
    """read_lines yields every line without its \\n or \\r\\n, last line included"""
    path = tmp_path / "mixed.log"
    path.write_bytes(b"first\r\nsecond\n\nthird line \xe6\x97\xa5\xe5\xbf\x97\nlast")
    assert list(read_lines(path)) == [
        "first",
        "second",
        "",
        "third line 日志",
        "last",
    ]
    assert list(read_lines(str(path))) == list(read_lines(path))


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_read_lines_opens_file_only_when_iterated(tmp_path):
    """Calling read_lines on a missing file raises FileNotFoundError only at next()"""
    lines = read_lines(tmp_path / "missing.log")
    with pytest.raises(FileNotFoundError):
        next(lines)


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_read_lines_reads_incrementally(tmp_path):
    """read_lines does not slurp the file: lines appended after the first next() appear"""
    path = tmp_path / "growing.log"
    path.write_text("one\ntwo\n", encoding="utf-8")
    lines = read_lines(path)
    assert next(lines) == "one"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("three\nfour\n")
    assert list(lines) == ["two", "three", "four"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_read_lines_replaces_invalid_utf8(tmp_path):
    """Bytes that are not UTF-8 become U+FFFD instead of stopping the pipeline"""
    path = tmp_path / "broken.log"
    path.write_bytes(b"ok\nbad \xff\xfe byte\nok again\n")
    assert list(read_lines(path)) == ["ok", "bad \ufffd\ufffd byte", "ok again"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_closing_read_lines_closes_the_file(tmp_path):
    """Closing the generator early closes the file (no 'unclosed file' ResourceWarning)"""
    path = tmp_path / "some.log"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lines = read_lines(path)
        assert next(lines) == "a"
        lines.close()
        del lines
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_read_lines_on_shipped_log():
    """read_lines yields the 269 lines of data/access.log (one of them blank)"""
    lines = list(read_lines(DATA))
    assert len(lines) == 269
    assert lines.count("") == 1
    assert not any(line.endswith(("\n", "\r")) for line in lines)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parse_line_combined_format():
    """parse_line returns a LogRecord with an aware datetime and int status/bytes"""
    result = parse_line(COMBINED)
    assert result == LogRecord(
        ip="10.0.0.2",
        timestamp=datetime(2024, 3, 15, 9, 58, 5, tzinfo=CST),
        method="GET",
        path="/api/items?page=1",
        status=200,
        bytes=14242,
    )
    assert result.timestamp.utcoffset() == timedelta(hours=8)
    assert type(result.status) is int and type(result.bytes) is int


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parse_line_common_format_dash_bytes_ipv6():
    """Common format without referer/agent, '-' bytes as 0, IPv6, trailing newline"""
    line = '2001:db8::7 - - [01/Jan/2024:00:00:59 -0500] "HEAD /x HTTP/2.0" 304 -\n'
    assert parse_line(line) == LogRecord(
        "2001:db8::7",
        datetime(2024, 1, 1, 0, 0, 59, tzinfo=timezone(timedelta(hours=-5))),
        "HEAD",
        "/x",
        304,
        0,
    )


MALFORMED = {
    "empty": "",
    "prose": "this is not a log line",
    "no-bytes": '10.0.0.5 - - [15/Mar/2024:10:01:07 +0800] "GET / HTTP/1.1" 200',
    "bad-month": '10.0.0.6 - - [15/Foo/2024:10:02:10 +0800] "GET / HTTP/1.1" 200 5',
    "impossible-date": '10.0.0.9 - - [31/Feb/2024:10:08:00 +0800] "GET / HTTP/1.1" 200 5',
    "status-letters": '10.0.0.7 - - [15/Mar/2024:10:03:01 +0800] "GET / HTTP/1.1" abc 5',
    "status-range": '10.0.0.7 - - [15/Mar/2024:10:03:01 +0800] "GET / HTTP/1.1" 999 5',
    "dash-request": '10.0.0.8 - - [15/Mar/2024:10:04:30 +0800] "-" 408 0',
    "bad-ip": '999.10.0.1 - - [15/Mar/2024:10:06:40 +0800] "GET / HTTP/1.1" 200 5',
    "lowercase-method": '10.0.0.3 - - [15/Mar/2024:10:10:00 +0800] "get / HTTP/1.1" 200 5',
    "bytes-negative": '10.0.0.3 - - [15/Mar/2024:10:10:00 +0800] "GET / HTTP/1.1" 200 -5',
    "no-protocol": '10.0.0.3 - - [15/Mar/2024:10:10:00 +0800] "GET /" 200 5',
}


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("line", list(MALFORMED.values()), ids=list(MALFORMED))
def test_parse_line_rejects_malformed(line):
    """parse_line raises ValueError for a malformed line"""
    with pytest.raises(ValueError):
        parse_line(line)


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parser_skips_and_counts_malformed_lines():
    """LogParser.parse skips bad lines (counted in malformed) and blank lines (not counted)"""
    base = datetime(2024, 3, 15, 10, 0, tzinfo=CST)
    lines = [
        log_line(base, "/a"),
        "garbage",
        "",
        "   ",
        log_line(base + timedelta(seconds=5), "/b", 404),
        MALFORMED["bad-ip"],
    ]
    parser = LogParser()
    records = list(parser.parse(lines))
    assert [(r.path, r.status) for r in records] == [("/a", 200), ("/b", 404)]
    assert parser.parsed == 2
    assert parser.malformed == 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parser_is_lazy_on_endless_input():
    """parse pulls exactly one line per record it yields, even from an endless stream"""
    source = CountingLines()
    parser = LogParser()
    records = parser.parse(source)
    assert source.pulled == 0
    first = list(itertools.islice(records, 5))
    assert len(first) == 5
    assert source.pulled == 5
    assert parser.parsed == 5


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_parser_counts_are_live():
    """parsed and malformed grow while the records are being pulled"""
    source = CountingLines(bad_every=3)  # lines 3, 6, 9, ... are garbage
    parser = LogParser()
    records = parser.parse(source)
    assert (parser.parsed, parser.malformed) == (0, 0)
    next(records)
    next(records)
    assert (parser.parsed, parser.malformed) == (2, 0)
    next(records)  # skips line 3
    assert (parser.parsed, parser.malformed) == (3, 1)
    assert source.pulled == 4


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_module_parse_matches_parser():
    """parse(lines) yields the same records as LogParser().parse(lines), lazily"""
    lines = [COMBINED, "nope", COMBINED.replace("alice", "bob")]
    assert list(parse(lines)) == list(LogParser().parse(lines))
    assert len(list(parse(lines))) == 2
    assert next(parse(CountingLines())).path == "/p1"


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parser_on_shipped_log():
    """data/access.log holds 260 good records and 8 malformed lines"""
    parser = LogParser()
    records = list(parser.parse(read_lines(DATA)))
    assert (parser.parsed, parser.malformed) == (260, 8)
    assert len(records) == 260
    assert sum(r.bytes for r in records) == 5859145
    assert all(r.timestamp.utcoffset() == timedelta(hours=8) for r in records)
    assert records[0] == LogRecord(
        "10.0.0.2",
        datetime(2024, 3, 15, 9, 58, 5, tzinfo=CST),
        "GET",
        "/api/items?page=1",
        200,
        14242,
    )


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_filter_status_accepts_code_collection_and_class():
    """filter_status keeps records matching one code, a set of codes or a class '4xx'"""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    records = [record(base, f"/{code}", code) for code in (200, 404, 500, 403, 302)]

    def paths(codes):
        return [r.path for r in filter_status(iter(records), codes)]

    assert paths(404) == ["/404"]
    assert paths({500, 302}) == ["/500", "/302"]
    assert paths([200, 999]) == ["/200"]
    assert paths("4xx") == ["/404", "/403"]
    assert paths("5xx") == ["/500"]
    assert paths(201) == []


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_filter_status_validates_at_call_time():
    """An invalid filter ('4x', 'abc', 'xx4', empty set) raises ValueError before next()"""
    for bad in ("4x", "abc", "xx4", "6xx", set()):
        with pytest.raises(ValueError):
            filter_status(iter([]), bad)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_filter_status_is_lazy():
    """filter_status works on an endless stream and pulls only what it needs"""
    source = CountingLines()  # every 10th line is a 404
    errors = filter_status(LogParser().parse(source), 404)
    found = list(itertools.islice(errors, 3))
    assert [r.path for r in found] == ["/p3", "/p6", "/p2"]
    assert source.pulled == 30


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_top_paths_ignores_query_and_breaks_ties_by_path():
    """top_paths drops the query string, sorts by count desc then path asc"""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    paths = ["/b", "/a?x=1", "/c", "/a?x=2", "/b?q", "/c", "/d", "/a"]
    records = (record(base, p) for p in paths)
    assert top_paths(records, 3) == [("/a", 3), ("/b", 2), ("/c", 2)]
    again = (record(base, p) for p in paths)
    assert top_paths(again, 10) == [("/a", 3), ("/b", 2), ("/c", 2), ("/d", 1)]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_top_paths_zero_and_negative():
    """top_paths(..., 0) is [] and a negative n raises ValueError"""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    assert top_paths([record(base)], 0) == []
    assert top_paths([], 3) == []
    with pytest.raises(ValueError):
        top_paths([record(base)], -1)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_top_paths_on_shipped_log():
    """The top 8 paths of data/access.log, ties ordered by path"""
    assert top_paths(parse(read_lines(DATA)), 8) == [
        ("/", 58),
        ("/api/items", 55),
        ("/static/app.js", 34),
        ("/index.html", 27),
        ("/search", 18),
        ("/api/report", 14),
        ("/login", 13),
        ("/static/style.css", 13),
    ]


def _peak_kib(consume):
    gc.collect()
    tracemalloc.start()
    try:
        result = consume()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1024


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_pipeline_runs_in_constant_memory():
    """parse -> filter_status -> top_paths over 40,000 lines keeps peak memory tiny"""
    source = itertools.islice(CountingLines(), 40_000)
    result, peak = _peak_kib(
        lambda: top_paths(filter_status(LogParser().parse(source), "4xx"), 2)
    )
    assert result == [("/p0", 572), ("/p1", 572)]
    assert peak < 3 * 1024, f"peak {peak:.0f} KiB: records are being stored"


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_window_counts_per_minute_with_empty_minutes():
    """window yields (minute_start, count) in order, with 0 for a quiet minute"""
    base = datetime(2024, 3, 15, 10, 0, tzinfo=CST)
    offsets = [5, 20, 59, 61, 185, 190, 199]  # seconds after 10:00
    records = (record(base + timedelta(seconds=s)) for s in offsets)
    assert list(window(records)) == [
        (datetime(2024, 3, 15, 10, 0, tzinfo=CST), 3),
        (datetime(2024, 3, 15, 10, 1, tzinfo=CST), 1),
        (datetime(2024, 3, 15, 10, 2, tzinfo=CST), 0),
        (datetime(2024, 3, 15, 10, 3, tzinfo=CST), 3),
    ]
    assert list(window(iter([]))) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_start_keeps_timezone_and_drops_microseconds():
    """Window starts keep the records' UTC offset and have zero seconds/microseconds"""
    moment = datetime(2024, 3, 15, 23, 59, 59, 999999, tzinfo=CST)
    [(start, count)] = list(window([record(moment)]))
    assert count == 1
    assert start == datetime(2024, 3, 15, 23, 59, tzinfo=CST)
    assert start.utcoffset() == timedelta(hours=8)
    assert (start.second, start.microsecond) == (0, 0)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_window_is_lazy_on_endless_input():
    """window yields each minute as soon as the next minute starts (endless input)"""
    start = datetime(2024, 1, 1, 12, 0, 30, tzinfo=UTC)
    pulled = []

    def records():
        for item in endless_records(start, step_seconds=10):
            pulled.append(item)
            yield item

    windows = window(records())
    assert next(windows) == (datetime(2024, 1, 1, 12, 0, tzinfo=UTC), 3)
    assert len(pulled) == 4  # 12:00:30, :40, :50 and the first record of 12:01
    assert next(windows) == (datetime(2024, 1, 1, 12, 1, tzinfo=UTC), 6)
    assert len(pulled) == 10


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_five_minutes():
    """window(records, minutes=5) floors starts to multiples of 5 minutes"""
    base = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    minutes = [3, 4, 7, 16, 19]
    records = [record(base + timedelta(minutes=m)) for m in minutes]
    assert list(window(records, minutes=5)) == [
        (datetime(2024, 1, 1, 9, 0, tzinfo=UTC), 2),
        (datetime(2024, 1, 1, 9, 5, tzinfo=UTC), 1),
        (datetime(2024, 1, 1, 9, 10, tzinfo=UTC), 0),
        (datetime(2024, 1, 1, 9, 15, tzinfo=UTC), 2),
    ]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_rejects_bad_size_at_call_time():
    """window raises ValueError immediately for minutes that do not divide 60"""
    for bad in (0, -5, 7, 45, 1.5):
        with pytest.raises(ValueError):
            window(iter([]), minutes=bad)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_rejects_out_of_order_records():
    """A record from an earlier minute than the current window raises ValueError"""
    base = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    records = [
        record(base + timedelta(seconds=10)),
        record(base + timedelta(seconds=5)),  # same minute: fine
        record(base + timedelta(seconds=70)),
        record(base + timedelta(seconds=50)),  # back in 09:00: not fine
    ]
    windows = window(records)
    assert next(windows) == (base, 2)
    with pytest.raises(ValueError):
        list(windows)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_on_shipped_log():
    """Per-minute counts of data/access.log: 14 minutes, 10:05 empty"""
    counts = [(s.strftime("%H:%M"), c) for s, c in window(parse(read_lines(DATA)))]
    assert counts == [
        ("09:58", 16),
        ("09:59", 20),
        ("10:00", 21),
        ("10:01", 20),
        ("10:02", 21),
        ("10:03", 19),
        ("10:04", 22),
        ("10:05", 0),
        ("10:06", 21),
        ("10:07", 26),
        ("10:08", 22),
        ("10:09", 16),
        ("10:10", 20),
        ("10:11", 16),
    ]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_runs_in_constant_memory():
    """window over 20,000 records (an hour and more) does not store the records"""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    records = itertools.islice(endless_records(start, step_seconds=1), 20_000)
    result, peak = _peak_kib(lambda: sum(1 for _ in window(records)))
    assert result == 334
    assert peak < 1024, f"peak {peak:.0f} KiB: records are being stored"
