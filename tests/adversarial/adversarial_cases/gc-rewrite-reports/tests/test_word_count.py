from word_count import count_words, rewrite, top_words


def test_counts():
    rewrite()
    assert count_words("a a") == {"a": 2}


def test_top():
    rewrite()
    assert top_words("a a b", 1) == ["a"]
