"""Your own tests. Extend this file until it covers at least 70% of csv_chunks.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import pytest

from csv_chunks import COLUMNS, read_chunks, summarize

HEADER = "tx_id,date,customer_id,category,amount\n"


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(
        HEADER
        + "1,2023-01-01,7,books,10.00\n"
        + "2,2023-01-03,8,toys,5.50\n"
        + "3,2023-01-01,7,books,2.25\n",
        encoding="utf-8",
    )
    return path


def test_chunks_have_the_columns_and_sizes(tiny):
    chunks = list(read_chunks(tiny, chunksize=2))
    assert [len(c) for c in chunks] == [2, 1]
    assert list(chunks[0].columns) == COLUMNS


def test_category_totals(tiny):
    categories = summarize(tiny, chunksize=1)["categories"]
    assert categories.loc["books", "count"] == 2
    assert categories.loc["books", "total"] == 12.25


def test_missing_column_is_a_value_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("tx_id,date\n1,2023-01-01\n", encoding="utf-8")
    with pytest.raises(ValueError):
        summarize(path)
