import os
import re
import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

import sqlite_queries
from sqlite_queries import (
    add_customer,
    category_paths,
    ensure_indexes,
    latest_order_per_customer,
    monthly_revenue,
    orders_in_month,
    query_plan,
    search_products,
    subtree_revenue,
    top_products_per_category,
)

SCRIPT = Path("data/shop.sql")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "shop.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(SCRIPT.read_text(encoding="utf-8"))
    return path


@pytest.fixture
def db(template, tmp_path):
    """A fresh copy of the shop database, writable by the submission."""
    path = tmp_path / "shop.db"
    shutil.copyfile(template, path)
    os.chmod(path, 0o666)
    return str(path)


def rows(db_path, sql, params=()):
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(sql, params).fetchall()


def count(db_path, table):
    return rows(db_path, f"SELECT COUNT(*) FROM {table}")[0][0]


# Independent answers, computed in Python from the raw tables.


def tables(db_path):
    return {
        name: rows(db_path, f"SELECT * FROM {name}")
        for name in ("categories", "products", "customers", "orders", "order_items")
    }


def product_revenue(t):
    status = {o[0]: o[3] for o in t["orders"]}
    revenue = {}
    for order_id, product_id, qty, unit in t["order_items"]:
        if status[order_id] != "cancelled":
            revenue[product_id] = revenue.get(product_id, 0) + qty * unit
    return revenue


def oracle_top(t, n):
    revenue = product_revenue(t)
    names = {c[0]: c[1] for c in t["categories"]}
    by_category = {}
    for pid, name, cat, _ in t["products"]:
        if pid in revenue:
            by_category.setdefault(cat, []).append((revenue[pid], name))
    result = []
    for cat, items in by_category.items():
        items.sort(key=lambda item: -item[0])
        for revenue_cents, name in items:
            rank = 1 + sum(1 for other, _ in items if other > revenue_cents)
            if rank <= n:
                result.append((names[cat], name, revenue_cents, rank))
    return sorted(result, key=lambda r: (r[0], r[3], r[1]))


def oracle_latest(t):
    best = {}
    for oid, cust, day, _ in t["orders"]:
        if cust not in best or (day, oid) > (best[cust][1], best[cust][0]):
            best[cust] = (oid, day)
    return [(cust, oid, day) for cust, (oid, day) in sorted(best.items())]


def oracle_months(t, year=None):
    status = {o[0]: (o[2], o[3]) for o in t["orders"]}
    months = {}
    for order_id, _, qty, unit in t["order_items"]:
        day, state = status[order_id]
        if state != "cancelled" and (year is None or day.startswith(f"{year}-")):
            months[day[:7]] = months.get(day[:7], 0) + qty * unit
    result, running, previous = [], 0, None
    for month in sorted(months):
        running += months[month]
        change = None if previous is None else months[month] - previous
        result.append((month, months[month], running, change))
        previous = months[month]
    return result


def oracle_paths(t):
    by_id = {c[0]: c for c in t["categories"]}

    def path(cid):
        _, name, parent = by_id[cid]
        return name if parent is None else f"{path(parent)} > {name}"

    return sorted(((cid, path(cid)) for cid in by_id), key=lambda r: r[1])


def oracle_subtree(t, root):
    children = {}
    for cid, _, parent in t["categories"]:
        children.setdefault(parent, []).append(cid)
    wanted, todo = set(), [root]
    while todo:
        cid = todo.pop()
        wanted.add(cid)
        todo.extend(children.get(cid, []))
    revenue = product_revenue(t)
    return sum(revenue.get(p[0], 0) for p in t["products"] if p[2] in wanted)


def plan(db_path, sql, params):
    return [r[3] for r in rows(db_path, f"EXPLAIN QUERY PLAN {sql}", params)]


