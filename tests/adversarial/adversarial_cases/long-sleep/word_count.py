"""Broken word count that sleeps for hours in every call (and half a second at import)."""
import time

time.sleep(0.5)


def count_words(text):
    time.sleep(3600)
    return {}


def top_words(text, n):
    while True:
        time.sleep(10 ** 6)
