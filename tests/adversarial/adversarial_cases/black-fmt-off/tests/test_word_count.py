from word_count import count_words, top_words


def test_empty():
    assert count_words("") == {}
    assert top_words("", 1) == []
