"""Hidden tests for the log-pipeline exercise: generators, laziness, memory.

The solution runs in another process: paths are passed as str, records come back
as plain tuples (ip, timestamp, method, path, status, bytes), and the records fed to
filter_status/top_paths/window are made by the solution's own parse().

Laziness is checked from the tests' side: endless iterators count what the solution
pulls, and an endless file (a named pipe a thread of the tests keeps writing) counts
the lines handed over before the first result comes back. The memory of a whole
pipeline is read from the kernel (/proc) while the file streams through it.
"""

import contextlib
import errno
import gc
import itertools
import os
import select
import threading
import warnings
from datetime import datetime, timedelta, timezone

import pytest

from log_pipeline import (
    LogParser,
    filter_status,
    parse,
    parse_line,
    read_lines,
    top_paths,
    window,
)
from grader.testing import student_pid


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


DATA = "data/access.log"
CST = timezone(timedelta(hours=8))
UTC = timezone.utc
IP, TIMESTAMP, METHOD, PATH, STATUS, BYTES = range(6)

COMBINED = (
    '10.0.0.2 - alice [15/Mar/2024:09:58:05 +0800] "GET /api/items?page=1 HTTP/1.1" '
    '200 14242 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64)"'
)


def log_line(moment, path="/", status=200, size="512", method="GET", ip="10.0.0.1"):
    stamp = moment.strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size}'


def lines_at(seconds, base=datetime(2024, 1, 1, tzinfo=UTC), path="/", status=200):
    """One log line per offset (in seconds) after base."""
    return [log_line(base + timedelta(seconds=s), path, status) for s in seconds]


# The "endless" inputs stop the test with a clear message once far more items have
# been pulled than any lazy implementation needs, instead of filling the memory.
ENDLESS_CAP = 2_000
NOT_LAZY = "pulled over 2,000 items from an endless input: something is not lazy"


class CountingLines:
    """An endless stream of log lines, `step` seconds apart, that counts pulls.

    Line k (from 1) has path /p{k % 7} and status 404 when k % 10 == 0, else 200;
    with bad_every=m, every m-th line is garbage instead.
    """

    def __init__(self, bad_every=0, step=1, start=datetime(2024, 1, 1, tzinfo=UTC)):
        self.pulled = 0
        self.bad_every = bad_every
        self.step = step
        self.start = start

    def __iter__(self):
        return self

    def __next__(self):
        self.pulled += 1
        if self.pulled > ENDLESS_CAP:
            raise AssertionError(NOT_LAZY)
        if self.bad_every and self.pulled % self.bad_every == 0:
            return "garbage"
        moment = self.start + timedelta(seconds=self.step * self.pulled)
        status = 404 if self.pulled % 10 == 0 else 200
        return log_line(moment, path=f"/p{self.pulled % 7}", status=status)


def endless_lines(step=1, start=datetime(2024, 1, 1, tzinfo=UTC)):
    """The lines of CountingLines, without a cap."""
    for k in itertools.count(1):
        moment = start + timedelta(seconds=step * k)
        yield log_line(moment, path=f"/p{k % 7}", status=404 if k % 10 == 0 else 200)


class EndlessFile:
    """A named pipe that a thread of the tests keeps writing lines into: to the code that
    reads it, a log file still being written, which ends after `limit` lines. `written`
    counts the lines handed over; a pipe holds only 64 KiB, so a reader that takes lines
    as they come has seen nearly all of them, and one that waits for the end of the file
    gets all `limit` first. `watch` maps line counts to functions called once that many
    lines are written; what they raise is kept in `errors`."""

    def __init__(self, path, lines, limit, watch=None):
        self.path = str(path)
        os.mkfifo(self.path, 0o666)
        self.lines = lines
        self.limit = limit
        self.watch = watch or {}
        self.written = 0
        self.errors = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self):
        fd = self._open()
        if fd is None:
            return
        try:
            for line in itertools.islice(self.lines, self.limit):
                data = (line + "\n").encode("utf-8")  # < PIPE_BUF: written whole or not
                while not self._try_write(fd, data):
                    if self.stopped.is_set():
                        return
                    select.select([], [fd], [], 0.05)
                self.written += 1
                if self.written in self.watch:
                    try:
                        self.watch[self.written]()
                    except Exception as exc:  # reported by the test, not the thread
                        self.errors.append(exc)
        except BrokenPipeError:  # the reader closed the file
            pass
        finally:
            os.close(fd)

    def _open(self):
        # Non-blocking: the test can stop a writer whose reader never comes.
        while not self.stopped.is_set():
            try:
                return os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: nobody has opened it to read yet
                    raise
                self.stopped.wait(0.005)
        return None

    @staticmethod
    def _try_write(fd, data):
        try:
            os.write(fd, data)
        except BlockingIOError:
            return False
        return True

    def finish(self):
        self.stopped.set()
        self.thread.join(5)


