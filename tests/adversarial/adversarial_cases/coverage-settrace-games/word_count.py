"""Broken word count with code its tests never run: only forged coverage reaches 70%."""


def count_words(text):
    return {}


def top_words(text, n):
    return []


def _never_run(text):
    words = text.split()
    counts = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    order = sorted(counts)
    total = len(order)
    if total > 3:
        order = order[:3]
    return order, total
