import contextlib
import math
import time
from pathlib import Path

import pytest

from item_recommender import (
    ItemCF,
    NotFittedError,
    RatingsError,
    UnknownItemError,
    load_ratings,
)


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


DATA = Path("data") / "ratings.csv"

# The tiny matrix used for hand-computed results (integer ratings, so ties are exact):
#
#        a   b   c   d   e
#   u1   5   3   .   1   .
#   u2   4   .   .   1   .
#   u3   1   1   .   5   .
#   u4   .   1   5   4   .
#   u5   .   .   4   .   2
TINY = [
    ("u1", "a", 5),
    ("u1", "b", 3),
    ("u1", "d", 1),
    ("u2", "a", 4),
    ("u2", "d", 1),
    ("u3", "a", 1),
    ("u3", "b", 1),
    ("u3", "d", 5),
    ("u4", "b", 1),
    ("u4", "c", 5),
    ("u4", "d", 4),
    ("u5", "c", 4),
    ("u5", "e", 2),
]
NORM = {
    "a": math.sqrt(25 + 16 + 1),
    "b": math.sqrt(9 + 1 + 1),
    "c": math.sqrt(25 + 16),
    "d": math.sqrt(1 + 1 + 25 + 16),
    "e": math.sqrt(4),
}
# plain cosine: dot product over the common users / (norm * norm)
COS = {
    ("a", "b"): (15 + 1) / (NORM["a"] * NORM["b"]),
    ("a", "d"): (5 + 4 + 5) / (NORM["a"] * NORM["d"]),
    ("b", "c"): 5 / (NORM["b"] * NORM["c"]),
    ("b", "d"): (3 + 5 + 4) / (NORM["b"] * NORM["d"]),
    ("c", "d"): 20 / (NORM["c"] * NORM["d"]),
    ("c", "e"): 8 / (NORM["c"] * NORM["e"]),
}
COMMON = {("a", "b"): 2, ("a", "d"): 3, ("b", "c"): 1, ("b", "d"): 3}
COMMON.update({("c", "d"): 1, ("c", "e"): 1})


def cos(x, y):
    return COS.get((x, y)) or COS.get((y, x)) or 0.0


def plain():
    """Plain cosine: no shrinkage, one common user is enough, 10 neighbours."""
    return ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(TINY)


