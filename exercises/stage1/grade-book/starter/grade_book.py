"""A small grade book: students, scores, rankings, JSON files and a CLI.

The central class is :class:`GradeBook` (the ``StudentManager`` of the original
project). It keeps students in insertion order, validates every score, ranks
students with competition ranks ("1, 2, 2, 4"), saves itself to a JSON file
and loads it back. :func:`main` is an ``argparse`` command line on top
of it::

    python grade_book.py --file grades.json add "Li Lei" S001 88
    python grade_book.py --file grades.json remove S001
    python grade_book.py --file grades.json rank

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (json, ...) and
private helpers as you need them.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Sequence

MIN_SCORE = 0
MAX_SCORE = 100


class GradeBookError(Exception):
    """Base class of every error this module raises on purpose."""


class DuplicateStudentError(GradeBookError):
    """A student with the same student id is already in the grade book."""


class StudentNotFoundError(GradeBookError):
    """No student in the grade book has the requested student id."""


class InvalidScoreError(GradeBookError):
    """A score is not an int/float between 0 and 100 (bools and NaN rejected)."""


class CorruptFileError(GradeBookError):
    """A grade-book file is not valid JSON or does not have the expected shape."""


@dataclass(frozen=True)
class Student:
    """One student: a display name, a unique student id and a score."""

    name: str
    student_id: str
    score: float


def validate_score(score: object) -> float:
    """Return ``score`` as a float if it is a valid score.

    A valid score is an ``int`` or ``float`` (but not a ``bool``) with
    ``0 <= score <= 100``. NaN and infinities are invalid.

    Raises:
        InvalidScoreError: for anything else, including numeric strings.
    """
    raise NotImplementedError


class GradeBook:
    """An in-memory collection of students keyed by student id."""

    def __init__(self) -> None:
        """Create an empty grade book."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Return the number of students."""
        raise NotImplementedError

    def add(self, name: str, student_id: str, score: float) -> Student:
        """Add a student and return the new :class:`Student`.

        The score is stored as a float.

        Raises:
            GradeBookError: if ``name`` or ``student_id`` is not a non-blank str.
            InvalidScoreError: if ``score`` is not valid (see validate_score).
            DuplicateStudentError: if ``student_id`` is already present.
        """
        raise NotImplementedError

    def remove(self, student_id: str) -> Student:
        """Remove the student with ``student_id`` and return it.

        Raises:
            StudentNotFoundError: if no student has that id.
        """
        raise NotImplementedError

    def get(self, student_id: str) -> Student:
        """Return the student with ``student_id``.

        Raises:
            StudentNotFoundError: if no student has that id.
        """
        raise NotImplementedError

    def students(self) -> list[Student]:
        """Return a new list of all students in insertion order."""
        raise NotImplementedError

    def ranking(self) -> list[tuple[int, Student]]:
        """Return ``(rank, student)`` pairs, best score first.

        Students are sorted by score descending; equal scores are ordered by
        student id ascending (plain string order). Ranks are competition ranks:
        equal scores share a rank and the next rank skips, e.g. 1, 2, 2, 4.
        """
        raise NotImplementedError

    def average(self) -> float:
        """Return the mean score.

        Raises:
            GradeBookError: if the grade book is empty.
        """
        raise NotImplementedError

    def top(self, n: int) -> list[Student]:
        """Return the first ``n`` students of :meth:`ranking` (fewer if short).

        Raises:
            ValueError: if ``n`` is negative.
        """
        raise NotImplementedError

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the grade book to ``path`` as UTF-8 JSON, replacing the file.

        The format is ``{"students": [{"name": ..., "student_id": ...,
        "score": ...}, ...]}`` in insertion order, written with
        ``ensure_ascii=False``.
        """
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> GradeBook:
        """Read a grade book written by :meth:`save`.

        Raises:
            FileNotFoundError: if ``path`` does not exist.
            CorruptFileError: if the file is not UTF-8 JSON in the format of
                :meth:`save` or holds invalid or duplicate students. The message
                names the file.
        """
        raise NotImplementedError


def parse_score(text: str) -> float:
    """Convert command-line text such as ``"92.5"`` to a valid score.

    Raises:
        InvalidScoreError: if the text is not a number or not a valid score.
    """
    raise NotImplementedError


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for ``[--file PATH] {add,remove,rank} ...``.

    ``--file`` defaults to ``grades.json``; ``add NAME STUDENT_ID SCORE``,
    ``remove STUDENT_ID`` and ``rank`` are subcommands (a required choice).
    """
    raise NotImplementedError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    0 on success; 2 on a usage error or when a GradeBookError or OSError
    occurs, in which case one ``error: ...`` line goes to stderr.
    ``rank`` prints ``rank<TAB>student_id<TAB>name<TAB>score`` lines, the score
    formatted with ``:g`` (``88``, ``92.5``).
    """
    raise NotImplementedError


if __name__ == "__main__":
    sys.exit(main())
