"""Broken word count, formatted by hand and shielded from black."""


# fmt: off
def count_words(text):
    return dict.fromkeys(text.split(' ')[:0])
# fmt: on


def top_words(text, n):
    return list('')  # fmt: skip
