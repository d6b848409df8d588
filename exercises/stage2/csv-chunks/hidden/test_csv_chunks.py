import gc
import os
import threading

import numpy as np
import pandas as pd
import pytest

from csv_chunks import COLUMNS, read_chunks, summarize

from grader.testing import student_pid

HEADER = "tx_id,date,customer_id,category,amount\n"


def write_csv(tmp_path, text, name="tx.csv"):
    """Write a CSV file and return its path as a str (what summarize receives)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def rows_csv(tmp_path, rows, name="tx.csv", header=HEADER):
    lines = [",".join(str(v) for v in row) for row in rows]
    return write_csv(tmp_path, header + "".join(line + "\n" for line in lines), name)


def category_table(df):
    """The categories frame as plain data, after checking its shape."""
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["count", "total", "mean"]
    assert df.index.name == "category"
    assert pd.api.types.is_integer_dtype(df["count"])
    return {
        str(name): (int(row["count"]), float(row["total"]), float(row["mean"]))
        for name, row in df.iterrows()
    }


def day_label(label):
    """'YYYY-MM-DD' of a daily index label, which must be a midnight Timestamp."""
    # A DatetimeIndex may reach the test as an Index of stand-ins for the
    # student's Timestamps: check the class name, then parse the text.
    if getattr(type(label), "_grader_proxy", False):
        assert repr(label).startswith("Timestamp("), f"{label!r} is no Timestamp"
    else:
        assert isinstance(label, pd.Timestamp), f"{label!r} is not a Timestamp"
    stamp = pd.Timestamp(str(label))
    assert stamp == stamp.normalize(), f"{label} is not a date (midnight)"
    return stamp.strftime("%Y-%m-%d")


def daily_pairs(series):
    """The daily series as [("YYYY-MM-DD", total), ...] after checking its shape."""
    assert isinstance(series, pd.Series)
    assert series.name == "amount"
    assert series.index.name == "date"
    assert pd.api.types.is_float_dtype(series)
    if isinstance(series.index, pd.DatetimeIndex):
        labels = list(series.index.strftime("%Y-%m-%d"))
    else:
        labels = [day_label(label) for label in series.index]
    return list(zip(labels, (float(v) for v in series)))


# A small file where every part of the summary is easy to check by hand.
SMALL_ROWS = [
    (1, "2023-02-03", 101, "books", "12.50"),
    (2, "2023-02-01", 102, "toys", "30.00"),
    (3, "2023-02-03", 101, "toys", "7.25"),
    (4, "2023-01-30", 103, "books", "20.00"),
    (5, "2023-02-01", 104, "garden", "99.99"),
    (6, "2023-02-03", 102, "books", "0.10"),
    (7, "2023-01-30", 101, "toys", "0.20"),
]


@pytest.fixture
def small(tmp_path):
    return rows_csv(tmp_path, SMALL_ROWS)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_read_chunks_splits_rows_by_chunksize(small):
    """read_chunks yields chunks of at most chunksize rows, in file order"""
    chunks = list(read_chunks(small, chunksize=3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    ids = [int(v) for c in chunks for v in c["tx_id"]]
    assert ids == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_read_chunks_explicit_dtypes(small):
    """Chunks have the columns of COLUMNS with int64/datetime/int32/category/float64"""
    assert COLUMNS == ["tx_id", "date", "customer_id", "category", "amount"]
    chunk = next(iter(read_chunks(small, chunksize=10)))
    assert list(chunk.columns) == COLUMNS
    assert chunk["tx_id"].dtype == np.int64
    assert pd.api.types.is_datetime64_dtype(chunk["date"])
    assert chunk["customer_id"].dtype == np.int32
    assert isinstance(chunk["category"].dtype, pd.CategoricalDtype)
    assert chunk["amount"].dtype == np.float64
    assert chunk["date"].iloc[0] == pd.Timestamp("2023-02-03")
    assert [str(v) for v in chunk["category"]][:3] == ["books", "toys", "toys"]
    assert chunk["amount"].iloc[4] == pytest.approx(99.99)


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_read_chunks_reorders_and_drops_extra_columns(tmp_path):
    """Columns in another order plus an extra column: chunks hold COLUMNS only"""
    text = (
        "amount,note,category,customer_id,date,tx_id\n"
        '5.5,"hello, world",books,7,2023-03-01,11\n'
        "1.25,,toys,8,2023-03-02,12\n"
    )
    chunks = list(read_chunks(write_csv(tmp_path, text), chunksize=5))
    assert len(chunks) == 1
    chunk = chunks[0]
    assert list(chunk.columns) == COLUMNS
    assert chunk["tx_id"].tolist() == [11, 12]
    assert chunk["customer_id"].tolist() == [7, 8]
    assert chunk["amount"].tolist() == [5.5, 1.25]
    assert chunk["customer_id"].dtype == np.int32


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_read_chunks_header_only_yields_nothing(tmp_path):
    """A header-only file yields no chunk at all (not an empty DataFrame)"""
    assert list(read_chunks(write_csv(tmp_path, HEADER), chunksize=10)) == []


@pytest.mark.task(1)
@pytest.mark.points(3)
def test_missing_columns_raise_value_error_naming_them(tmp_path):
    """A file without 'amount' and 'category' raises ValueError naming both"""
    path = write_csv(tmp_path, "tx_id,date,customer_id\n1,2023-01-01,5\n")
    with pytest.raises(ValueError) as info:
        list(read_chunks(path, chunksize=10))
    assert "amount" in str(info.value) and "category" in str(info.value)
    with pytest.raises(ValueError) as info:
        summarize(path)
    assert "amount" in str(info.value) and "category" in str(info.value)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_missing_column_in_header_only_file_raises(tmp_path):
    """A header-only file that lacks 'date' raises ValueError naming it"""
    path = write_csv(tmp_path, "tx_id,customer_id,category,amount\n")
    with pytest.raises(ValueError, match="date"):
        summarize(path)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize("chunksize", [0, -5, 2.5, True, "10", None])
def test_bad_chunksize_raises_value_error(small, chunksize):
    """A chunksize that is not a positive int raises ValueError"""
    with pytest.raises(ValueError):
        list(read_chunks(small, chunksize=chunksize))
    with pytest.raises(ValueError):
        summarize(small, chunksize=chunksize)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_summary_rows_and_categories(small):
    """rows and the categories table (count, total, mean) of a small file"""
    result = summarize(small, chunksize=3)
    assert result["rows"] == 7
    table = category_table(result["categories"])
    assert list(result["categories"].index) == ["books", "garden", "toys"]
    assert table["books"][:2] == (3, 32.6)
    assert table["books"][2] == pytest.approx(32.6 / 3, rel=1e-12)
    assert table["garden"] == (1, 99.99, pytest.approx(99.99))
    assert table["toys"][:2] == (3, 37.45)
    assert table["toys"][2] == pytest.approx(37.45 / 3, rel=1e-12)


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.parametrize("chunksize", [1, 2, 4, 100])
@pytest.mark.core
def test_categories_do_not_depend_on_chunksize(tmp_path, chunksize):
    """Counts, totals and means do not depend on the chunksize (no mean of means)"""
    rows = [(i, "2023-05-01", 1, "ab"[i % 3 == 0], f"{i * i}.00") for i in range(9)]
    rows += [(9, "2023-05-02", 2, "a", "1000.00")]
    result = summarize(rows_csv(tmp_path, rows), chunksize=chunksize)
    table = category_table(result["categories"])
    assert table["a"][:2] == (7, 1000.0 + 1 + 4 + 16 + 25 + 49 + 64)
    assert table["a"][2] == pytest.approx(1159.0 / 7, rel=1e-12)
    assert table["b"] == (3, 0.0 + 9 + 36, pytest.approx(15.0))


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_totals_are_rounded_to_cents(tmp_path):
    """Category totals are rounded to 2 decimals: 0.1 + 0.2 gives exactly 0.3"""
    rows = [(1, "2023-01-01", 5, "x", "0.1"), (2, "2023-01-01", 5, "x", "0.2")]
    result = summarize(rows_csv(tmp_path, rows), chunksize=1)
    count, total, mean = category_table(result["categories"])["x"]
    assert (count, total) == (2, 0.3)
    assert mean == pytest.approx(0.15)


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_header_only_file_gives_an_empty_summary(tmp_path):
    """A header-only file: 0 rows, an empty categories table with the three columns"""
    result = summarize(write_csv(tmp_path, HEADER))
    assert result["rows"] == 0
    assert category_table(result["categories"]) == {}
    assert result["top_customers"] == []
    assert len(result["daily"]) == 0
    assert result["daily"].name == "amount"


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_completely_empty_file_raises_value_error(tmp_path):
    """A 0-byte file (no header at all) raises ValueError"""
    with pytest.raises(ValueError):
        summarize(write_csv(tmp_path, ""))


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_top_customers_small_file(small):
    """top_customers lists (customer_id, total) pairs, largest total first"""
    result = summarize(small, chunksize=2, top_n=3)
    assert result["top_customers"] == [(104, 99.99), (102, 30.1), (103, 20.0)]
    for cid, total in result["top_customers"]:
        assert type(cid) is int, f"for {(cid, total)!r}"
        assert isinstance(total, float), f"for {(cid, total)!r}"


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_top_customers_are_global_not_per_chunk(tmp_path):
    """A customer who is never the best of a chunk can still be the best overall"""
    rows = []
    for i in range(4):
        rows.append((2 * i, "2023-01-01", 1, "a", "40.00"))
        rows.append((2 * i + 1, "2023-01-01", 10 + i, "a", "50.00"))
    result = summarize(rows_csv(tmp_path, rows), chunksize=2, top_n=2)
    assert result["top_customers"] == [(1, 160.0), (10, 50.0)]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_top_customer_ties_by_id(tmp_path):
    """Equal totals are ordered by customer id ascending"""
    rows = [
        (1, "2023-01-01", 30, "a", "10.25"),
        (2, "2023-01-01", 20, "a", "10.00"),
        (3, "2023-01-01", 20, "a", "0.25"),
        (4, "2023-01-01", 25, "a", "10.25"),
        (5, "2023-01-01", 5, "a", "1.00"),
    ]
    result = summarize(rows_csv(tmp_path, rows), chunksize=2, top_n=4)
    assert result["top_customers"] == [(20, 10.25), (25, 10.25), (30, 10.25), (5, 1.0)]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_top_n_bounds(small):
    """top_n=0 gives [], a top_n above the customer count gives every customer"""
    assert summarize(small, top_n=0)["top_customers"] == []
    everyone = summarize(small, top_n=50)["top_customers"]
    assert [cid for cid, _ in everyone] == [104, 102, 103, 101]
    assert everyone[1] == (102, 30.1)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_negative_top_n_raises_before_reading(tmp_path):
    """A negative top_n raises ValueError before the file is even opened"""
    with pytest.raises(ValueError):
        summarize(str(tmp_path / "does-not-exist.csv"), top_n=-1)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_daily_series_fills_missing_days(small):
    """daily covers every day from first to last date, 0.0 where nothing was sold"""
    pairs = daily_pairs(summarize(small, chunksize=2)["daily"])
    assert pairs == [
        ("2023-01-30", 20.2),
        ("2023-01-31", 0.0),
        ("2023-02-01", 129.99),
        ("2023-02-02", 0.0),
        ("2023-02-03", 19.85),
    ]


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.parametrize("chunksize", [1, 3])
@pytest.mark.core
def test_daily_adds_days_split_across_chunks(tmp_path, chunksize):
    """A day whose rows fall in different chunks is summed, not overwritten"""
    rows = [
        (1, "2024-02-29", 1, "a", "1.10"),
        (2, "2024-02-28", 1, "a", "5.00"),
        (3, "2024-02-29", 1, "a", "2.20"),
        (4, "2024-03-01", 1, "a", "0.01"),
        (5, "2024-02-29", 1, "a", "3.30"),
    ]
    result = summarize(rows_csv(tmp_path, rows), chunksize=chunksize)
    pairs = daily_pairs(result["daily"])
    assert pairs == [("2024-02-28", 5.0), ("2024-02-29", 6.6), ("2024-03-01", 0.01)]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_daily_single_day(tmp_path):
    """A file with one date gives a one-entry daily series"""
    rows = [(1, "2023-07-04", 1, "a", "2.50"), (2, "2023-07-04", 2, "b", "2.50")]
    assert daily_pairs(summarize(rows_csv(tmp_path, rows))["daily"]) == [
        ("2023-07-04", 5.0)
    ]


# ------------------------------------------------- task 5: the 100 MB stream
#
# The sandbox's /tmp is small, so the big file is never written to disk: the test
# serves it through a named pipe (FIFO) from a background thread, block by block.
# Every open of the path gets the whole file again, from the header on.

BIG_HEADER = HEADER.encode()
CATEGORIES = [
    "books",
    "clothing",
    "electronics",
    "garden",
    "grocery",
    "health",
    "home",
    "sports",
    "toys",
    "travel",
]
CAT_WEIGHTS = np.array([12, 14, 9, 6, 25, 8, 10, 7, 5, 4], dtype=float)
CAT_WEIGHTS /= CAT_WEIGHTS.sum()
CAT_BASE_CENTS = np.array(
    [1500, 4000, 25000, 3000, 2500, 1800, 6000, 4500, 2200, 40000]
)
N_BLOCKS, BLOCK_ROWS = 50, 50_000
BIG_ROWS = N_BLOCKS * BLOCK_ROWS
N_CUSTOMERS, FIRST_CUSTOMER = 50_000, 10_000
N_DAYS = 365
FIRST_DAY = np.datetime64("2023-01-01")
CUST_CDF = np.cumsum(1.0 / np.arange(1, N_CUSTOMERS + 1) ** 0.6)
CUST_CDF /= CUST_CDF[-1]
CAT_CDF = np.cumsum(CAT_WEIGHTS)
CAT_CDF /= CAT_CDF[-1]
CUST_IDS = np.random.default_rng(7).permutation(N_CUSTOMERS) + FIRST_CUSTOMER


def _digit_table(width):
    powers = 10 ** np.arange(width - 1, -1, -1)
    return ((np.arange(10**width)[:, None] // powers) % 10 + 48).astype(np.uint8)


D2, D3, D4, D5 = (_digit_table(w) for w in (2, 3, 4, 5))
DATE_BYTES = np.frombuffer(
    "".join(str(FIRST_DAY + d) for d in range(N_DAYS)).encode(), np.uint8
).reshape(N_DAYS, 10)
CAT_WIDTH = max(map(len, CATEGORIES))
CAT_BYTES = np.zeros((len(CATEGORIES), CAT_WIDTH), np.uint8)
for _k, _name in enumerate(CATEGORIES):
    CAT_BYTES[_k, : len(_name)] = np.frombuffer(_name.encode(), np.uint8)
CAT_LENGTHS = np.array([len(c) for c in CATEGORIES])
CAT_MASK = np.arange(CAT_WIDTH)[None, :] < CAT_LENGTHS[:, None]


def big_block(i):
    """Block i of the big file as arrays: tx id, day, customer, category, cents."""
    rng = np.random.default_rng([20240601, i])
    n = BLOCK_ROWS
    tx = np.arange(i * n, (i + 1) * n, dtype=np.int64) + 10_000_001
    day = rng.integers(0, N_DAYS, n)
    cust = CUST_IDS[np.searchsorted(CUST_CDF, rng.random(n), side="right")]
    cat = np.searchsorted(CAT_CDF, rng.random(n), side="right")
    cents = (CAT_BASE_CENTS[cat] * rng.lognormal(0.0, 0.6, n)).astype(np.int64)
    return tx, day, cust, cat, np.clip(cents, 100, 99_999)


def block_bytes(arrays):
    """CSV lines of one block, built with numpy (about 2 MB per block)."""
    tx, day, cust, cat, cents = arrays
    n = len(tx)
    whole = cents // 100
    digits = 1 + (whole >= 10).astype(int) + (whole >= 100).astype(int)
    parts = [
        (D4[tx // 10_000], None),
        (D4[tx % 10_000], None),
        (b",", None),
        (DATE_BYTES[day], None),
        (b",", None),
        (D5[cust], None),
        (b",", None),
        (CAT_BYTES[cat], CAT_MASK[cat]),
        (b",", None),
        (D3[whole], np.arange(3)[None, :] >= (3 - digits)[:, None]),
        (b".", None),
        (D2[cents % 100], None),
        (b"\n", None),
    ]
    width = sum(1 if isinstance(p, bytes) else p.shape[1] for p, _ in parts)
    out = np.empty((n, width), np.uint8)
    keep = np.ones((n, width), bool)
    col = 0
    for part, mask in parts:
        if isinstance(part, bytes):
            out[:, col] = part[0]
            col += 1
            continue
        out[:, col : col + part.shape[1]] = part
        if mask is not None:
            keep[:, col : col + part.shape[1]] = mask
        col += part.shape[1]
    return out[keep].tobytes()


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class BigStream:
    """Serve the ~100 MB CSV through a named pipe, one full copy per open.

    After each pass the pipe is replaced by a fresh one (an atomic rename), so
    the reader of the finished pass sees end-of-file for sure and the next open
    of the path starts a new pass from the header.
    """

    def __init__(self, path):
        self.path = str(path)
        self._make_fifo(self.path)
        self.stop = threading.Event()
        self.opens = 0
        self.totals = BigTotals()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @staticmethod
    def _make_fifo(path):
        os.mkfifo(path)
        os.chmod(path, 0o666)  # the submission may run as another user

    def _serve(self):
        while not self.stop.is_set():
            fd = os.open(self.path, os.O_WRONLY)  # waits for a reader
            try:
                self.opens += 1
                try:
                    if not self.stop.is_set():
                        _write_all(fd, BIG_HEADER)
                        for i in range(N_BLOCKS):
                            if self.stop.is_set():
                                break
                            arrays = big_block(i)
                            self.totals.add(i, arrays)
                            _write_all(fd, block_bytes(arrays))
                except BrokenPipeError:  # the reader closed early
                    pass
                fresh = f"{self.path}.next"
                self._make_fifo(fresh)
                os.replace(fresh, self.path)
            finally:
                os.close(fd)

    def close(self):
        self.stop.set()
        try:  # let a writer waiting in open() go on and see the stop flag
            os.close(os.open(self.path, os.O_RDONLY | os.O_NONBLOCK))
        except OSError:
            pass
        self.thread.join(timeout=2)


def _peak_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _peaks():
    """Peak RSS of the process that runs the submission's code, read from outside it."""
    pid = student_pid()
    return {pid: _peak_rss_kb(pid)}