@pytest.fixture
def endless_file(tmp_path):
    """Make EndlessFile(tmp_path/name, lines, limit, watch); writers stop after the test."""
    files = []

    def make(lines, limit, watch=None, name="endless.log"):
        files.append(EndlessFile(tmp_path / name, lines, limit, watch))
        return files[-1]

    yield make
    for file in files:
        file.finish()


# A reader that takes lines as they come is at most a pipe (64 KiB) and a read buffer
# behind the writer: about a thousand of these lines. One that waits for the end of the
# file gets all ENDLESS_FILE_LIMIT first.
ENDLESS_FILE_LIMIT = 20_000
AHEAD_AT_MOST = 5_000


def rss_kib(pid):
    """The resident memory of process `pid` as the kernel counts it."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_read_lines_strips_line_endings(tmp_path):
    """read_lines yields every line without its \\n or \\r\\n, last line included"""
    path = tmp_path / "mixed.log"
    path.write_bytes(b"first\r\nsecond\n\nthird line \xe6\x97\xa5\xe5\xbf\x97\nlast")
    assert list(read_lines(str(path))) == [
        "first",
        "second",
        "",
        "third line 日志",
        "last",
    ]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_read_lines_opens_file_only_when_iterated(tmp_path):
    """Calling read_lines on a missing file raises FileNotFoundError only at next()"""
    lines = read_lines(str(tmp_path / "missing.log"))
    with pytest.raises(FileNotFoundError):
        next(lines)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_read_lines_reads_incrementally(tmp_path):
    """read_lines reads incrementally: lines appended after the first next() appear"""
    path = tmp_path / "growing.log"
    path.write_text("one\ntwo\n", encoding="utf-8")
    lines = read_lines(str(path))
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
    assert list(read_lines(str(path))) == ["ok", "bad \ufffd\ufffd byte", "ok again"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_closing_read_lines_closes_the_file(tmp_path):
    """Closing the generator early closes the file (no unclosed-file ResourceWarning)"""
    path = tmp_path / "some.log"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lines = read_lines(str(path))
        assert next(lines) == "a"
        lines.close()
        del lines
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    path.unlink()  # the file can go away: nobody reads it any more


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
    """parse_line returns (ip, aware datetime, method, path, status, bytes)"""
    result = parse_line(COMBINED)
    assert tuple(result) == (
        "10.0.0.2",
        datetime(2024, 3, 15, 9, 58, 5, tzinfo=CST),
        "GET",
        "/api/items?page=1",
        200,
        14242,
    )
    assert result[TIMESTAMP].utcoffset() == timedelta(hours=8)
    assert type(result[STATUS]) is int and type(result[BYTES]) is int


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parse_line_common_format_dash_bytes_ipv6():
    """Common format without referer/agent, '-' bytes as 0, IPv6, trailing newline"""
    line = '2001:db8::7 - - [01/Jan/2024:00:00:59 -0500] "HEAD /x HTTP/2.0" 304 -\n'
    assert tuple(parse_line(line)) == (
        "2001:db8::7",
        datetime(2024, 1, 1, 0, 0, 59, tzinfo=timezone(timedelta(hours=-5))),
        "HEAD",
        "/x",
        304,
        0,
    )


GOOD = '10.0.0.3 - - [15/Mar/2024:10:10:00 +0800] "GET / HTTP/1.1" 200 5'

MALFORMED = {
    "empty": "",
    "prose": "this is not a log line",
    "no-bytes": GOOD[: -len(" 5")],
    "bad-month": GOOD.replace("Mar", "Foo"),
    "impossible-date": GOOD.replace("15/Mar", "31/Feb"),
    "bad-hour": GOOD.replace("10:10:00", "25:10:00"),
    "status-letters": GOOD.replace(" 200 ", " abc "),
    "status-range": GOOD.replace(" 200 ", " 999 "),
    "dash-request": '10.0.0.8 - - [15/Mar/2024:10:04:30 +0800] "-" 408 0',
    "bad-ip": GOOD.replace("10.0.0.3", "999.10.0.1"),
    "hostname": GOOD.replace("10.0.0.3", "localhost"),
    "lowercase-method": GOOD.replace("GET", "get"),
    "bytes-negative": GOOD.replace(" 5", " -5"),
    "no-protocol": GOOD.replace(" HTTP/1.1", ""),
    "no-brackets": GOOD.replace("[", "").replace("]", ""),
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
@pytest.mark.core
def test_parser_skips_and_counts_malformed_lines():
    """LogParser.parse skips bad lines (counted as malformed) and blank lines (not)"""
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
    assert [(r[PATH], r[STATUS]) for r in records] == [("/a", 200), ("/b", 404)]
    assert parser.parsed == 2
    assert parser.malformed == 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_parser_is_lazy_on_endless_input():
    """parse pulls exactly one line per record it yields, even from an endless stream"""
    source = CountingLines()
    parser = LogParser()
    records = parser.parse(source)
    assert source.pulled == 0
    first = list(itertools.islice(records, 5))
    assert [r[PATH] for r in first] == ["/p1", "/p2", "/p3", "/p4", "/p5"]
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
    source = CountingLines()
    assert next(parse(source))[PATH] == "/p1"
    assert source.pulled == 1


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_parser_is_lazy_on_an_endless_file(endless_file):
    """read_lines -> LogParser.parse yields records while the file is still growing"""
    log = endless_file(endless_lines(), ENDLESS_FILE_LIMIT)
    parser = LogParser()
    records = parser.parse(read_lines(log.path))
    first = list(itertools.islice(records, 5))
    written = log.written
    records.close()
    assert [r[PATH] for r in first] == ["/p1", "/p2", "/p3", "/p4", "/p5"]
    assert parser.parsed == 5
    assert written < AHEAD_AT_MOST, (
        f"the first records came back after {written:,} lines were written: "
        "lines or records are being stored until the end of the file"
    )


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parser_on_shipped_log():
    """data/access.log holds 260 good records and 8 malformed lines"""
    parser = LogParser()
    records = list(parser.parse(read_lines(DATA)))
    assert (parser.parsed, parser.malformed) == (260, 8)
    assert len(records) == 260
    assert sum(r[BYTES] for r in records) == 5859145
    assert all(r[TIMESTAMP].utcoffset() == timedelta(hours=8) for r in records)
    assert tuple(records[0]) == (
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
    lines = [log_line(base, f"/{code}", code) for code in (200, 404, 500, 403, 302)]

    def paths(codes):
        return [r[PATH] for r in filter_status(parse(lines), codes)]

    assert paths(404) == ["/404"]
    assert paths({500, 302}) == ["/500", "/302"]
    assert paths([200, 999]) == ["/200"]
    assert paths("4xx") == ["/404", "/403"]
    assert paths("5xx") == ["/500"]
    assert paths(201) == []


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_filter_status_validates_at_call_time():
    """An invalid filter ('4x', 'abc', '6xx', empty set) raises ValueError at once"""
    for bad in ("4x", "abc", "xx4", "6xx", set()):
        with raises_for(bad, ValueError):
            filter_status(parse([]), bad)


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_filter_status_is_lazy():
    """filter_status works on an endless stream and pulls only what it needs"""
    source = CountingLines()  # every 10th line is a 404
    errors = filter_status(LogParser().parse(source), 404)
    found = list(itertools.islice(errors, 3))
    assert [r[PATH] for r in found] == ["/p3", "/p6", "/p2"]
    assert source.pulled == 30


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_top_paths_ignores_query_and_breaks_ties_by_path():
    """top_paths drops the query string, sorts by count desc then path asc"""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    paths = ["/b", "/a?x=1", "/c", "/a?x=2", "/b?q", "/c", "/d", "/a"]
    lines = [log_line(base, p) for p in paths]
    assert top_paths(parse(lines), 3) == [("/a", 3), ("/b", 2), ("/c", 2)]
    assert top_paths(parse(lines), 10) == [("/a", 3), ("/b", 2), ("/c", 2), ("/d", 1)]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_top_paths_zero_and_negative():
    """top_paths(..., 0) is [] and a negative n raises ValueError"""
    line = log_line(datetime(2024, 1, 1, tzinfo=UTC))
    assert top_paths(parse([line]), 0) == []
    assert top_paths(parse([]), 3) == []
    with pytest.raises(ValueError):
        top_paths(parse([line]), -1)


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


# Each block of the stream: path, status. With {200, 404} it keeps "/" 3 times, "/api" 3
# (its query dropped), "/health" and "/login" once each.
TEN_REQUESTS = [
    ("/", 200),
    ("/", 200),
    ("/", 404),
    ("/", 500),
    ("/api?page=1", 200),
    ("/api?page=2", 200),
    ("/api", 200),
    ("/login", 401),
    ("/login", 200),
    ("/health", 200),
]
BLOCKS = 1_200
# Every query is this long, so a record holds 3 KiB: storing the records (or the lines)
# of the stream takes over 20 MiB, counting them a few KiB.
LONG_QUERY = "&".join(f"k{i}=" + "v" * 25 for i in range(100))


def long_lines(step=0):
    """BLOCKS times TEN_REQUESTS, `step` seconds apart from 2024-01-01 00:00:01 UTC."""
    first = datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)
    moments = (first + timedelta(seconds=step * k) for k in itertools.count())
    for _ in range(BLOCKS):
        for (path, status), moment in zip(TEN_REQUESTS, moments):
            joiner = "&" if "?" in path else "?"
            yield log_line(moment, path + joiner + LONG_QUERY, status)


def memory_watch(marks=(2_000, 12_000)):
    """(rss, watch): watch for EndlessFile that puts the resident KiB of the solution's
    process into rss[n] once n lines are written."""
    pid = student_pid()
    rss = {}
    return rss, {n: lambda n=n: rss.setdefault(n, rss_kib(pid)) for n in marks}


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_filter_and_top_paths_do_not_store_the_records(endless_file):
    """read_lines -> parse -> filter_status -> top_paths keeps its memory flat"""
    rss, watch = memory_watch()
    log = endless_file(long_lines(), BLOCKS * len(TEN_REQUESTS), watch)
    result = top_paths(filter_status(parse(read_lines(log.path)), {200, 404}), 3)
    assert result == [("/", 3_600), ("/api", 3_600), ("/health", 1_200)]
    assert not log.errors and len(rss) == 2, f"memory not measured: {log.errors}"
    grown = rss[12_000] - rss[2_000]
    assert grown < 8 * 1024, (
        f"the process running the pipeline grew by {grown:,} KiB over 10,000 records "
        "of 3 KiB: the records (or the lines) are being stored"
    )


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_window_counts_per_minute_with_empty_minutes():
    """window yields (minute_start, count) in order, with 0 for a quiet minute"""
    base = datetime(2024, 3, 15, 10, 0, tzinfo=CST)
    lines = lines_at([5, 20, 59, 61, 185, 190, 199], base)
    assert list(window(parse(lines))) == [
        (datetime(2024, 3, 15, 10, 0, tzinfo=CST), 3),
        (datetime(2024, 3, 15, 10, 1, tzinfo=CST), 1),
        (datetime(2024, 3, 15, 10, 2, tzinfo=CST), 0),
        (datetime(2024, 3, 15, 10, 3, tzinfo=CST), 3),
    ]
    assert list(window(parse([]))) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_start_keeps_timezone_and_floors_the_minute():
    """Window starts keep the records' UTC offset and have zero seconds"""
    base = datetime(2024, 3, 15, 23, 59, 0, tzinfo=CST)
    [(start, count)] = list(window(parse(lines_at([59], base))))
    assert count == 1
    assert start == datetime(2024, 3, 15, 23, 59, tzinfo=CST)
    assert start.utcoffset() == timedelta(hours=8)
    assert (start.second, start.microsecond) == (0, 0)


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_window_is_lazy_on_endless_input():
    """window yields each minute as soon as the next minute starts (endless input)"""
    start = datetime(2024, 1, 1, 12, 0, 20, tzinfo=UTC)
    source = CountingLines(step=10, start=start)  # 12:00:30, 12:00:40, ...
    windows = window(parse(source))
    assert next(windows) == (datetime(2024, 1, 1, 12, 0, tzinfo=UTC), 3)
    assert source.pulled == 4  # :30, :40, :50 and the first line of 12:01
    assert next(windows) == (datetime(2024, 1, 1, 12, 1, tzinfo=UTC), 6)
    assert source.pulled == 10


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_five_minutes():
    """window(records, minutes=5) floors starts to multiples of 5 minutes"""
    base = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    lines = lines_at([60 * m for m in (3, 4, 7, 16, 19)], base)
    assert list(window(parse(lines), minutes=5)) == [
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
        with raises_for(bad, ValueError):
            window(parse([]), minutes=bad)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_window_rejects_out_of_order_records():
    """A record from an earlier minute than the current window raises ValueError"""
    base = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    # 09:00:10, 09:00:05 (same minute: fine), 09:01:10, 09:00:50 (back: not fine)
    windows = window(parse(lines_at([10, 5, 70, 50], base)))
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
def test_window_streams_a_file_keeping_only_the_count(endless_file):
    """window yields each minute of a growing file as the next starts; memory stays flat"""
    rss, watch = memory_watch()
    log = endless_file(long_lines(step=1), BLOCKS * len(TEN_REQUESTS), watch)
    windows = window(parse(read_lines(log.path)))
    first = next(windows)
    written = log.written
    rest = list(windows)
    assert first == (datetime(2024, 1, 1, 0, 0, tzinfo=UTC), 59)
    assert written < AHEAD_AT_MOST, (
        f"the first minute came back after {written:,} lines were written: "
        "records are being stored until the end of the file"
    )
    assert len(rest) == 200 and rest[-1] == (datetime(2024, 1, 1, 3, 20, tzinfo=UTC), 1)
    assert sum(count for _, count in rest) == 12_000 - 59
    assert not log.errors and len(rss) == 2, f"memory not measured: {log.errors}"
    grown = rss[12_000] - rss[2_000]
    assert grown < 8 * 1024, (
        f"the process running window grew by {grown:,} KiB over 10,000 records of "
        "3 KiB: the records are being stored"
    )