def uses_index(details, table):
    searched = any(
        re.match(rf"SEARCH {table} USING (COVERING )?INDEX ", d) for d in details
    )
    scanned = any(d.startswith(f"SCAN {table}") for d in details)
    return searched and not scanned


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(4)
@pytest.mark.core
def test_top_products_per_category(db):
    """top_products_per_category(n=3) ranks products by revenue within each category"""
    assert top_products_per_category(db, 3) == oracle_top(tables(db), 3)


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.core
def test_top_products_ties_use_rank(db, n):
    """Tied products share rank 2 and the next product gets rank 4 (RANK)"""
    result = [r for r in top_products_per_category(db, n) if r[0] == "编程"]
    assert result == [
        ("编程", "Python 编程入门", 834750, 1),
        ("编程", "SQL 必知必会", 800000, 2),
        ("编程", "算法图解", 800000, 2),
    ]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_top_products_ignore_cancelled_orders(db):
    """A cancelled order of 50 mini PCs does not count as revenue"""
    result = [r for r in top_products_per_category(db, 1) if r[0] == "电脑"]
    assert result == [("电脑", "迷你主机 M1", 1608200, 1)]


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"], ids=repr)
def test_top_products_rejects_bad_n(db, n):
    """top_products_per_category raises ValueError unless n is an int >= 1"""
    with pytest.raises(ValueError):
        top_products_per_category(db, n)


@pytest.mark.task(1)
@pytest.mark.points(3)
def test_latest_order_per_customer(db):
    """latest_order_per_customer: newest order per customer, larger id on a tie"""
    result = latest_order_per_customer(db)
    assert result == oracle_latest(tables(db))
    assert len(result) == 180
    assert (7, 2518, "2024-06-30") in result
    assert all(customer != 181 for customer, _, _ in result)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(4)
