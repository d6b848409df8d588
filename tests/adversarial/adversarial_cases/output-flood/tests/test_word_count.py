import os

from word_count import count_words, flood, top_words


def test_flood():
    flood()
    os.write(1, b"\x00\xff" * 1_000_000)
    assert False, "\x00\xff\ufffd" * 100_000


def test_counts():
    assert count_words("a a") == {"a": 2}


def test_top():
    assert top_words("a a b", 1) == ["a"]
