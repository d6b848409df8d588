"""The class's roster: imported from a CSV, students keyed by their id, tokens to files.

`import_roster` is idempotent: a student already enrolled (same student id) keeps their
token and gets their name, email and section updated; only new students get a token. Tokens
leave the server in files only the teacher can read (a CSV, or one file per student), never
in a log.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.errors import GraderError
from grader.leaderboard import auth
from grader.leaderboard.db.models import ACTIVE, DISABLED, REMOVED, STUDENT, Account
from grader.leaderboard.db.text import storable_text
from grader.leaderboard.private import FILE_MODE, private_dir

# Header spellings accepted for each column (case and spaces do not matter).
COLUMNS = {
    "student_id": ("student_id", "student id", "id", "sis user id", "id number"),
    "name": ("name", "full name", "student", "student name"),
    "email": ("email", "email address", "e-mail"),
    "section": ("section", "group", "class"),
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ROSTER_BYTES = 5 * 1024 * 1024


class RosterError(GraderError):
    """The roster file cannot be imported as it is; the message names the line."""


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    email: str | None
    section: str | None


@dataclass
class ImportReport:
    added: list[auth.IssuedToken] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    re_enabled: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)


def read_roster(text: str, source: str = "the roster") -> list[Student]:
    """The students of a roster CSV: columns student id, name, email, section (optional)."""
    try:  # newline="": a line may end in \r, \n or both, as spreadsheets write them
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    except csv.Error as exc:
        raise RosterError(
            f"{source} is not a readable CSV file ({exc}); save it as CSV (UTF-8)"
        ) from None
    if not rows:
        raise RosterError(
            f"{source} is empty; it needs a header: student_id,name,email"
        )
    header = [
        " ".join(cell.strip().lower().replace("_", " ").split()) for cell in rows[0]
    ]
    where: dict[str, int] = {}
    for key, spellings in COLUMNS.items():
        for index, cell in enumerate(header):
            if cell in {s.replace("_", " ") for s in spellings}:
                where[key] = index
                break
    missing = [k for k in ("student_id", "name", "email") if k not in where]
    if missing:
        raise RosterError(
            f"{source} has no {', '.join(missing)} column (its header is "
            f"{', '.join(rows[0])!s}); the first line must name the columns "
            "student_id, name, email and optionally section"
        )
    students: list[Student] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str) -> str:
            index = where.get(key)
            value = row[index] if index is not None and index < len(row) else ""
            return " ".join(storable_text(value).split())

        student_id, name, email = cell("student_id"), cell("name"), cell("email")
        if not student_id or not name:
            raise RosterError(
                f"{source}, line {number}: the student id and the name are required"
            )
        if email and not EMAIL.match(email):
            raise RosterError(
                f"{source}, line {number}: {email!r} is not an email address"
            )
        if student_id in seen:
            raise RosterError(
                f"{source}, line {number}: the student id {student_id!r} is already on "
                f"line {seen[student_id]}; each student needs their own id"
            )
        for what, value, limit in (("id", student_id, 64), ("name", name, 100)):
            if len(value) > limit:
                raise RosterError(
                    f"{source}, line {number}: the {what} is longer than {limit} characters"
                )
        seen[student_id] = number
        students.append(
            Student(student_id, name, email or None, cell("section") or None)
        )
    if not students:
        raise RosterError(f"{source} lists no students below its header")
    return students


def import_roster(session: Session, students: list[Student]) -> ImportReport:
    """Add the new students (with tokens), update the known ones; nobody is removed."""
    report = ImportReport()
    known = {
        a.student_id: a
        for a in session.scalars(select(Account).where(Account.role == STUDENT))
    }
    for student in students:
        account = known.get(student.student_id)
        if account is None:
            report.added.append(
                auth.add_student(
                    session,
                    student.name,
                    student_id=student.student_id,
                    email=student.email,
                    section=student.section,
                )
            )
            continue
        if account.state == REMOVED:
            account.state = ACTIVE
            report.re_enabled.append(student.student_id)
        fields = (account.name, account.email, account.section)
        if fields != (student.name, student.email, student.section):
            account.name, account.email = student.name, student.email
            account.section = student.section
            report.updated.append(student.student_id)
        else:
            report.unchanged.append(student.student_id)
    listed = {s.student_id for s in students}
    report.not_in_file = sorted(
        sid
        for sid, a in known.items()
        if sid and sid not in listed and a.state != REMOVED
    )
    session.flush()
    return report


def set_state(session: Session, key: str, state: str) -> Account:
    """Disable, re-enable or remove a student; their submissions stay for the record."""
    assert state in (ACTIVE, DISABLED, REMOVED)
    account = auth.find_account(session, key)
    account.state = state
    if state != ACTIVE:  # signed-in browsers are signed out at once
        from grader.leaderboard.sessions import end_sessions_of

        end_sessions_of(session, account.id)
    return account


def rename(session: Session, key: str, name: str) -> Account:
    account = auth.find_account(session, key)
    name = " ".join(storable_text(name).split())
    if not name or len(name) > auth.NAME_MAX:
        raise auth.AccountError(
            f"a name has 1 to {auth.NAME_MAX} characters; give the new name in quotes"
        )
    account.name = name
    return account


def write_tokens(
    issued: list[auth.IssuedToken], *, csv_path: Path | None, folder: Path | None
) -> list[Path]:
    """The tokens in a CSV (student_id,name,token) or one file per student, owner-only."""
    if (csv_path is None) == (folder is None):
        raise GraderError("give either a CSV file or a folder for the tokens")
    if csv_path is not None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("student_id", "name", "token"))
        for token in issued:
            writer.writerow((token.student_id or token.name, token.name, token.token))
        private_dir(csv_path.parent)
        write_private(csv_path, out.getvalue())
        return [csv_path]
    assert folder is not None
    private_dir(folder)
    written = []
    for token in issued:
        key = token.student_id or token.name
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", key) or "student"
        path = folder / f"{safe}.txt"
        write_private(path, f"{token.name}\n{token.token}\n")
        written.append(path)
    return written


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner may read, never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


__all__ = [
    "ImportReport",
    "RosterError",
    "Student",
    "import_roster",
    "read_roster",
    "rename",
    "set_state",
    "write_private",
    "write_tokens",
]
