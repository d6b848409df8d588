import pytest

from word_count import count_words


@pytest.mark.task(1)
def test_mean_count():
    """The mean count of the words in a text"""
    import statistics

    assert statistics.mean(count_words("a a b b").values()) == 2
