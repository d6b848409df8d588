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


def test_word_counts_ignores_case_and_punctuation():
    assert word_counts("Hi, hi! Bye.") == {"hi": 2, "bye": 1}


def test_group_by_initial():
    assert group_by_initial(["b", "", "A", "a"]) == {"b": ["b"], "a": ["A", "a"]}


def test_unique_in_order():
    assert unique_in_order([2, 1, 2, 3, 1]) == [2, 1, 3]


@pytest.mark.parametrize(
    "groups, expected",
    [([["a", "b"], ["b", "c"]], {"b"}), ([], set())],
    ids=["two", "none"],
)
def test_common_to_all(groups, expected):
    assert common_to_all(groups) == expected


def test_passing_includes_the_mark():
    assert passing({"a": 60, "b": 59}) == {"a": 60}


def test_greet():
    assert greet("Ada") == "Hello, Ada."
    assert greet("Ada", greeting="Hi", excited=True) == "Hi, Ada!"
    with pytest.raises(TypeError):
        greet("Ada", "Hi")
    with pytest.raises(ValueError):
        greet(" ")


def test_add_tag_does_not_share_lists():
    assert add_tag("a") == ["a"]
    assert add_tag("b") == ["b"]
    tags = ["a"]
    assert add_tag("a", tags) == ["a"]
    assert add_tag("c", tags) == ["a", "c"]
    assert tags == ["a"]


def test_format_price():
    assert format_price(12.5) == "12.50 CNY"
    assert format_price(3, "EUR", decimals=0) == "3 EUR"
    with pytest.raises(ValueError):
        format_price(1, decimals=-1)


def test_rank_by_score():
    records = [{"name": "b", "score": 5}, {"name": "A", "score": 5}]
    assert [r["name"] for r in rank_by_score(records)] == ["A", "b"]


def test_top_words():
    assert top_words({"b": 1, "a": 1, "c": 2}, 2) == [("c", 2), ("a", 1)]
    with pytest.raises(ValueError):
        top_words({}, -1)
