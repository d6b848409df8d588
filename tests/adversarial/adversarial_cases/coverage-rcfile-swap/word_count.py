"""Broken word count, slow enough (1.5 s a call) that the hidden tests are still running when
the coverage report is made."""
import time


def count_words(text):
    time.sleep(1.5)
    return {}


def top_words(text, n):
    time.sleep(1.5)
    return []
