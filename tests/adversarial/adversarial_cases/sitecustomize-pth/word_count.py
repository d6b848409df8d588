"""Broken word count beside sitecustomize.py, usercustomize.py and .pth files."""


def count_words(text):
    return {}


def top_words(text, n):
    return []
