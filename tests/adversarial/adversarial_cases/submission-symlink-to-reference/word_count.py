"""Broken word count; the case replaces this file with a link to the reference solution."""


def count_words(text):
    return {}


def top_words(text, n):
    return []