def write(tmp_path, text):
    path = tmp_path / "ratings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def assert_pairs(actual, expected):
    assert [item for item, _ in actual] == [item for item, _ in expected]
    for (_, got), (_, want) in zip(actual, expected):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_ratings_reads_shipped_file():
    """load_ratings reads data/ratings.csv into (str, str, float) triples in order"""
    triples = load_ratings(DATA)
    assert len(triples) == 14386
    assert list(triples[0]) == ["u0001", "i0210", 5.0]
    assert list(triples[1]) == ["u0001", "i0166", 3.5]
    user, item, rating = triples[-1]
    assert isinstance(user, str) and isinstance(item, str)
    assert isinstance(rating, float)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_ratings_accepts_str_path_and_skips_blank_lines(tmp_path):
    """load_ratings accepts a str path and ignores empty lines"""
    path = write(tmp_path, "user_id,item_id,rating\nu1,a,4\n\nu2,a,0.5\n")
    assert [list(t) for t in load_ratings(str(path))] == [
        ["u1", "a", 4.0],
        ["u2", "a", 0.5],
    ]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "text",
    [
        "user,item,rating\nu1,a,4\n",
        "u1,a,4\n",
        "",
    ],
    ids=["wrong-header", "no-header", "empty-file"],
)
def test_load_ratings_rejects_bad_header(tmp_path, text):
    """load_ratings raises RatingsError when the header is not user_id,item_id,rating"""
    with pytest.raises(RatingsError):
        load_ratings(write(tmp_path, text))


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "row",
    [
        "u2,b,abc",
        "u2,b,5.5",
        "u2,b,0",
        "u2,b,nan",
        " ,b,3",
        "u2,,3",
        "u2,b",
        "u2,b,3,x",
    ],
    ids=["text", "too-high", "zero", "nan", "blank-user", "blank-item", "two", "four"],
)
@pytest.mark.core
def test_load_ratings_bad_row_names_line(tmp_path, row):
    """A bad data row raises RatingsError whose message names its line number"""
    path = write(tmp_path, f"user_id,item_id,rating\nu1,a,4\n{row}\n")
    with pytest.raises(RatingsError, match=r"line 3"):
        load_ratings(path)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "bad",
    [
        ("u9", "a", True),
        ("u9", "a", "4"),
        ("u9", "a", 0.4),
        ("u9", "a", 5.01),
        ("u9", "a", float("nan")),
        ("u9", "a", None),
        ("", "a", 3),
        ("u9", "  ", 3),
        ("u9", 7, 3),
        ("u9", "a"),
    ],
    ids=[
        "bool",
        "str-rating",
        "below",
        "above",
        "nan",
        "none",
        "blank-user",
        "blank-item",
        "int-item",
        "pair",
    ],
)
def test_fit_rejects_invalid_triples(bad):
    """fit raises RatingsError for an invalid triple anywhere in the input"""
    with pytest.raises(RatingsError):
        ItemCF().fit(TINY + [bad])


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_fit_rejects_empty_input():
    """fit raises RatingsError when there are no ratings at all"""
    with pytest.raises(RatingsError):
        ItemCF().fit([])


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_fit_later_duplicate_rating_wins():
    """A user re-rating an item replaces the earlier rating (the later one wins)"""
    noisy = [("u1", "a", 1), ("u3", "d", 2)] + TINY
    cleaned = ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(noisy)
    assert cleaned.similarity("a", "b") == pytest.approx(plain().similarity("a", "b"))
    moved = TINY + [("u1", "a", 1)]
    model = ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(moved)
    norm_a = math.sqrt(1 + 16 + 1)
    assert model.similarity("a", "b") == pytest.approx((3 + 1) / (norm_a * NORM["b"]))


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_common": 0},
        {"min_common": True},
        {"min_common": 1.5},
        {"shrinkage": -1.0},
        {"shrinkage": float("inf")},
        {"shrinkage": "2"},
        {"neighbours": 0},
        {"neighbours": 2.0},
    ],
    ids=[
        "min0",
        "min-bool",
        "min-float",
        "shrink-neg",
        "shrink-inf",
        "shrink-str",
        "nb0",
        "nb-float",
    ],
)
def test_constructor_rejects_bad_hyper_parameters(kwargs):
    """ItemCF raises ValueError for an invalid min_common, shrinkage or neighbours"""
    with pytest.raises(ValueError):
        ItemCF(**kwargs)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_queries_before_fit_raise_not_fitted():
    """recommend, similar_items and similarity before fit raise NotFittedError"""
    model = ItemCF()
    with pytest.raises(NotFittedError):
        model.recommend("u1", 3)
    with pytest.raises(NotFittedError):
        model.similar_items("a", 3)
    with pytest.raises(RuntimeError):
        model.similarity("a", "b")


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_similarity_is_plain_cosine_without_shrinkage():
    """With shrinkage 0 and min_common 1, similarity is the cosine over common users"""
    model = plain()
    for a in "abcde":
        for b in "abcde":
            if a != b:
                assert model.similarity(a, b) == pytest.approx(cos(a, b)), (a, b)


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_similarity_shrinks_by_common_count():
    """Shrinkage multiplies the cosine by n / (n + shrinkage), n = common raters"""
    model = ItemCF(min_common=1, shrinkage=2.0, neighbours=10).fit(TINY)
    for (a, b), n in COMMON.items():
        assert model.similarity(a, b) == pytest.approx(
            COS[(a, b)] * n / (n + 2.0)
        ), f"for {((a, b), n)!r}"
    assert model.similarity("a", "e") == 0.0


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_similarity_zero_below_min_common():
    """Pairs with fewer common raters than min_common have similarity 0.0"""
    model = ItemCF(min_common=2, shrinkage=0.0, neighbours=10).fit(TINY)
    assert model.similarity("b", "c") == 0.0
    assert model.similarity("c", "e") == 0.0
    assert model.similarity("a", "b") == pytest.approx(COS[("a", "b")])
    strict = ItemCF(min_common=3, shrinkage=0.0, neighbours=10).fit(TINY)
    assert strict.similarity("a", "b") == 0.0
    assert strict.similarity("b", "d") == pytest.approx(COS[("b", "d")])


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_similarity_symmetric_and_self_is_one():
    """similarity(a, b) == similarity(b, a) and similarity(a, a) == 1.0"""
    model = ItemCF(min_common=1, shrinkage=3.0, neighbours=10).fit(TINY)
    assert model.similarity("c", "d") == model.similarity("d", "c")
    assert model.similarity("e", "e") == 1.0


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_unknown_item_raises_unknown_item_error():
    """similarity and similar_items raise UnknownItemError (a KeyError) for new items"""
    model = plain()
    with pytest.raises(UnknownItemError):
        model.similarity("a", "zzz")
    with pytest.raises(KeyError):
        model.similarity("zzz", "a")
    with pytest.raises(UnknownItemError):
        model.similar_items("zzz", 3)


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_similar_items_sorted_best_first():
    """similar_items lists items with similarity > 0, best first, never itself"""
    model = plain()
    expected = sorted(
        [(x, cos("d", x)) for x in "abce" if cos("d", x) > 0], key=lambda p: -p[1]
    )
    assert_pairs(model.similar_items("d", 10), expected)
    assert_pairs(model.similar_items("e", 10), [("c", cos("c", "e"))])
    assert_pairs(model.similar_items("d", 2), expected[:2])
    assert model.similar_items("d", 0) == []


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_similar_items_ties_broken_by_item_id():
    """Items with exactly equal similarity are ordered by item id ascending"""
    ratings = [
        ("u1", "x", 4),
        ("u1", "z", 2),
        ("u1", "m", 2),
        ("u2", "x", 1),
        ("u2", "z", 3),
        ("u2", "m", 3),
    ]
    model = ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(ratings)
    assert [item for item, _ in model.similar_items("x", 5)] == ["m", "z"]
    # sim(x, y) == sim(x, b) == 1 / sqrt(2), and y is met before b
    other = [("u1", "x", 1), ("u1", "y", 1), ("u2", "x", 1), ("u2", "b", 1)]
    model = ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(other)
    assert [item for item, _ in model.similar_items("x", 5)] == ["b", "y"]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_similar_items_rejects_bad_k():
    """similar_items raises ValueError for a negative or non-int k"""
    model = plain()
    with pytest.raises(ValueError):
        model.similar_items("a", -1)
    with pytest.raises(ValueError):
        model.similar_items("a", 2.5)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_items_property_sorted():
    """model.items lists every fitted item id in ascending order"""
    assert list(plain().items) == ["a", "b", "c", "d", "e"]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_recommend_scores_sum_similarity_times_rating():
    """recommend scores an item as the sum of sim(item, seen) * rating, best first"""
    model = plain()
    # u2 rated a=4, d=1: b gets 4*sim(a,b) + 1*sim(b,d), c gets 1*sim(c,d)
    assert_pairs(
        model.recommend("u2", 2),
        [("b", 4 * cos("a", "b") + cos("b", "d")), ("c", cos("c", "d"))],
    )
    # u4 rated b=1, c=5, d=4
    assert_pairs(
        model.recommend("u4", 2),
        [("e", 5 * cos("c", "e")), ("a", cos("a", "b") + 4 * cos("a", "d"))],
    )


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_recommend_uses_only_top_neighbours():
    """Only the `neighbours` most similar items of each seen item receive its vote"""
    model = ItemCF(min_common=1, shrinkage=0.0, neighbours=1).fit(TINY)
    # best neighbour: a->b, b->a, c->e, d->b, e->c; u3 rated a, b, d: votes go to b, a
    # only; u5 rated c=4, e=2: c votes for e, e votes for c (both seen)
    assert model.recommend("u3", 5) == [("c", 0.0), ("e", 0.0)]
    assert_pairs(
        model.recommend("u5", 1, exclude_seen=False), [("e", 4 * cos("c", "e"))]
    )
    two = ItemCF(min_common=1, shrinkage=0.0, neighbours=2).fit(TINY)
    assert_pairs(two.recommend("u1", 1), [("c", 1 * cos("c", "d"))])


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_recommend_include_seen_items():
    """exclude_seen=False lets items the user already rated be recommended"""
    model = plain()
    got = model.recommend("u1", 3, exclude_seen=False)
    assert_pairs(
        got,
        [
            ("b", 5 * cos("a", "b") + cos("b", "d")),
            ("d", 5 * cos("a", "d") + 3 * cos("b", "d")),
            ("a", 3 * cos("a", "b") + cos("a", "d")),
        ],
    )
    excluded = [item for item, _ in model.recommend("u1", 5)]
    assert not {"a", "b", "d"} & set(excluded)


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_recommend_ties_broken_by_item_id():
    """Candidates with exactly equal scores are ordered by item id ascending"""
    ratings = [
        ("u1", "x", 4),
        ("u1", "z", 2),
        ("u1", "m", 2),
        ("u2", "x", 1),
        ("u2", "z", 3),
        ("u2", "m", 3),
        ("u3", "x", 5),
    ]
    model = ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(ratings)
    got = model.recommend("u3", 2)
    assert [item for item, _ in got] == ["m", "z"]
    assert got[0][1] == got[1][1] > 0
    # u3 rated q (neighbour z) before p (neighbour m); both score 1 / sqrt(2)
    other = [
        ("u1", "q", 1),
        ("u1", "z", 1),
        ("u2", "p", 1),
        ("u2", "m", 1),
        ("u3", "q", 1),
        ("u3", "p", 1),
    ]
    model = ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(other)
    got = model.recommend("u3", 2)
    assert [item for item, _ in got] == ["m", "z"]
    assert got[0][1] == pytest.approx(1 / math.sqrt(2))


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_recommend_rejects_bad_k():
    """recommend raises ValueError for a negative, bool or non-int k"""
    model = plain()
    for k in (-1, 1.0, True):
        with raises_for(k, ValueError):
            model.recommend("u1", k)


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_recommend_on_shipped_data_matches_expected():
    """On data/ratings.csv with default settings, recommend returns the known top 5"""
    model = ItemCF().fit(load_ratings(DATA))
    assert_pairs(
        [(i, round(s, 6)) for i, s in model.recommend("u0001", 5)],
        [
            ("i0073", 9.122481),
            ("i0329", 8.075713),
            ("i0112", 7.641361),
            ("i0167", 5.94136),
            ("i0236", 5.680384),
        ],
    )
    top = model.similar_items("i0234", 3)
    assert [item for item, _ in top] == ["i0014", "i0067", "i0167"]
    assert top[0][1] == pytest.approx(0.326615, abs=1e-6)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_popular_items_counts_ratings():
    """popular_items(k) lists (item, number of ratings), most rated first, ties by id"""
    model = plain()
    assert [list(p) for p in model.popular_items(10)] == [
        ["d", 4],
        ["a", 3],
        ["b", 3],
        ["c", 2],
        ["e", 1],
    ]
    assert [list(p) for p in model.popular_items(2)] == [["d", 4], ["a", 3]]


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_unknown_user_gets_popular_items():
    """An unknown user gets the most popular items with score 0.0 (cold start)"""
    model = plain()
    assert model.recommend("new-user", 3) == [("d", 0.0), ("a", 0.0), ("b", 0.0)]
    assert model.recommend("new-user", 3, exclude_seen=False) == [
        ("d", 0.0),
        ("a", 0.0),
        ("b", 0.0),
    ]


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_short_list_backfilled_with_popular_unseen_items():
    """Fewer than k scored items are followed by popular unseen items scored 0.0"""
    model = plain()
    # u5 rated c and e: d and b score, a does not; popularity fills a in
    got = model.recommend("u5", 3)
    assert [item for item, _ in got] == ["d", "b", "a"]
    assert got[0][1] > got[1][1] > 0
    assert got[2] == ("a", 0.0)


