"""Summarize a large transactions CSV in bounded memory by reading it in chunks.

The file has one transaction per line::

    tx_id,date,customer_id,category,amount
    10000001,2023-03-30,49808,health,447.01

:func:`read_chunks` yields typed DataFrames of at most ``chunksize`` rows;
:func:`summarize` folds them into per-category totals, the best customers and a
daily revenue series without ever holding the whole file in memory.

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add private helpers as you
need them.
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
    raise NotImplementedError


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
    raise NotImplementedError
