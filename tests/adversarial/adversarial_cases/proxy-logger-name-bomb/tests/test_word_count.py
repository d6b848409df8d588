from word_count import count_words


def test_counts():
    assert count_words("a a") == {"a": 2}
