"""SQL with sqlite3: window functions, CTEs, safe parameters and indexes.

Every function takes the path of a SQLite database with the shop schema of
``data/shop.sql`` (categories, products, customers, orders, order_items),
opens its own connection, and closes it before returning.

Money is in integer cents. An order's revenue is the sum of
``quantity * unit_price_cents`` of its items; cancelled orders never count
as revenue.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import date
from typing import Any, Sequence

PathLike = str | os.PathLike[str]

# The indexes ensure_indexes() creates, as (name, table, column).
INDEXES = [
    ("idx_orders_customer_id", "orders", "customer_id"),
    ("idx_orders_ordered_at", "orders", "ordered_at"),
    ("idx_order_items_product_id", "order_items", "product_id"),
    ("idx_products_category_id", "products", "category_id"),
]

# Task 5: the ids of the orders placed in one month, with two parameters
# (the first day of the month and the first day of the next month), written
# so that SQLite can SEARCH the index on orders.ordered_at.
ORDERS_IN_MONTH_SQL = (
    "SELECT id FROM orders WHERE ordered_at >= ? AND ordered_at < ? "
    "ORDER BY ordered_at, id"
)


def create_database(db_path: PathLike, script: PathLike = "data/shop.sql") -> None:
    """Create the shop database at ``db_path`` from the SQL ``script`` (given)."""
    sql = open(script, encoding="utf-8").read()
    with closing(sqlite3.connect(db_path)) as conn:
        conn.executescript(sql)


def _query(db_path: PathLike, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(sql, params).fetchall()


def _positive_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be an int >= 1, got {value!r}")
    return value


# --------------------------------------------------------------------- task 1


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
    _positive_int(n, "n")
    sql = """
        WITH sales AS (
            SELECT p.id, p.name, p.category_id,
                   SUM(oi.quantity * oi.unit_price_cents) AS revenue
            FROM order_items AS oi
            JOIN orders AS o ON o.id = oi.order_id
            JOIN products AS p ON p.id = oi.product_id
            WHERE o.status <> 'cancelled'
            GROUP BY p.id
        ),
        ranked AS (
            SELECT c.name AS category, s.name AS product, s.revenue,
                   RANK() OVER (
                       PARTITION BY s.category_id ORDER BY s.revenue DESC
                   ) AS rnk
            FROM sales AS s JOIN categories AS c ON c.id = s.category_id
        )
        SELECT category, product, revenue, rnk FROM ranked
        WHERE rnk <= ?
        ORDER BY category, rnk, product
    """
    return [tuple(row) for row in _query(db_path, sql, (n,))]


def latest_order_per_customer(db_path: PathLike) -> list[tuple[int, int, str]]:
    """Each customer's most recent order, picked with ROW_NUMBER().

    Orders of any status count. The latest ``ordered_at`` wins; on the same
    day the larger order id wins. Returns ``(customer_id, order_id,
    ordered_at)`` for every customer with at least one order, by customer id.
    """
    sql = """
        SELECT customer_id, id, ordered_at FROM (
            SELECT customer_id, id, ordered_at,
                   ROW_NUMBER() OVER (
                       PARTITION BY customer_id
                       ORDER BY ordered_at DESC, id DESC
                   ) AS rn
            FROM orders
        )
        WHERE rn = 1
        ORDER BY customer_id
    """
    return [tuple(row) for row in _query(db_path, sql)]


# --------------------------------------------------------------------- task 2


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
    sql = """
        WITH months AS (
            SELECT substr(o.ordered_at, 1, 7) AS month,
                   SUM(oi.quantity * oi.unit_price_cents) AS revenue
            FROM orders AS o JOIN order_items AS oi ON oi.order_id = o.id
            WHERE o.status <> 'cancelled'
              AND (? IS NULL OR substr(o.ordered_at, 1, 4) = ?)
            GROUP BY month
        )
        SELECT month, revenue,
               SUM(revenue) OVER (ORDER BY month) AS running_total,
               revenue - LAG(revenue) OVER (ORDER BY month) AS change
        FROM months
        ORDER BY month
    """
    key = None if year is None else f"{int(year):04d}"
    return [tuple(row) for row in _query(db_path, sql, (key, key))]


# --------------------------------------------------------------------- task 3


def category_paths(db_path: PathLike) -> list[tuple[int, str]]:
    """Every category with its path from the root, built by a recursive CTE.

    Returns ``(category_id, path)`` where the path joins the names from the
    top-level category down with ``" > "`` (``"电子产品 > 手机 > 手机配件"``),
    sorted by path.
    """
    sql = """
        WITH RECURSIVE tree(id, path) AS (
            SELECT id, name FROM categories WHERE parent_id IS NULL
            UNION ALL
            SELECT c.id, tree.path || ' > ' || c.name
            FROM categories AS c JOIN tree ON c.parent_id = tree.id
        )
        SELECT id, path FROM tree ORDER BY path
    """
    return [tuple(row) for row in _query(db_path, sql)]


def subtree_revenue(db_path: PathLike, category_id: int) -> int:
    """Revenue of the products in a category and all of its descendants.

    Non-cancelled orders only; 0 when nothing was sold.

    Raises:
        ValueError: if there is no category with this id.
    """
    sql = """
        WITH RECURSIVE subtree(id) AS (
            SELECT id FROM categories WHERE id = ?
            UNION ALL
            SELECT c.id FROM categories AS c JOIN subtree ON c.parent_id = subtree.id
        )
        SELECT (SELECT COUNT(*) FROM categories WHERE id = ?),
               COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0)
        FROM order_items AS oi
        JOIN orders AS o ON o.id = oi.order_id
        JOIN products AS p ON p.id = oi.product_id
        WHERE o.status <> 'cancelled'
          AND p.category_id IN (SELECT id FROM subtree)
    """
    found, revenue = _query(db_path, sql, (category_id, category_id))[0]
    if not found:
        raise ValueError(f"no category with id {category_id!r}")
    return int(revenue)


# --------------------------------------------------------------------- task 4


def _like_pattern(text: str) -> str:
    """``%text%`` with the LIKE wildcards in ``text`` escaped by a backslash."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {text!r}")
    _positive_int(limit, "limit")
    sql = """
        SELECT id, name, price_cents FROM products
        WHERE name LIKE ? ESCAPE '\\'
          AND (? IS NULL OR price_cents <= ?)
        ORDER BY name, id
        LIMIT ?
    """
    params = (_like_pattern(text), max_price_cents, max_price_cents, limit)
    return [tuple(row) for row in _query(db_path, sql, params)]


