from word_count import count_words


def test_counts_are_case_insensitive():
    assert count_words("Go go GO") == {"go": 3}
