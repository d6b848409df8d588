"""Tests for item_recommender.py (the reference solution's own test suite)."""

import math
import time

import pytest

from item_recommender import (
    ItemCF,
    NotFittedError,
    RatingsError,
    UnknownItemError,
    load_ratings,
    validate_rating,
)

#        a  b  c
#   u1   5  3  .
#   u2   4  .  2
#   u3   .  1  4
RATINGS = [
    ("u1", "a", 5),
    ("u1", "b", 3),
    ("u2", "a", 4),
    ("u2", "c", 2),
    ("u3", "b", 1),
    ("u3", "c", 4),
]
NORM_A = math.sqrt(25 + 16)
NORM_B = math.sqrt(9 + 1)
NORM_C = math.sqrt(4 + 16)
COS_AB = 15 / (NORM_A * NORM_B)
COS_AC = 8 / (NORM_A * NORM_C)
COS_BC = 4 / (NORM_B * NORM_C)


@pytest.fixture
def model():
    return ItemCF(min_common=1, shrinkage=0.0).fit(RATINGS)


def write(tmp_path, text):
    path = tmp_path / "ratings.csv"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize("value", [0.5, 5, 3.5])
def test_validate_rating_accepts_range(value):
    assert validate_rating(value) == float(value)


@pytest.mark.parametrize("value", [True, "4", None, 0.4, 5.5, float("nan")])
def test_validate_rating_rejects(value):
    with pytest.raises(RatingsError):
        validate_rating(value)


def test_load_ratings_reads_rows(tmp_path):
    path = write(tmp_path, "user_id,item_id,rating\nu1,a,4\n\nu2,b,2.5\n")
    assert load_ratings(path) == [("u1", "a", 4.0), ("u2", "b", 2.5)]


@pytest.mark.parametrize("text", ["", "user,item,rating\n", "u1,a,4\n"])
def test_load_ratings_rejects_header(tmp_path, text):
    with pytest.raises(RatingsError, match="line 1"):
        load_ratings(write(tmp_path, text))


@pytest.mark.parametrize("row", ["u1,a", "u1,a,x", "u1,a,9", " ,a,3", "u1,,3"])
def test_load_ratings_bad_row_reports_line(tmp_path, row):
    path = write(tmp_path, f"user_id,item_id,rating\nu0,a,1\n{row}\n")
    with pytest.raises(RatingsError, match="line 3"):
        load_ratings(path)


# ---------------------------------------------------------------- fitting


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_common": 0},
        {"min_common": True},
        {"shrinkage": -1},
        {"shrinkage": float("nan")},
        {"shrinkage": "1"},
        {"neighbours": 0},
    ],
)
def test_constructor_validates(kwargs):
    with pytest.raises(ValueError):
        ItemCF(**kwargs)


@pytest.mark.parametrize(
    "bad", [("u9", "a"), ("u9", "a", True), ("", "a", 3), ("u9", None, 3), 5]
)
def test_fit_rejects_bad_triples(bad):
    with pytest.raises(RatingsError):
        ItemCF().fit(RATINGS + [bad])


def test_fit_rejects_empty():
    with pytest.raises(RatingsError):
        ItemCF().fit([])


def test_fit_returns_self_and_later_rating_wins():
    cf = ItemCF(min_common=1, shrinkage=0.0)
    assert cf.fit([("u1", "a", 1)] + RATINGS) is cf
    assert cf.similarity("a", "b") == pytest.approx(COS_AB)


def test_queries_need_fit():
    cf = ItemCF()
    with pytest.raises(NotFittedError):
        cf.recommend("u1", 1)
    with pytest.raises(NotFittedError):
        cf.popular_items(1)
    with pytest.raises(NotFittedError):
        cf.items


# ---------------------------------------------------------------- similarity


def test_similarity_plain_cosine(model):
    assert model.similarity("a", "b") == pytest.approx(COS_AB)
    assert model.similarity("c", "a") == pytest.approx(COS_AC)
    assert model.similarity("b", "b") == 1.0


def test_similarity_shrinkage_and_min_common():
    shrunk = ItemCF(min_common=1, shrinkage=3.0).fit(RATINGS)
    assert shrunk.similarity("a", "b") == pytest.approx(COS_AB * 1 / 4)
    strict = ItemCF(min_common=2, shrinkage=0.0).fit(RATINGS)
    assert strict.similarity("a", "b") == 0.0
    assert strict.similar_items("a", 5) == []


def test_unknown_item(model):
    with pytest.raises(UnknownItemError):
        model.similarity("a", "zz")
    with pytest.raises(KeyError):
        model.similar_items("zz", 1)


def test_similar_items_order_and_k(model):
    expected = sorted([("b", COS_AB), ("c", COS_AC)], key=lambda p: -p[1])
    got = model.similar_items("a", 5)
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert model.similar_items("a", 1) == got[:1]
    assert model.similar_items("a", 0) == []
    with pytest.raises(ValueError):
        model.similar_items("a", -1)


def test_similar_items_tie_by_id():
    data = [("u1", "x", 4), ("u1", "z", 2), ("u1", "m", 2)]
    cf = ItemCF(min_common=1, shrinkage=0.0).fit(data)
    assert [i for i, _ in cf.similar_items("x", 5)] == ["m", "z"]


def test_items_sorted(model):
    assert model.items == ["a", "b", "c"]


# ---------------------------------------------------------------- recommend


def test_recommend_scores(model):
    # u1 rated a=5, b=3: c gets 5*sim(a,c) + 3*sim(b,c)
    [(item, score)] = model.recommend("u1", 3)
    assert item == "c"
    assert score == pytest.approx(5 * COS_AC + 3 * COS_BC)


def test_recommend_include_seen(model):
    got = dict(model.recommend("u1", 3, exclude_seen=False))
    assert got["a"] == pytest.approx(3 * COS_AB)
    assert got["b"] == pytest.approx(5 * COS_AB)


def test_recommend_neighbours_limit():
    cf = ItemCF(min_common=1, shrinkage=0.0, neighbours=1).fit(RATINGS)
    # a's best neighbour is b, b's is a: u1 (a, b) has no unseen vote -> back-fill
    assert cf.recommend("u1", 3) == [("c", 0.0)]


def test_recommend_bad_k(model):
    for k in (-1, True, 2.0):
        with pytest.raises(ValueError):
            model.recommend("u1", k)


def test_cold_start_and_backfill(model):
    assert model.popular_items(5) == [("a", 2), ("b", 2), ("c", 2)]
    assert model.recommend("nobody", 2) == [("a", 0.0), ("b", 0.0)]
    assert model.recommend("u1", 0) == []
    with pytest.raises(ValueError):
        model.popular_items(-1)


def test_backfill_after_scored_items():
    data = RATINGS + [("u4", "d", 3), ("u5", "d", 2), ("u6", "d", 1)]
    cf = ItemCF(min_common=1, shrinkage=0.0).fit(data)
    got = cf.recommend("u1", 5)
    assert [i for i, _ in got] == ["c", "d"]
    assert got[1] == ("d", 0.0)
    everything = cf.recommend("u1", 5, exclude_seen=False)
    assert {i for i, _ in everything} == {"a", "b", "c", "d"}


def test_latency_on_shipped_data():
    cf = ItemCF().fit(load_ratings("data/ratings.csv"))
    times = []
    for n in range(1, 1001, 5):
        start = time.perf_counter()
        cf.recommend(f"u{n:04d}", 10)
        times.append(time.perf_counter() - start)
    times.sort()
    assert times[len(times) // 2] < 0.01
