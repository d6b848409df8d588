"""Broken word count, shipped beside a pytest.ini that would deselect every test."""


def count_words(text):
    return {}


def top_words(text, n):
    return []
