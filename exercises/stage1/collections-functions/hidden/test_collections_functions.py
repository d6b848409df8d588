"""Hidden tests of collections_functions: containers, arguments, sorting."""

import pytest

from collections_functions import (
    add_tag,
    common_to_all,
    format_price,
    greet,
    group_by_initial,
    passing,
    rank_by_score,
    top_words,
    unique_in_order,
    word_counts,
)

# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_word_counts_counts_lower_cased_words_in_first_seen_order():
    """word_counts counts words case-insensitively, keys in order of first appearance"""
    counts = word_counts("the cat saw The dog and THE cat")
    assert counts == {"the": 3, "cat": 2, "saw": 1, "dog": 1, "and": 1}
    assert list(counts) == ["the", "cat", "saw", "dog", "and"]


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello, world! Hello.", {"hello": 2, "world": 1}),
        ('"Yes," she said (twice): yes!', {"yes": 2, "she": 1, "said": 1, "twice": 1}),
        ("don't stop", {"don't": 1, "stop": 1}),
        ("well-known well-known", {"well-known": 2}),
        ("  ... !!  ", {}),
        ("", {}),
        ("tabs\tand\nnew lines", {"tabs": 1, "and": 1, "new": 1, "lines": 1}),
    ],
    ids=[
        "comma-and-bang",
        "quotes-and-parens",
        "inner-apostrophe",
        "inner-hyphen",
        "only-punctuation",
        "empty",
        "tabs-and-newlines",
    ],
)
def test_word_counts_strips_punctuation_at_the_ends(text, expected):
    """word_counts strips punctuation from the ends of words only, and skips empties"""
    assert word_counts(text) == expected


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_group_by_initial_keeps_input_order():
    """group_by_initial groups by lower-cased first letter, words in input order"""
    groups = group_by_initial(["banana", "Apple", "avocado", "", "Blueberry", "cherry"])
    assert groups == {
        "b": ["banana", "Blueberry"],
        "a": ["Apple", "avocado"],
        "c": ["cherry"],
    }
    assert list(groups) == ["b", "a", "c"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_group_by_initial_of_nothing_is_empty():
    """group_by_initial of no words (or only empty strings) is an empty dict"""
    assert group_by_initial([]) == {}
    assert group_by_initial(["", ""]) == {}
    assert group_by_initial(iter(["x"])) == {"x": ["x"]}


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "items, expected",
    [
        ([3, 1, 3, 2, 1], [3, 1, 2]),
        (["b", "a", "b", "B"], ["b", "a", "B"]),
        ([], []),
        ([7, 7, 7], [7]),
        ((x % 3 for x in range(10)), [0, 1, 2]),
    ],
    ids=["ints", "case-sensitive", "empty", "all-equal", "generator"],
)
@pytest.mark.core
def test_unique_in_order_keeps_first_occurrences(items, expected):
    """unique_in_order drops repeats and keeps each item where it first appeared"""
    assert unique_in_order(items) == expected


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_unique_in_order_is_fast_on_long_inputs():
    """unique_in_order handles 200 000 items quickly (a set remembers what was seen)"""
    items = list(range(100_000)) * 2
    assert unique_in_order(items) == list(range(100_000))


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "groups, expected",
    [
        ([["ann", "bob", "cy"], ["bob", "cy", "dan"], ["cy", "bob"]], {"bob", "cy"}),
        ([["ann", "bob"]], {"ann", "bob"}),
        ([["ann", "ann"], ["ann"]], {"ann"}),
        ([["ann"], ["bob"]], set()),
        ([["ann"], []], set()),
        ([], set()),
    ],
    ids=["three-groups", "one-group", "repeats", "disjoint", "one-empty", "no-groups"],
)
@pytest.mark.core
def test_common_to_all(groups, expected):
    """common_to_all returns the names in every group; no groups gives an empty set"""
    assert common_to_all(groups) == expected


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_passing_keeps_scores_at_or_above_the_mark():
    """passing keeps scores at or above the mark (default 60), in the input order"""
    scores = {"ann": 59.5, "bob": 60, "cy": 88, "dan": 12}
    assert passing(scores) == {"bob": 60, "cy": 88}
    assert list(passing(scores, 0)) == ["ann", "bob", "cy", "dan"]
    assert passing(scores, mark=88) == {"cy": 88}
    assert passing(scores, 88.5) == {}
    assert passing({}) == {}
    assert scores == {"ann": 59.5, "bob": 60, "cy": 88, "dan": 12}


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({}, "Hello, Ada."),
        ({"excited": True}, "Hello, Ada!"),
        ({"greeting": "Hi"}, "Hi, Ada."),
        ({"greeting": "你好", "excited": True}, "你好, Ada!"),
    ],
    ids=["defaults", "excited", "greeting", "both"],
)
@pytest.mark.core
def test_greet_with_defaults_and_keywords(kwargs, expected):
    """greet uses its defaults and takes greeting and excited by keyword"""
    assert greet("Ada", **kwargs) == expected


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_greet_options_are_keyword_only():
    """greet('Ada', 'Hi') raises TypeError: greeting and excited are keyword-only"""
    assert greet("Ada", greeting="Hi", excited=False) == "Hi, Ada."
    with pytest.raises(TypeError):
        greet("Ada", "Hi")
    with pytest.raises(TypeError):
        greet("Ada", "Hi", True)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_greet_strips_the_name_and_refuses_a_blank_one():
    """greet strips spaces around the name and raises ValueError for a blank name"""
    assert greet("  Ada ") == "Hello, Ada."
    for name in ["", "   "]:
        with pytest.raises(ValueError, match="blank"):
            greet(name)


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_add_tag_never_shares_a_default_list():
    """add_tag without a list starts a new one each call (no shared mutable default)"""
    assert add_tag("a") == ["a"]
    assert add_tag("b") == ["b"]
    assert add_tag("c", None) == ["c"]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_add_tag_copies_the_given_list_and_skips_repeats():
    """add_tag returns a new list, leaves the given one alone and adds no repeat"""
    tags = ["x", "y"]
    assert add_tag("z", tags) == ["x", "y", "z"]
    assert tags == ["x", "y"]
    assert add_tag("x", tags) == ["x", "y"]
    assert add_tag("x", tags=[]) == ["x"]


