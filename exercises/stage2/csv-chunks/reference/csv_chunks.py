"""Summarize a large transactions CSV in bounded memory by reading it in chunks.

The file has one transaction per line::

    tx_id,date,customer_id,category,amount
    10000001,2023-03-30,49808,health,447.01

:func:`read_chunks` yields typed DataFrames of at most ``chunksize`` rows;
:func:`summarize` folds them into per-category totals, the best customers and a
daily revenue series without ever holding the whole file in memory.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import pandas as pd

COLUMNS = ["tx_id", "date", "customer_id", "category", "amount"]
DTYPES = {
    "tx_id": "int64",
    "customer_id": "int32",
    "category": "category",
    "amount": "float64",
}
DEFAULT_CHUNKSIZE = 100_000


def _check_count(value: object, what: str, minimum: int) -> int:
    """Return ``value`` if it is an int (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def read_chunks(
    path: str | os.PathLike[str], chunksize: int = DEFAULT_CHUNKSIZE
) -> Iterator[pd.DataFrame]:
    """Yield the transactions of ``path`` as DataFrames of at most ``chunksize`` rows.

    Every chunk has exactly the columns of :data:`COLUMNS`, in that order, with
    the dtypes ``tx_id`` int64, ``date`` datetime64, ``customer_id`` int32,
    ``category`` category and ``amount`` float64. Extra columns in the file are
    ignored; empty chunks are never yielded (a header-only file yields nothing).

    Raises:
        ValueError: if ``chunksize`` is not a positive int, or (when iterated)
            if the file lacks one of :data:`COLUMNS`; the message names every
            missing column.
    """
    _check_count(chunksize, "chunksize", 1)
    return _chunks(path, chunksize)


def _chunks(path: str | os.PathLike[str], chunksize: int) -> Iterator[pd.DataFrame]:
    wanted = set(COLUMNS)
    reader = pd.read_csv(
        path,
        chunksize=chunksize,
        usecols=lambda name: name in wanted,
        dtype=DTYPES,
    )
    with reader:
        for chunk in reader:
            missing = [name for name in COLUMNS if name not in chunk.columns]
            if missing:
                raise ValueError(f"{path}: missing column(s): {', '.join(missing)}")
            if chunk.empty:
                continue
            chunk = chunk[COLUMNS]
            chunk["date"] = pd.to_datetime(chunk["date"], format="%Y-%m-%d")
            yield chunk


def _add(total: Any, part: Any) -> Any:
    """Add two partial aggregates aligned on their index (missing keys count 0)."""
    return part if total is None else total.add(part, fill_value=0)


def summarize(
    path: str | os.PathLike[str],
    chunksize: int = DEFAULT_CHUNKSIZE,
    top_n: int = 10,
) -> dict[str, Any]:
    """Summarize the transactions of ``path`` in one pass over its chunks.

    Returns a dict with the keys

    - ``"rows"``: the number of transactions (int);
    - ``"categories"``: a DataFrame indexed by category name (index name
      ``"category"``, sorted ascending) with the columns ``count`` (int64),
      ``total`` (float64, rounded to 2 decimals) and ``mean`` (float64, the
      exact total divided by the count, not rounded);
    - ``"top_customers"``: ``[(customer_id, total), ...]``, the ``top_n``
      customers with the largest totals (rounded to 2 decimals), largest first,
      ties by customer id ascending;
    - ``"daily"``: a float64 Series named ``"amount"`` indexed by every day from
      the first to the last date (a DatetimeIndex named ``"date"``), the total
      of each day rounded to 2 decimals, 0.0 for days without transactions.

    Raises:
        ValueError: for a bad ``chunksize`` or a negative ``top_n`` (before
            reading anything), and for a file with a missing column.
    """
    _check_count(chunksize, "chunksize", 1)
    _check_count(top_n, "top_n", 0)
    rows = 0
    categories = customers = daily = None
    for chunk in read_chunks(path, chunksize):
        rows += len(chunk)
        amount = chunk["amount"]
        by_category = amount.groupby(chunk["category"], observed=True).agg(
            ["count", "sum"]
        )
        by_category.index = by_category.index.astype(str)
        categories = _add(categories, by_category)
        customers = _add(customers, amount.groupby(chunk["customer_id"]).sum())
        daily = _add(daily, amount.groupby(chunk["date"]).sum())
    return {
        "rows": rows,
        "categories": _category_table(categories),
        "top_customers": _top_customers(customers, top_n),
        "daily": _daily_series(daily),
    }


def _category_table(parts: pd.DataFrame | None) -> pd.DataFrame:
    if parts is None:
        table = pd.DataFrame(
            {
                "count": pd.Series([], dtype="int64"),
                "total": pd.Series([], dtype="float64"),
                "mean": pd.Series([], dtype="float64"),
            },
            index=pd.Index([], dtype="str"),
        )
    else:
        parts = parts.sort_index()
        count = parts["count"].astype("int64")
        table = pd.DataFrame(
            {
                "count": count,
                "total": parts["sum"].round(2),
                "mean": parts["sum"] / count,
            }
        )
    table.index.name = "category"
    return table


def _top_customers(totals: pd.Series | None, top_n: int) -> list[tuple[int, float]]:
    if totals is None:
        return []
    frame = pd.DataFrame(
        {"customer_id": totals.index.to_numpy(), "total": totals.round(2).to_numpy()}
    )
    frame = frame.sort_values(
        ["total", "customer_id"], ascending=[False, True], kind="stable"
    ).head(top_n)
    return [
        (int(cid), float(total))
        for cid, total in zip(frame["customer_id"], frame["total"])
    ]


def _daily_series(daily: pd.Series | None) -> pd.Series:
    if daily is None:
        index = pd.DatetimeIndex([], name="date")
        return pd.Series([], index=index, dtype="float64", name="amount")
    days = pd.date_range(daily.index.min(), daily.index.max(), freq="D", name="date")
    series = daily.reindex(days, fill_value=0.0).round(2)
    series.name = "amount"
    return series.astype("float64")
