"""Your own tests. Extend this file until it covers at least 70% of
collections_functions.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

from collections_functions import greet, word_counts


def test_word_counts_ignores_case():
    assert word_counts("The the") == {"the": 2}


def test_greet_uses_its_defaults():
    assert greet("Ada") == "Hello, Ada."