class BigTotals:
    """The expected answers, added up block by block while the blocks are served."""

    def __init__(self):
        self.seen = set()
        self.counts = np.zeros(len(CATEGORIES), np.int64)
        self.cat_cents = np.zeros(len(CATEGORIES))
        self.cust_cents = np.zeros(N_CUSTOMERS)
        self.day_cents = np.zeros(N_DAYS)

    def add(self, i, arrays):
        if i in self.seen:
            return
        self.seen.add(i)
        _, day, cust, cat, cents = arrays
        self.counts += np.bincount(cat, minlength=len(CATEGORIES))
        self.cat_cents += np.bincount(cat, weights=cents, minlength=len(CATEGORIES))
        self.cust_cents += np.bincount(
            cust - FIRST_CUSTOMER, weights=cents, minlength=N_CUSTOMERS
        )
        self.day_cents += np.bincount(day, weights=cents, minlength=N_DAYS)

    def expected(self):
        for i in range(N_BLOCKS):  # blocks the reader never asked for
            self.add(i, big_block(i))
        return big_answers(self)


def big_answers(totals):
    counts, cat_cents = totals.counts, totals.cat_cents
    cust_cents, day_cents = totals.cust_cents, totals.day_cents
    order = np.lexsort((np.arange(N_CUSTOMERS), -cust_cents))[:10]
    return {
        "categories": {
            name: (int(counts[k]), cat_cents[k] / 100, cat_cents[k] / 100 / counts[k])
            for k, name in enumerate(CATEGORIES)
        },
        "top": [(int(k + FIRST_CUSTOMER), cust_cents[k] / 100) for k in order],
        "daily": [(str(FIRST_DAY + d), day_cents[d] / 100) for d in range(N_DAYS)],
    }


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """Summarize the big stream once (chunksize=100_000, top_n=10) for task 5."""
    folder = tmp_path_factory.mktemp("big")
    for path in (folder, *folder.parents[:1]):
        try:  # the submission may run as another user
            os.chmod(path, 0o777)
        except OSError:
            pass
    stream = BigStream(folder / "transactions.csv")
    result, error, growth_mb = None, None, None
    before = _peaks()
    try:
        result = summarize(stream.path, chunksize=100_000, top_n=10)
    except Exception as exc:  # reported by every test that needs the result
        error = f"summarize() raised {type(exc).__name__}: {exc}"
        del exc
    after = _peaks()
    common = [p for p in before if before[p] is not None and after.get(p) is not None]
    if common:
        growth_mb = max(after[p] - before[p] for p in common) / 1024
    gc.collect()  # close a reader left behind by a failed run
    stream.close()
    expected = stream.totals.expected()
    yield {
        "expected": expected,
        "result": result,
        "error": error,
        "growth_mb": growth_mb,
        "opens": stream.opens,
    }


