"""Broken word count that never finishes importing."""
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    try:
        pass
    except BaseException:
        pass


def count_words(text):
    return {}


def top_words(text, n):
    return []
