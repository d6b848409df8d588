"""Tests for csv_chunks: small hand-checked files and a chunked-vs-whole check."""

import numpy as np
import pandas as pd
import pytest

from csv_chunks import COLUMNS, read_chunks, summarize

HEADER = "tx_id,date,customer_id,category,amount\n"


def write(tmp_path, text, name="tx.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path):
    return write(
        tmp_path,
        HEADER
        + "1,2023-01-01,7,books,10.00\n"
        + "2,2023-01-03,8,toys,5.50\n"
        + "3,2023-01-01,7,books,2.25\n"
        + "4,2023-01-02,9,toys,0.10\n"
        + "5,2023-01-03,9,toys,0.20\n",
    )


# read_chunks ----------------------------------------------------------------


def test_chunks_have_the_columns_and_sizes(tiny):
    chunks = list(read_chunks(tiny, chunksize=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert all(list(c.columns) == COLUMNS for c in chunks)


def test_chunk_dtypes(tiny):
    chunk = next(read_chunks(tiny))
    assert chunk["tx_id"].dtype == np.int64
    assert pd.api.types.is_datetime64_dtype(chunk["date"])
    assert chunk["customer_id"].dtype == np.int32
    assert isinstance(chunk["category"].dtype, pd.CategoricalDtype)
    assert chunk["amount"].dtype == np.float64


def test_extra_columns_are_dropped(tmp_path):
    text = "note,amount,category,customer_id,date,tx_id\nx,1.5,a,3,2023-01-01,9\n"
    path = write(tmp_path, text)
    (chunk,) = read_chunks(path)
    assert list(chunk.columns) == COLUMNS
    assert chunk["tx_id"].tolist() == [9]


def test_header_only_yields_nothing(tmp_path):
    assert list(read_chunks(write(tmp_path, HEADER))) == []


@pytest.mark.parametrize("chunksize", [0, -1, 1.5, True, "3"])
def test_bad_chunksize(tiny, chunksize):
    with pytest.raises(ValueError):
        read_chunks(tiny, chunksize=chunksize)
    with pytest.raises(ValueError):
        summarize(tiny, chunksize=chunksize)


def test_missing_columns_are_named(tmp_path):
    path = write(tmp_path, "tx_id,date,customer_id\n1,2023-01-01,3\n")
    with pytest.raises(ValueError, match="category, amount"):
        list(read_chunks(path))


def test_empty_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError):
        summarize(write(tmp_path, ""))


# summarize ------------------------------------------------------------------


def test_rows_and_categories(tiny):
    result = summarize(tiny, chunksize=2)
    assert result["rows"] == 5
    categories = result["categories"]
    assert list(categories.columns) == ["count", "total", "mean"]
    assert categories.index.name == "category"
    assert list(categories.index) == ["books", "toys"]
    assert categories["count"].tolist() == [2, 3]
    assert categories["total"].tolist() == [12.25, 5.8]
    assert categories.loc["toys", "mean"] == pytest.approx(5.8 / 3)


def test_top_customers(tiny):
    assert summarize(tiny, chunksize=1, top_n=2)["top_customers"] == [
        (7, 12.25),
        (8, 5.5),
    ]
    assert summarize(tiny, top_n=0)["top_customers"] == []


def test_top_customers_ties_by_id(tmp_path):
    path = write(tmp_path, HEADER + "1,2023-01-01,9,a,1.5\n2,2023-01-01,4,a,1.5\n")
    assert summarize(path, chunksize=1)["top_customers"] == [(4, 1.5), (9, 1.5)]


def test_negative_top_n(tmp_path):
    with pytest.raises(ValueError):
        summarize(tmp_path / "missing.csv", top_n=-1)


def test_daily_fills_gaps(tiny):
    daily = summarize(tiny, chunksize=1)["daily"]
    assert daily.name == "amount"
    assert daily.index.name == "date"
    assert list(daily.index.strftime("%Y-%m-%d")) == [
        "2023-01-01",
        "2023-01-02",
        "2023-01-03",
    ]
    assert daily.tolist() == [12.25, 0.1, 5.7]


def test_daily_zero_for_missing_day(tmp_path):
    path = write(tmp_path, HEADER + "1,2023-01-01,1,a,1\n2,2023-01-03,1,a,2\n")
    assert summarize(path)["daily"].tolist() == [1.0, 0.0, 2.0]


def test_empty_summary(tmp_path):
    result = summarize(write(tmp_path, HEADER))
    assert result["rows"] == 0
    assert result["categories"].empty
    assert list(result["categories"].columns) == ["count", "total", "mean"]
    assert result["top_customers"] == []
    assert result["daily"].empty


def test_chunked_matches_whole_file(tmp_path):
    rng = np.random.default_rng(1)
    n = 5_000
    frame = pd.DataFrame(
        {
            "tx_id": np.arange(n),
            "date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
            "customer_id": rng.integers(1, 300, n),
            "category": rng.choice(["a", "b", "c"], n),
            "amount": rng.integers(100, 10_000, n) / 100,
        }
    )
    path = tmp_path / "mid.csv"
    frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    result = summarize(path, chunksize=333, top_n=5)

    whole = frame.groupby("category")["amount"].agg(["count", "sum", "mean"])
    categories = result["categories"]
    assert categories["count"].tolist() == whole["count"].tolist()
    assert categories["total"].tolist() == pytest.approx(whole["sum"].round(2).tolist())
    assert categories["mean"].tolist() == pytest.approx(whole["mean"].tolist())

    per_customer = frame.groupby("customer_id")["amount"].sum().round(2)
    best = per_customer.sort_values(ascending=False).head(5)
    assert [t for _, t in result["top_customers"]] == pytest.approx(best.tolist())

    per_day = frame.groupby("date")["amount"].sum()
    assert result["daily"].sum() == pytest.approx(per_day.sum())
    assert len(result["daily"]) == (frame["date"].max() - frame["date"].min()).days + 1