def add_customer(
    db_path: PathLike, name: str, city: str, joined_on: date | None = None
) -> int:
    """Insert a customer with a parameterized INSERT, commit, return the new id.

    ``name`` and ``city`` are stored exactly as given (quotes included);
    ``joined_on`` defaults to today and is stored as ``"YYYY-MM-DD"``.

    Raises:
        ValueError: if ``name`` or ``city`` is not a non-blank str.
    """
    for what, value in (("name", name), ("city", city)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{what} must be a non-blank str, got {value!r}")
    day = (joined_on or date.today()).isoformat()
    with closing(sqlite3.connect(db_path)) as conn:
        with conn:  # commits on success, rolls back on error
            cursor = conn.execute(
                "INSERT INTO customers (name, city, joined_on) VALUES (?, ?, ?)",
                (name, city, day),
            )
        return int(cursor.lastrowid)


# --------------------------------------------------------------------- task 5


def ensure_indexes(db_path: PathLike) -> list[str]:
    """Create the indexes of :data:`INDEXES` if they do not exist yet.

    Uses ``CREATE INDEX IF NOT EXISTS``: a second call changes nothing.
    Returns the names of the indexes (created now or already there).
    """
    with closing(sqlite3.connect(db_path)) as conn:
        with conn:
            for name, table, column in INDEXES:
                conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")
    return [name for name, _, _ in INDEXES]


def query_plan(db_path: PathLike, sql: str, params: Sequence[Any] = ()) -> list[str]:
    """The ``detail`` column of ``EXPLAIN QUERY PLAN`` for ``sql``, in order."""
    rows = _query(db_path, f"EXPLAIN QUERY PLAN {sql}", tuple(params))
    return [str(row[3]) for row in rows]


def orders_in_month(db_path: PathLike, month: str) -> list[int]:
    """Ids of the orders placed in ``month`` (``"YYYY-MM"``), by date then id.

    Runs :data:`ORDERS_IN_MONTH_SQL` with the first day of the month and the
    first day of the next month.

    Raises:
        ValueError: if ``month`` is not a valid ``"YYYY-MM"``.
    """
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except (AttributeError, ValueError):
        raise ValueError(f"month must look like 'YYYY-MM', got {month!r}") from None
    if len(month) != 7:
        raise ValueError(f"month must look like 'YYYY-MM', got {month!r}")
    following = date(year + number // 12, number % 12 + 1, 1)
    rows = _query(
        db_path, ORDERS_IN_MONTH_SQL, (first.isoformat(), following.isoformat())
    )
    return [int(row[0]) for row in rows]
