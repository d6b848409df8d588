from word_count import count_words, fill, top_words


def test_fill():
    written = fill()
    assert False, "FILL-PROBE " + " ".join(f"{k}:{'full' if v else 'none'}" for k, v in written.items())


def test_counts():
    assert count_words("a a") == {"a": 2}


def test_top():
    assert top_words("a a b", 1) == ["a"]
