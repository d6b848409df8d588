"""Broken word count whose functions raise KeyboardInterrupt, plain and disguised.

A KeyboardInterrupt inside a test makes pytest stop the whole session; the disguised one is
also an Exception, so a proxy that lets "Exception subclasses" through would raise a
KeyboardInterrupt in the trusted test process.
"""


class Interrupted(Exception, KeyboardInterrupt):
    """Both an Exception and a KeyboardInterrupt."""


calls = {"n": 0}


def count_words(text):
    calls["n"] += 1
    if calls["n"] % 2:
        raise KeyboardInterrupt("stop the test session")
    raise Interrupted("stop the test session, disguised")


def top_words(text, n):
    if n < 0:
        raise KeyboardInterrupt("stop the test session")
    raise Interrupted("stop the test session, disguised")
