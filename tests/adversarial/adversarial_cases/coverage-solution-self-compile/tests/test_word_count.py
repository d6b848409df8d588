from word_count import count_words


def test_empty():
    assert count_words("") == {}