@pytest.mark.task(4)
@pytest.mark.points(3)
def test_k_larger_than_catalogue_returns_each_unseen_item_once():
    """k larger than the catalogue returns every unseen item exactly once"""
    model = plain()
    got = model.recommend("u1", 100)
    assert [item for item, _ in got] == ["c", "e"]
    assert [item for item, _ in model.recommend("u1", 100, exclude_seen=False)] == [
        "b",
        "d",
        "a",
        "c",
        "e",
    ]
    cold = model.recommend("somebody", 100)
    assert [item for item, _ in cold] == ["d", "a", "b", "c", "e"]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_user_who_rated_everything_gets_nothing():
    """A user who rated every item gets [] with exclude_seen, and k=0 always gives []"""
    ratings = TINY + [("all", item, 3) for item in "abcde"]
    model = ItemCF(min_common=1, shrinkage=0.0, neighbours=10).fit(ratings)
    assert model.recommend("all", 10) == []
    assert len(model.recommend("all", 10, exclude_seen=False)) == 5
    assert model.recommend("u1", 0) == []
    assert model.recommend("nobody", 0) == []


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_recommendations_are_deterministic():
    """Two models fitted on the same ratings in a different order agree exactly"""
    data = load_ratings(DATA)[:3000]
    first = ItemCF().fit(data)
    second = ItemCF().fit(list(reversed(data)))
    for user in ("u0003", "u0042", "u0101", "u9999"):
        a = first.recommend(user, 10)
        b = second.recommend(user, 10)
        assert [i for i, _ in a] == [i for i, _ in b], f"for {user!r}"
        assert [s for _, s in a] == pytest.approx([s for _, s in b]), f"for {user!r}"