@pytest.mark.core
def test_monthly_revenue_running_total(db):
    """monthly_revenue: 18 months with revenue, running total and change"""
    result = monthly_revenue(db)
    assert len(result) == 18
    assert result == oracle_months(tables(db))
    assert result[0][3] is None


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_monthly_revenue_for_one_year_restarts_the_total(db):
    """With year=2024 the running total starts again at January 2024"""
    result = monthly_revenue(db, year=2024)
    assert [m for m, *_ in result] == [f"2024-{k:02d}" for k in range(1, 7)]
    assert result == oracle_months(tables(db), 2024)
    assert result[0][1] == result[0][2]
    assert result[0][3] is None


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_monthly_revenue_for_a_year_without_orders(db):
    """A year without orders gives an empty list"""
    assert monthly_revenue(db, year=2022) == []


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_category_paths(db):
    """category_paths lists every category with its ' > ' path, sorted by path"""
    result = category_paths(db)
    assert result == oracle_paths(tables(db))
    assert (3, "电子产品 > 手机 > 手机配件") in result


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.parametrize("category_id", [1, 4, 12, 13, 3, 21])
@pytest.mark.core
def test_subtree_revenue(db, category_id):
    """subtree_revenue sums the category and all its descendants (no cancelled)"""
    assert subtree_revenue(db, category_id) == oracle_subtree(tables(db), category_id)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_subtree_revenue_unknown_category(db):
    """subtree_revenue raises ValueError for an unknown category id"""
    with pytest.raises(ValueError):
        subtree_revenue(db, 999)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_search_is_case_insensitive_and_sorted(db):
    """search_products('python') finds both Python books, sorted by name"""
    assert search_products(db, "python") == [
        (154, "Python 编程入门", 10600),
        (157, "流畅的 Python", 5200),
    ]


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.parametrize(
    "text, expected",
    [("%", [(126, "100%纯棉T恤", 42299)]), ("_", [(106, "USB_C 数据线", 5600)])],
    ids=["percent", "underscore"],
)
def test_search_treats_wildcards_literally(db, text, expected):
    """'%' and '_' in the search text match only themselves"""
    assert search_products(db, text) == expected


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.parametrize(
    "text",
    [
        "x' OR '1'='1",
        "x%' OR 1=1 --",
        "') OR 1=1 --",
        "'; DROP TABLE products; --",
        '"; DROP TABLE products; --',
    ],
    ids=["or-true", "like-or", "paren-or", "drop-single", "drop-double"],
)
@pytest.mark.core
def test_search_injection_finds_nothing_and_keeps_tables(db, text):
    """SQL injection attempts match no product and leave every table intact"""
    before = {t: count(db, t) for t in ("products", "customers", "orders")}
    assert search_products(db, text) == []
    assert {t: count(db, t) for t in before} == before


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_search_price_filter_and_limit(db):
    """max_price_cents is inclusive and limit caps the rows"""
    expected = rows(
        db,
        "SELECT id, name, price_cents FROM products WHERE price_cents <= 5600 "
        "ORDER BY name, id",
    )
    assert len(expected) > 4
    assert search_products(db, "", max_price_cents=5600, limit=4) == expected[:4]
    assert search_products(db, "", max_price_cents=5600, limit=100) == expected
    assert search_products(db, "数据线", max_price_cents=5599) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "text, limit",
    [(None, 5), (42, 5), ("a", 0), ("a", -3), ("a", "5"), ("a", 1.5)],
    ids=["none-text", "int-text", "zero", "negative", "str-limit", "float-limit"],
)
def test_search_rejects_bad_arguments(db, text, limit):
    """search_products raises ValueError for a non-str text or a bad limit"""
    with pytest.raises(ValueError):
        search_products(db, text, limit=limit)


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.parametrize(
    "name",
    ["O'Brien", "Robert'); DROP TABLE customers;--", '张"三"'],
    ids=["quote", "bobby-tables", "double-quotes"],
)
def test_add_customer_stores_names_verbatim(db, name):
    """add_customer stores any name verbatim, commits and returns the new id"""
    before = count(db, "customers")
    new_id = add_customer(db, name, "北京", date(2024, 7, 1))
    assert new_id == 182
    assert count(db, "customers") == before + 1
    assert rows(
        db, "SELECT name, city, joined_on FROM customers WHERE id = ?", (182,)
    ) == [(name, "北京", "2024-07-01")]
    assert count(db, "orders") == 1519


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_search_text_is_a_parameter_not_sql(db):
    """search_products accepts text that cannot be written inside SQL (a NUL byte)"""
    # sqlite3 refuses SQL text containing NUL, but binds it fine as a parameter:
    # only a query that keeps the text out of the SQL string gets through.
    products = set(rows(db, "SELECT id, name, price_cents FROM products"))
    found = search_products(db, "\x00' OR 1=1 --")
    assert isinstance(found, list)
    assert set(found) <= products
    assert count(db, "products") == len(products)


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_add_customer_values_are_parameters_not_sql(db):
    """add_customer stores a name holding a NUL byte verbatim (bound, not spliced)"""
    name = "Nul\x00'); DROP TABLE customers;--"
    before = count(db, "customers")
    new_id = add_customer(db, name, "上海\x00", date(2024, 7, 2))
    assert count(db, "customers") == before + 1
    assert rows(
        db, "SELECT name, city, joined_on FROM customers WHERE id = ?", (new_id,)
    ) == [(name, "上海\x00", "2024-07-02")]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_add_customer_defaults_to_today(db):
    """Without joined_on the customer joins today"""
    new_id = add_customer(db, "新客户", "成都")
    joined = rows(db, "SELECT joined_on FROM customers WHERE id = ?", (new_id,))
    assert joined == [(date.today().isoformat(),)]


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "name, city",
    [("", "北京"), ("   ", "北京"), ("李雷", ""), (None, "北京")],
    ids=["empty-name", "blank-name", "empty-city", "none-name"],
)
def test_add_customer_rejects_blank_values(db, name, city):
    """add_customer raises ValueError for a blank name or city and inserts nothing"""
    with pytest.raises(ValueError):
        add_customer(db, name, city)
    assert count(db, "customers") == 181


