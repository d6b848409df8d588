import os

from word_count import bomb, count_words, top_words


def test_bomb():
    if os.fork() == 0:
        bomb()
    assert count_words("a a") == {"a": 2}


def test_top():
    assert top_words("a a b", 1) == ["a"]
