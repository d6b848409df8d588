"""Broken word count: counts nothing. The attack is in tests/test_word_count.py."""


def count_words(text):
    return {}


def top_words(text, n):
    return []
