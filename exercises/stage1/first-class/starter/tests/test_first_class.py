"""Your own tests. Extend this file until it covers at least 70% of first_class.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

from first_class import Track


def test_repr():
    assert repr(Track("Yesterday", "The Beatles", 125)) == (
        "Track('Yesterday', 'The Beatles', 125)"
    )


def test_length():
    assert Track("Yesterday", "The Beatles", 125).length == "2:05"