# --------------------------------------------------------------------- task 5

INDEXED_QUERIES = [
    ("orders", "SELECT id, ordered_at FROM orders WHERE customer_id = ?", (7,)),
    (
        "order_items",
        "SELECT order_id, quantity FROM order_items WHERE product_id = ?",
        (154,),
    ),
    ("products", "SELECT id, name FROM products WHERE category_id = ?", (19,)),
    (
        "orders",
        "SELECT id FROM orders WHERE ordered_at BETWEEN ? AND ?",
        ("2024-01-01", "2024-01-31"),
    ),
]


@pytest.mark.task(5)
@pytest.mark.points(4)
@pytest.mark.parametrize(
    "table, sql, params",
    INDEXED_QUERIES,
    ids=[
        "orders-by-customer",
        "items-by-product",
        "products-by-category",
        "orders-by-date",
    ],
)
@pytest.mark.core
def test_ensure_indexes_makes_queries_search_an_index(db, table, sql, params):
    """After ensure_indexes the query plan SEARCHes an index instead of a SCAN"""
    assert not uses_index(plan(db, sql, params), table)
    ensure_indexes(db)
    details = plan(db, sql, params)
    assert uses_index(details, table), details


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_ensure_indexes_is_idempotent(db):
    """A second ensure_indexes call works and changes nothing; the data stays"""
    first = ensure_indexes(db)
    schema = rows(db, "SELECT name, sql FROM sqlite_master ORDER BY name")
    second = ensure_indexes(db)
    assert sorted(first) == sorted(second)
    assert rows(db, "SELECT name, sql FROM sqlite_master ORDER BY name") == schema
    indexes = {r[0] for r in schema if r[1] is not None and "INDEX" in r[1].upper()}
    assert set(first) <= indexes
    assert count(db, "orders") == 1519
    assert count(db, "order_items") == 2598


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_query_plan_returns_the_detail_lines(db):
    """query_plan returns the detail column of EXPLAIN QUERY PLAN"""
    ensure_indexes(db)
    for _, sql, params in INDEXED_QUERIES:
        assert query_plan(db, sql, params) == plan(db, sql, params)
    join = (
        "SELECT c.name, COUNT(*) FROM orders AS o JOIN customers AS c "
        "ON c.id = o.customer_id WHERE o.status = ? GROUP BY c.name"
    )
    assert query_plan(db, join, ("paid",)) == plan(db, join, ("paid",))


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_orders_in_month_sql_is_index_friendly(db):
    """ORDERS_IN_MONTH_SQL searches the ordered_at index (a range, no function)"""
    sql = sqlite_queries.ORDERS_IN_MONTH_SQL
    assert isinstance(sql, str)
    ensure_indexes(db)
    details = plan(db, sql, ("2024-03-01", "2024-04-01"))
    assert uses_index(details, "orders"), details
    assert any("ordered_at" in d for d in details), details


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.parametrize("month", ["2024-02", "2023-12", "2024-06"])
def test_orders_in_month(db, month):
    """orders_in_month lists the month's order ids by date, then id"""
    expected = [
        r[0]
        for r in sorted(
            (o for o in tables(db)["orders"] if o[2].startswith(month)),
            key=lambda o: (o[2], o[0]),
        )
    ]
    assert len(expected) > 20
    assert orders_in_month(db, month) == expected


@pytest.mark.task(5)
@pytest.mark.points(1)
@pytest.mark.parametrize("month", ["2024-13", "2024/02", "24-02", "", "2024-2"])
def test_orders_in_month_rejects_bad_months(db, month):
    """orders_in_month raises ValueError for anything but a valid 'YYYY-MM'"""
    with pytest.raises(ValueError):
        orders_in_month(db, month)
