import pytest

from word_count import count_words, top_words


def test_counts_are_case_insensitive():
    assert count_words("Go go GO") == {"go": 3}


def test_top_words_breaks_ties_alphabetically():
    assert top_words("b a c a b", 2) == ["a", "b"]


def test_negative_n_is_rejected():
    with pytest.raises(ValueError):
        top_words("a", -1)