def big_result(big):
    if big["error"]:
        pytest.fail(big["error"])
    return big["result"]


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_big_rows_and_categories(big):
    """On the ~100 MB file: 2,500,000 rows and the exact category table"""
    result = big_result(big)
    assert result["rows"] == BIG_ROWS
    table = category_table(result["categories"])
    assert list(table) == CATEGORIES
    for name, (count, total, mean) in big["expected"]["categories"].items():
        got = table[name]
        assert got[0] == count, name
        assert got[1] == pytest.approx(total, abs=1e-6), name
        assert got[2] == pytest.approx(mean, rel=1e-9), name


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_big_top_customers(big):
    """On the ~100 MB file: the 10 customers with the largest totals"""
    result = big_result(big)
    got = result["top_customers"]
    expected = big["expected"]["top"]
    assert [cid for cid, _ in got] == [cid for cid, _ in expected]
    assert [t for _, t in got] == pytest.approx([t for _, t in expected], abs=1e-6)


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_big_daily_series(big):
    """On the ~100 MB file: 365 daily totals for 2023"""
    pairs = daily_pairs(big_result(big)["daily"])
    expected = big["expected"]["daily"]
    assert [d for d, _ in pairs] == [d for d, _ in expected]
    assert [v for _, v in pairs] == pytest.approx([v for _, v in expected], abs=1e-6)


MEMORY_BUDGET_MB = 80


@pytest.mark.task(5)
@pytest.mark.points(4)
@pytest.mark.core
def test_big_file_memory_stays_bounded(big):
    """Summarizing the ~100 MB file grows peak memory by less than 80 MB"""
    big_result(big)
    growth = big["growth_mb"]
    assert growth is not None, "could not measure the memory of the process"
    print(f"peak memory growth: {growth:.1f} MB")
    assert growth < MEMORY_BUDGET_MB, (
        f"peak memory grew by {growth:.0f} MB while summarizing the 100 MB file "
        f"(budget {MEMORY_BUDGET_MB} MB): read it in chunks and keep only the "
        "running totals"
    )
