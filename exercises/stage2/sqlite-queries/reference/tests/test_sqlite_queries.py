"""Tests for sqlite_queries on a fresh copy of the shop database."""

import sqlite3
from contextlib import closing
from datetime import date

import pytest

import sqlite_queries
from sqlite_queries import (
    add_customer,
    category_paths,
    create_database,
    ensure_indexes,
    latest_order_per_customer,
    monthly_revenue,
    orders_in_month,
    query_plan,
    search_products,
    subtree_revenue,
    top_products_per_category,
)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "shop.db"
    create_database(path)
    return str(path)


def scalar(db, sql, params=()):
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchone()[0]


# window functions ------------------------------------------------------------


def test_top_products_rank_ties(db):
    rows = [r for r in top_products_per_category(db, 3) if r[0] == "编程"]
    assert rows == [
        ("编程", "Python 编程入门", 834750, 1),
        ("编程", "SQL 必知必会", 800000, 2),
        ("编程", "算法图解", 800000, 2),
    ]


def test_top_products_skip_cancelled(db):
    assert [r for r in top_products_per_category(db, 1) if r[0] == "电脑"] == [
        ("电脑", "迷你主机 M1", 1608200, 1)
    ]


@pytest.mark.parametrize("n", [0, True, "2"])
def test_top_products_bad_n(db, n):
    with pytest.raises(ValueError):
        top_products_per_category(db, n)


def test_latest_order_same_day_tie(db):
    latest = latest_order_per_customer(db)
    assert len(latest) == 180
    assert (7, 2518, "2024-06-30") in latest


# running totals ----------------------------------------------------------------


def test_monthly_revenue(db):
    months = monthly_revenue(db)
    assert len(months) == 18
    assert months[0][3] is None
    for previous, current in zip(months, months[1:]):
        assert current[2] == previous[2] + current[1]
        assert current[3] == current[1] - previous[1]
    total = scalar(
        db,
        "SELECT SUM(quantity * unit_price_cents) FROM order_items JOIN orders "
        "ON orders.id = order_id WHERE status <> 'cancelled'",
    )
    assert months[-1][2] == total


def test_monthly_revenue_one_year(db):
    months = monthly_revenue(db, year=2024)
    assert [m[0] for m in months] == [f"2024-{k:02d}" for k in range(1, 7)]
    assert months[0][1] == months[0][2]
    assert monthly_revenue(db, year=2022) == []


# recursive CTE -------------------------------------------------------------------


def test_category_paths(db):
    paths = dict(category_paths(db))
    assert len(paths) == 21
    assert paths[3] == "电子产品 > 手机 > 手机配件"
    assert paths[21] == "食品"


def test_subtree_revenue(db):
    parts = sum(subtree_revenue(db, c) for c in (2, 4, 7))
    own = scalar(
        db,
        "SELECT COALESCE(SUM(quantity * unit_price_cents), 0) FROM order_items "
        "JOIN orders ON orders.id = order_id JOIN products ON products.id = "
        "product_id WHERE status <> 'cancelled' AND category_id = 1",
    )
    assert subtree_revenue(db, 1) == parts + own
    with pytest.raises(ValueError):
        subtree_revenue(db, 999)


# safe parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, names",
    [
        ("%", ["100%纯棉T恤"]),
        ("_", ["USB_C 数据线"]),
        ("PYTHON", ["Python 编程入门", "流畅的 Python"]),
    ],
)
def test_search(db, text, names):
    assert [r[1] for r in search_products(db, text)] == names


@pytest.mark.parametrize("text", ["x' OR '1'='1", "'; DROP TABLE products; --", "\\"])
def test_search_injection(db, text):
    assert search_products(db, text) == []
    assert scalar(db, "SELECT COUNT(*) FROM products") == 68


def test_search_filters(db):
    cheap = search_products(db, "", max_price_cents=2000, limit=50)
    assert cheap and all(price <= 2000 for _, _, price in cheap)
    assert len(search_products(db, "", limit=3)) == 3


@pytest.mark.parametrize("text, limit", [(None, 1), ("a", 0)])
def test_search_bad_arguments(db, text, limit):
    with pytest.raises(ValueError):
        search_products(db, text, limit=limit)


def test_add_customer(db):
    new_id = add_customer(db, "O'Brien", "北京", date(2024, 7, 1))
    assert new_id == 182
    assert scalar(db, "SELECT name FROM customers WHERE id = 182") == "O'Brien"
    other = add_customer(db, "Robert'); DROP TABLE customers;--", "上海")
    assert other == 183
    assert scalar(db, "SELECT joined_on FROM customers WHERE id = 183") == (
        date.today().isoformat()
    )


@pytest.mark.parametrize("name, city", [(" ", "北京"), ("李雷", None)])
def test_add_customer_rejects_blank(db, name, city):
    with pytest.raises(ValueError):
        add_customer(db, name, city)
    assert scalar(db, "SELECT COUNT(*) FROM customers") == 181


# indexes -------------------------------------------------------------------------


def test_ensure_indexes_turns_scans_into_searches(db):
    sql = "SELECT id, ordered_at FROM orders WHERE customer_id = ?"
    assert query_plan(db, sql, (7,)) == ["SCAN orders"]
    names = ensure_indexes(db)
    assert ensure_indexes(db) == names
    assert query_plan(db, sql, (7,))[0].startswith("SEARCH orders USING INDEX")
    plan = query_plan(
        db, sqlite_queries.ORDERS_IN_MONTH_SQL, ("2024-03-01", "2024-04-01")
    )
    assert plan[0].startswith(
        "SEARCH orders USING COVERING INDEX idx_orders_ordered_at"
    )


def test_orders_in_month(db):
    ids = orders_in_month(db, "2023-12")
    days = [scalar(db, "SELECT ordered_at FROM orders WHERE id = ?", (i,)) for i in ids]
    assert days == sorted(days)
    assert all(day.startswith("2023-12") for day in days)
    assert len(ids) == scalar(
        db, "SELECT COUNT(*) FROM orders WHERE ordered_at LIKE '2023-12-%'"
    )


@pytest.mark.parametrize("month", ["2024-13", "2024-2", None, "2024-02-01"])
def test_orders_in_month_bad(db, month):
    with pytest.raises(ValueError):
        orders_in_month(db, month)
