"""Your own tests. Extend this file until it covers at least 70% of grade_book.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import pytest

from grade_book import GradeBook, InvalidScoreError, Student, validate_score


def test_add_lists_student():
    book = GradeBook()
    book.add("Li Lei", "S001", 88)
    assert book.students() == [Student("Li Lei", "S001", 88.0)]


def test_validate_score_rejects_bool():
    with pytest.raises(InvalidScoreError):
        validate_score(True)


def test_ranking_shares_rank_on_ties():
    book = GradeBook()
    book.add("A", "S001", 90)
    book.add("B", "S002", 85)
    book.add("C", "S003", 85)
    book.add("D", "S004", 70)
    assert [rank for rank, _ in book.ranking()] == [1, 2, 2, 4]