# --------------------------------------------------------------------- task 5

P99_BUDGET_MS = 50.0
FIT_BUDGET_S = 20.0


def p99_within_budget(call, args_list, rounds=3):
    """True when, in one of `rounds` rounds, at most 1% of the calls exceed the budget.

    That is the nearest-rank p99 (the 198th of 200 sorted latencies) being under
    the budget. A busy machine only ever adds latency, so the best round counts;
    a round stops as soon as it has too many slow calls, and there is no retry
    once 10 s have been spent (a slow implementation fails fast).
    """
    allowed = len(args_list) - math.ceil(0.99 * len(args_list))
    for args in args_list[:2]:
        call(*args)  # warm up
    report = []
    started = time.perf_counter()
    for _ in range(rounds):
        slow = []
        for args in args_list:
            start = time.perf_counter()
            call(*args)
            elapsed_ms = (time.perf_counter() - start) * 1000
            if elapsed_ms >= P99_BUDGET_MS:
                slow.append(round(elapsed_ms, 1))
                if len(slow) > allowed:
                    break
        if len(slow) <= allowed:
            return True, slow
        report.append(slow)
        if time.perf_counter() - started > 10:
            break
    return False, report


@pytest.fixture(scope="module")
def shipped_model():
    ratings = load_ratings(DATA)
    start = time.perf_counter()
    model = ItemCF().fit(ratings)
    return model, time.perf_counter() - start


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_fit_on_shipped_data_within_budget(shipped_model):
    """fit on data/ratings.csv (14k ratings, 400 items) finishes within 20 s"""
    _, seconds = shipped_model
    assert seconds < FIT_BUDGET_S


@pytest.mark.task(5)
@pytest.mark.points(6)
@pytest.mark.core
def test_recommend_p99_latency_within_budget(shipped_model):
    """p99 latency of 200 recommend calls on the shipped data is under 50 ms"""
    model, _ = shipped_model
    users = [(f"u{n:04d}", 10) for n in range(1, 1001, 5)]
    assert len(users) == 200
    ok, slow = p99_within_budget(model.recommend, users)
    assert ok, f"calls of 50 ms or more, per round: {slow}"


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_similar_items_p99_latency_within_budget(shipped_model):
    """p99 latency of 200 similar_items calls on the shipped data is under 50 ms"""
    model, _ = shipped_model
    items = [(f"i{n:04d}", 10) for n in range(1, 401, 2)]
    ok, slow = p99_within_budget(model.similar_items, items)
    assert ok, f"calls of 50 ms or more, per round: {slow}"
