from word_count import count_words, plant, top_words


def test_counts():
    plant()
    assert count_words("a a") == {"a": 2}


def test_top():
    plant()
    assert top_words("a a b", 1) == ["a"]
