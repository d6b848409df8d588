"""A class as the teacher manages it from the command line.

Only `init_class` creates a class; every other function opens an existing one and says
how to create or find it otherwise, so a command run from the wrong folder never makes a
second, empty class. The teacher token is written to a file only its owner can read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.clock import utc_stamp
from grader.errors import GraderError
from grader.leaderboard import auth, roster
from grader.leaderboard.db import Database, open_database
from grader.leaderboard.db.models import Submission, as_utc
from grader.leaderboard.deadlines import set_class_zone
from grader.leaderboard.private import private_dir, sqlite_path
from grader.leaderboard.settings import Settings

TEACHER_TOKEN_FILE = "teacher-token.txt"


class NoClassError(GraderError):
    """There is no class where the command looked."""


@dataclass(frozen=True)
class StudentRow:
    student_id: str
    name: str
    email: str
    section: str
    pseudonym: str
    state: str
    token_issued_at: datetime
    submissions: int


def teacher_token_path(settings: Settings) -> Path:
    return settings.data_dir / TEACHER_TOKEN_FILE


def write_teacher_token(settings: Settings, token: str) -> Path:
    private_dir(settings.data_dir)
    path = teacher_token_path(settings)
    roster.write_private(path, token + "\n")
    return path


@contextmanager
def open_class(settings: Settings) -> Iterator[Database]:
    """The class's database; NoClassError when there is no class there yet."""
    where = settings.data_dir.resolve()
    database = sqlite_path(settings.db_url)
    hint = (
        f"no class in {where}: create one with `grader class init --data-dir DIR`, or "
        "point --data-dir (or GRADER_DATA_DIR, or DATABASE_URL) at your class"
    )
    if database is not None and not database.exists():
        raise NoClassError(hint)
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
            if not auth.teacher_exists(session):
                raise NoClassError(hint)
        yield db
    finally:
        db.close()


@contextmanager
def class_session(settings: Settings) -> Iterator[Session]:
    with open_class(settings) as db:
        with db.session() as session:
            yield session


def ensure_class(settings: Settings) -> Path | None:
    """For `grader serve`: the class, made on a first start when the database holds none.

    Returns the teacher token's file when a class was just made (the caller says so, loudly:
    a server started in the wrong folder shows an empty class and where it lives), else None.
    The token itself goes to that owner-only file, never to stdout or a log.
    """
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
            if auth.teacher_exists(session):
                return None
            issued = auth.create_teacher(session)
    finally:
        db.close()
    return write_teacher_token(settings, issued.token)


def init_class(settings: Settings, *, timezone: str = "UTC") -> Path:
    """Create the class and its teacher token; returns the token file's path."""
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
            set_class_zone(session, timezone)
            issued = auth.create_teacher(session)
    finally:
        db.close()
    return write_teacher_token(settings, issued.token)


def default_tokens_file(settings: Settings) -> Path:
    stamp = utc_stamp().replace(":", "").replace("-", "")[:15]
    return settings.data_dir / "tokens" / f"tokens-{stamp}.csv"


def import_roster_file(settings: Settings, path: Path) -> roster.ImportReport:
    with open_class(settings):  # first: the wrong folder is the likelier mistake
        pass
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise roster.RosterError(
            f"{path} does not exist; give the roster's path"
        ) from None
    except UnicodeDecodeError:
        raise roster.RosterError(
            f"{path} is not UTF-8 text; save the roster as CSV (UTF-8)"
        ) from None
    students = roster.read_roster(text, str(path))
    with class_session(settings) as session:
        return roster.import_roster(session, students)


def add_student(settings: Settings, **fields: Any) -> auth.IssuedToken:
    with class_session(settings) as session:
        return auth.add_student(session, fields.pop("name"), **fields)


def rotate_tokens(
    settings: Settings, *, keys: tuple[str, ...], every_student: bool, teacher: bool
) -> tuple[list[auth.IssuedToken], Path | None]:
    """New tokens for the named students, all, or the teacher (whose file is rewritten)."""
    with class_session(settings) as session:
        accounts = [auth.find_account(session, key) for key in keys]
        if every_student:
            accounts = auth.students(session, enrolled=True)
        issued = [auth.rotate_token(session, account) for account in accounts]
        teacher_file = None
        if teacher:
            account = auth.teacher(session)
            assert account is not None
            new = auth.rotate_token(session, account)
            teacher_file = write_teacher_token(settings, new.token)
        return issued, teacher_file


def change_student(settings: Settings, key: str, action: Callable[..., Any]) -> str:
    with class_session(settings) as session:
        account = action(session, key)
        return f"{account.name} ({account.student_id}): {account.state}"


def list_students(settings: Settings) -> list[StudentRow]:
    with class_session(settings) as session:
        counts = dict(
            session.execute(
                select(Submission.account_id, func.count()).group_by(
                    Submission.account_id
                )
            ).all()
        )
        rows = []
        for account in auth.students(session):
            issued = as_utc(account.token_issued_at)
            assert issued is not None
            rows.append(
                StudentRow(
                    student_id=account.student_id or "",
                    name=account.name,
                    email=account.email or "",
                    section=account.section or "",
                    pseudonym=account.pseudonym or "",
                    state=account.state,
                    token_issued_at=issued,
                    submissions=int(counts.get(account.id, 0)),
                )
            )
        return rows


def wait_for_regrade(
    settings: Settings, regrade_id: str, say: Callable[[str], None], timeout: float
) -> dict[str, Any]:
    """Poll a regrade's progress, saying each change, until it is done or `timeout`."""
    from grader.leaderboard.regrades import progress

    deadline, last = time.monotonic() + timeout, ""
    with open_class(settings) as db:
        while True:
            state = progress(db, regrade_id)
            line = f"graded {state['finished']} of {state['jobs']}"
            if line != last:
                say(line)
                last = line
            if state["done"] or time.monotonic() > deadline:
                return state
            time.sleep(1.0)
