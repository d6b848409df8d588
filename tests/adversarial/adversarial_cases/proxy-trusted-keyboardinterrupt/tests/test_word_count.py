from word_count import count_words, top_words


def test_counts():
    assert count_words("a a") == {"a": 2}


def test_top():
    assert top_words("a a b", 1) == ["a"]

