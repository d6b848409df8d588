import pytest

from word_count import count_words


def test_a_value_that_is_an_interrupt():
    """A test that hands the submission a KeyboardInterrupt as a value (it runs first)"""
    interrupt = KeyboardInterrupt("held by the test")
    with pytest.raises(TypeError):
        count_words(interrupt)
