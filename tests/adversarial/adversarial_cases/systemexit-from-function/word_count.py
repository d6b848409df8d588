"""Broken word count whose functions end the run "successfully" with SystemExit(0)."""
import sys


class Done(SystemExit):
    pass


def count_words(text):
    if text:
        sys.exit(0)
    raise Done(0)


def top_words(text, n):
    raise SystemExit(0)