@pytest.mark.task(3)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "args, kwargs, expected",
    [
        ((12.5,), {}, "12.50 CNY"),
        ((3, "EUR"), {}, "3.00 EUR"),
        ((2.345,), {"decimals": 1}, "2.3 CNY"),
        ((7,), {"currency": "USD", "decimals": 0}, "7 USD"),
        ((0.1,), {"decimals": 3}, "0.100 CNY"),
    ],
    ids=["defaults", "positional-currency", "one-decimal", "no-decimals", "three"],
)
def test_format_price(args, kwargs, expected):
    """format_price writes the amount with `decimals` digits, then the currency"""
    assert format_price(*args, **kwargs) == expected


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_format_price_decimals_is_keyword_only_and_not_negative():
    """format_price refuses decimals passed by position (TypeError) or negative"""
    with pytest.raises(TypeError):
        format_price(1, "CNY", 2)
    with pytest.raises(ValueError, match="-1"):
        format_price(1, decimals=-1)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_rank_by_score_sorts_high_to_low_then_by_name():
    """rank_by_score: highest score first, equal scores by name ignoring case"""
    records = [
        {"name": "dan", "score": 70},
        {"name": "Bob", "score": 85},
        {"name": "ann", "score": 90},
        {"name": "cy", "score": 85},
        {"name": "bea", "score": 85},
    ]
    ranked = rank_by_score(records)
    assert [r["name"] for r in ranked] == ["ann", "bea", "Bob", "cy", "dan"]
    assert ranked[0] == {"name": "ann", "score": 90}


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_rank_by_score_leaves_the_input_alone():
    """rank_by_score returns a new list and does not reorder the one it was given"""
    records = [{"name": "b", "score": 1}, {"name": "a", "score": 2}]
    assert [r["name"] for r in rank_by_score(records)] == ["a", "b"]
    assert [r["name"] for r in records] == ["b", "a"]
    assert rank_by_score([]) == []


COUNTS = {"pear": 2, "apple": 5, "fig": 2, "kiwi": 1, "date": 5}


@pytest.mark.task(4)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "n, expected",
    [
        (0, []),
        (1, [("apple", 5)]),
        (2, [("apple", 5), ("date", 5)]),
        (3, [("apple", 5), ("date", 5), ("fig", 2)]),
        (
            9,
            [("apple", 5), ("date", 5), ("fig", 2), ("pear", 2), ("kiwi", 1)],
        ),
    ],
    ids=["zero", "one", "tie-at-top", "default-size", "more-than-there-are"],
)
@pytest.mark.core
def test_top_words_orders_by_count_then_word(n, expected):
    """top_words returns the n most frequent pairs; equal counts alphabetically"""
    assert top_words(COUNTS, n) == expected


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_top_words_default_and_negative_n():
    """top_words returns three pairs by default and raises ValueError for n < 0"""
    assert top_words(COUNTS) == [("apple", 5), ("date", 5), ("fig", 2)]
    assert top_words({}) == []
    with pytest.raises(ValueError, match="-2"):
        top_words(COUNTS, -2)
