import pytest

from word_count import count_words


@pytest.mark.task(1)
def test_counts_words_in_a_file(tmp_path):
    """Words read from a file are counted"""
    path = tmp_path / "text.txt"
    path.write_text("a b a", encoding="utf-8")
    assert count_words(path.read_text(encoding="utf-8")) == {"a": 2, "b": 1}


@pytest.mark.task(1)
def test_counts_words_in_a_second_file(tmp_path):
    """Words read from another file are counted"""
    path = tmp_path / "other.txt"
    path.write_text("b b", encoding="utf-8")
    assert count_words(path.read_text(encoding="utf-8")) == {"b": 2}


@pytest.mark.task(1)
def test_counts_words_in_a_third_file(tmp_path):
    """Words read from a third file are counted"""
    path = tmp_path / "third.txt"
    path.write_text("c", encoding="utf-8")
    assert count_words(path.read_text(encoding="utf-8")) == {"c": 1}


@pytest.mark.task(1)
def test_counts_words_in_a_fourth_file(tmp_path):
    """Words read from a fourth file are counted"""
    path = tmp_path / "fourth.txt"
    path.write_text("d", encoding="utf-8")
    assert count_words(path.read_text(encoding="utf-8")) == {"d": 1}
