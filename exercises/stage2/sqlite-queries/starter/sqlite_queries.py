"""SQL with sqlite3: window functions, CTEs, safe parameters and indexes.

Every function takes the path of a SQLite database with the shop schema of
``data/shop.sql`` (categories, products, customers, orders, order_items),
opens its own connection, and closes it before returning.

Money is in integer cents. An order's revenue is the sum of
``quantity * unit_price_cents`` of its items; cancelled orders never count
as revenue.

``create_database`` is given. Replace every ``raise NotImplementedError`` with a
real implementation. Keep the names and signatures: the hidden tests import
them. Add private helpers as you need them.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import date
from typing import Any, Sequence

PathLike = str | os.PathLike[str]

# Task 5: the ids of the orders placed in one month, with two parameters
# (the first day of the month and the first day of the next month). Write it
# so that SQLite can SEARCH an index on orders.ordered_at: compare the column
# itself with a range, do not wrap it in a function.
ORDERS_IN_MONTH_SQL = "SELECT id FROM orders WHERE 0 = 1"  # TODO: replace


def create_database(db_path: PathLike, script: PathLike = "data/shop.sql") -> None:
    """Create the shop database at ``db_path`` from the SQL ``script`` (given)."""
    sql = open(script, encoding="utf-8").read()
    with closing(sqlite3.connect(db_path)) as conn:
        conn.executescript(sql)


def top_products_per_category(
    db_path: PathLike, n: int = 3
) -> list[tuple[str, str, int, int]]:
    """The best-selling products of every category, ranked with RANK().

    Revenue per product over non-cancelled orders (products never sold are
    left out), ranked within the product's own category by revenue
    descending. Ties share a rank and the next rank skips (1, 2, 2, 4), so a
    category can return more than ``n`` rows. Returns
    ``(category_name, product_name, revenue_cents, rank)`` rows with
    ``rank <= n``, ordered by category name, rank, product name.

    Raises:
        ValueError: if ``n`` is not an int >= 1.
    """
    raise NotImplementedError


def latest_order_per_customer(db_path: PathLike) -> list[tuple[int, int, str]]:
    """Each customer's most recent order, picked with ROW_NUMBER().

    Orders of any status count. The latest ``ordered_at`` wins; on the same
    day the larger order id wins. Returns ``(customer_id, order_id,
    ordered_at)`` for every customer with at least one order, by customer id.
    """
    raise NotImplementedError


def monthly_revenue(
    db_path: PathLike, year: int | None = None
) -> list[tuple[str, int, int, int | None]]:
    """Revenue per month with a running total and the change to the month before.

    Only non-cancelled orders count; only months with such an order appear.
    With ``year``, only that year's months are listed and the running total
    starts with the first of them. Returns ``(month, revenue_cents,
    running_total_cents, change_cents)`` with ``month`` as ``"YYYY-MM"``, in
    month order; ``change_cents`` is ``revenue - previous month's revenue``
    (None for the first listed month).
    """
    raise NotImplementedError


def category_paths(db_path: PathLike) -> list[tuple[int, str]]:
    """Every category with its path from the root, built by a recursive CTE.

    Returns ``(category_id, path)`` where the path joins the names from the
    top-level category down with ``" > "`` (``"电子产品 > 手机 > 手机配件"``),
    sorted by path.
    """
    raise NotImplementedError


def subtree_revenue(db_path: PathLike, category_id: int) -> int:
    """Revenue of the products in a category and all of its descendants.

    Non-cancelled orders only; 0 when nothing was sold.

    Raises:
        ValueError: if there is no category with this id.
    """
    raise NotImplementedError


def search_products(
    db_path: PathLike,
    text: str,
    max_price_cents: int | None = None,
    limit: int = 20,
) -> list[tuple[int, str, int]]:
    """Products whose name contains ``text``, found with a parameterized query.

    ``text`` is a literal substring: ``%``, ``_`` and ``\\`` in it match
    themselves, and ASCII letters match in any case (LIKE). An empty text
    matches every product. ``max_price_cents`` (inclusive) filters by price.
    Returns at most ``limit`` rows ``(id, name, price_cents)`` ordered by
    name, then id.

    Raises:
        ValueError: if ``text`` is not a str or ``limit`` is not an int >= 1.
    """
    raise NotImplementedError


def add_customer(
    db_path: PathLike, name: str, city: str, joined_on: date | None = None
) -> int:
    """Insert a customer with a parameterized INSERT, commit, return the new id.

    ``name`` and ``city`` are stored exactly as given (quotes included);
    ``joined_on`` defaults to today and is stored as ``"YYYY-MM-DD"``.

    Raises:
        ValueError: if ``name`` or ``city`` is not a non-blank str.
    """
    raise NotImplementedError


def ensure_indexes(db_path: PathLike) -> list[str]:
    """Create the indexes the queries of the instructions need, if missing.

    Use ``CREATE INDEX IF NOT EXISTS``: a second call changes nothing.
    Returns the names of the indexes (created now or already there).
    """
    raise NotImplementedError


def query_plan(db_path: PathLike, sql: str, params: Sequence[Any] = ()) -> list[str]:
    """The ``detail`` column of ``EXPLAIN QUERY PLAN`` for ``sql``, in order."""
    raise NotImplementedError


def orders_in_month(db_path: PathLike, month: str) -> list[int]:
    """Ids of the orders placed in ``month`` (``"YYYY-MM"``), by date then id.

    Runs :data:`ORDERS_IN_MONTH_SQL` with the first day of the month and the
    first day of the next month.

    Raises:
        ValueError: if ``month`` is not a valid ``"YYYY-MM"``.
    """
    raise NotImplementedError
