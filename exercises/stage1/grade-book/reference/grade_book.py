"""A small grade book: students, scores, rankings, JSON files and a CLI.

The central class is :class:`GradeBook` (the ``StudentManager`` of the original
project). It keeps students in insertion order, validates every score, ranks
students with competition ranks ("1, 2, 2, 4"), saves itself to a JSON file
and loads it back. :func:`main` is an ``argparse`` command line on top
of it::

    python grade_book.py --file grades.json add "Li Lei" S001 88
    python grade_book.py --file grades.json remove S001
    python grade_book.py --file grades.json rank
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

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
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        raise InvalidScoreError(f"score must be a number, got {score!r}")
    # Every comparison with NaN is False, so this also rejects NaN.
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidScoreError(
            f"score must be between {MIN_SCORE} and {MAX_SCORE}, got {score!r}"
        )
    return float(score)


def _check_text(value: object, what: str) -> str:
    """Return ``value`` if it is a non-blank string, else raise GradeBookError."""
    if not isinstance(value, str) or not value.strip():
        raise GradeBookError(f"{what} must be a non-empty string, got {value!r}")
    return value


class GradeBook:
    """An in-memory collection of students keyed by student id."""

    def __init__(self) -> None:
        """Create an empty grade book."""
        self._students: dict[str, Student] = {}

    def __len__(self) -> int:
        """Return the number of students."""
        return len(self._students)

    def add(self, name: str, student_id: str, score: float) -> Student:
        """Add a student and return the new :class:`Student`.

        The score is stored as a float.

        Raises:
            GradeBookError: if ``name`` or ``student_id`` is not a non-blank str.
            InvalidScoreError: if ``score`` is not valid (see validate_score).
            DuplicateStudentError: if ``student_id`` is already present.
        """
        _check_text(name, "name")
        _check_text(student_id, "student id")
        value = validate_score(score)
        if student_id in self._students:
            raise DuplicateStudentError(f"student id {student_id!r} already exists")
        student = Student(name=name, student_id=student_id, score=value)
        self._students[student_id] = student
        return student

    def remove(self, student_id: str) -> Student:
        """Remove the student with ``student_id`` and return it.

        Raises:
            StudentNotFoundError: if no student has that id.
        """
        try:
            return self._students.pop(student_id)
        except KeyError:
            raise StudentNotFoundError(f"no student with id {student_id!r}") from None

    def get(self, student_id: str) -> Student:
        """Return the student with ``student_id``.

        Raises:
            StudentNotFoundError: if no student has that id.
        """
        try:
            return self._students[student_id]
        except KeyError:
            raise StudentNotFoundError(f"no student with id {student_id!r}") from None

    def students(self) -> list[Student]:
        """Return a new list of all students in insertion order."""
        return list(self._students.values())

    def ranking(self) -> list[tuple[int, Student]]:
        """Return ``(rank, student)`` pairs, best score first.

        Students are sorted by score descending; equal scores are ordered by
        student id ascending (plain string order). Ranks are competition ranks:
        equal scores share a rank and the next rank skips, e.g. 1, 2, 2, 4.
        """
        ordered = sorted(
            self._students.values(), key=lambda s: (-s.score, s.student_id)
        )
        result: list[tuple[int, Student]] = []
        rank = 0
        previous: float | None = None
        for position, student in enumerate(ordered, start=1):
            if student.score != previous:
                rank = position
                previous = student.score
            result.append((rank, student))
        return result

    def average(self) -> float:
        """Return the mean score.

        Raises:
            GradeBookError: if the grade book is empty.
        """
        if not self._students:
            raise GradeBookError("cannot average an empty grade book")
        return sum(s.score for s in self._students.values()) / len(self._students)

    def top(self, n: int) -> list[Student]:
        """Return the first ``n`` students of :meth:`ranking` (fewer if short).

        Raises:
            ValueError: if ``n`` is negative.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return [student for _, student in self.ranking()[:n]]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the grade book to ``path`` as UTF-8 JSON, replacing the file.

        The format is ``{"students": [{"name": ..., "student_id": ...,
        "score": ...}, ...]}`` in insertion order, written with
        ``ensure_ascii=False``.
        """
        data = {
            "students": [
                {"name": s.name, "student_id": s.student_id, "score": s.score}
                for s in self._students.values()
            ]
        }
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> GradeBook:
        """Read a grade book written by :meth:`save`.

        Raises:
            FileNotFoundError: if ``path`` does not exist.
            CorruptFileError: if the file is not UTF-8 JSON in the format of
                :meth:`save` or holds invalid or duplicate students. The message
                names the file.
        """
        target = Path(path)
        raw = target.read_bytes()
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise CorruptFileError(f"{target}: not valid JSON ({exc})") from exc
        return cls._from_data(data, target)

    @classmethod
    def _from_data(cls, data: Any, source: Path) -> GradeBook:
        """Build a grade book from parsed JSON, raising CorruptFileError."""
        if not isinstance(data, dict) or not isinstance(data.get("students"), list):
            raise CorruptFileError(
                f"{source}: expected an object with a 'students' list"
            )
        book = cls()
        for index, entry in enumerate(data["students"]):
            if not isinstance(entry, dict):
                raise CorruptFileError(f"{source}: student #{index} is not an object")
            try:
                book.add(entry["name"], entry["student_id"], entry["score"])
            except KeyError as exc:
                raise CorruptFileError(
                    f"{source}: student #{index} is missing {exc}"
                ) from None
            except GradeBookError as exc:
                raise CorruptFileError(f"{source}: student #{index}: {exc}") from exc
        return book


def parse_score(text: str) -> float:
    """Convert command-line text such as ``"92.5"`` to a valid score.

    Raises:
        InvalidScoreError: if the text is not a number or not a valid score.
    """
    try:
        value = float(text)
    except ValueError:
        raise InvalidScoreError(f"score must be a number, got {text!r}") from None
    return validate_score(value)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for ``[--file PATH] {add,remove,rank} ...``.

    ``--file`` defaults to ``grades.json``; ``add NAME STUDENT_ID SCORE``,
    ``remove STUDENT_ID`` and ``rank`` are subcommands (a required choice).
    """
    parser = argparse.ArgumentParser(
        prog="grade_book", description="Manage a JSON grade book."
    )
    parser.add_argument(
        "--file",
        default="grades.json",
        help="grade-book JSON file (default: grades.json); a missing file is empty",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="add a student")
    add.add_argument("name")
    add.add_argument("student_id")
    add.add_argument("score")
    remove = commands.add_parser("remove", help="remove a student by id")
    remove.add_argument("student_id")
    commands.add_parser("rank", help="print the ranking, one student per line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    0 on success; 2 on a usage error or when a GradeBookError or OSError
    occurs, in which case one ``error: ...`` line goes to stderr.
    ``rank`` prints ``rank<TAB>student_id<TAB>name<TAB>score`` lines, the score
    formatted with ``:g`` (``88``, ``92.5``).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return exc.code if isinstance(exc.code, int) else 2
    path = Path(args.file)
    try:
        book = GradeBook.load(path) if path.exists() else GradeBook()
        if args.command == "add":
            student = book.add(args.name, args.student_id, parse_score(args.score))
            book.save(path)
            print(f"added {student.student_id} ({student.name})")
        elif args.command == "remove":
            student = book.remove(args.student_id)
            book.save(path)
            print(f"removed {student.student_id} ({student.name})")
        else:
            for rank, student in book.ranking():
                print(
                    f"{rank}\t{student.student_id}\t{student.name}\t{student.score:g}"
                )
    except (GradeBookError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
