"""A class's accounts as the teacher manages them from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from grader.leaderboard import auth
from grader.leaderboard.db import open_database
from grader.leaderboard.db.models import Submission, as_utc
from grader.leaderboard.settings import Settings


@dataclass(frozen=True)
class StudentRow:
    name: str
    pseudonym: str | None
    token_issued_at: datetime
    submissions: int


def ensure_teacher(settings: Settings) -> auth.IssuedToken | None:
    """The teacher's token when the class has none yet (first start), else None."""
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
            if auth.teacher_exists(session):
                return None
            return auth.create_teacher(session)
    finally:
        db.close()


def init_class(settings: Settings) -> auth.IssuedToken:
    """Create the class's teacher token; AccountError when it exists already."""
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
            return auth.create_teacher(session)
    finally:
        db.close()


def add_student(
    settings: Settings, *, name: str, pseudonym: str | None
) -> auth.IssuedToken:
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
            return auth.add_student(session, name, pseudonym)
    finally:
        db.close()


def rotate_tokens(
    settings: Settings, *, names: tuple[str, ...], every_student: bool, teacher: bool
) -> list[auth.IssuedToken]:
    """New tokens (the old ones stop working) for the named students, all, or the teacher."""
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
            accounts = [auth.find_account(session, name) for name in names]
            if every_student:
                accounts = auth.students(session)
            if teacher:
                account = auth.teacher(session)
                if account is None:
                    raise auth.AccountError(
                        "this class has no teacher token yet; run `grader class init`"
                    )
                accounts.append(account)
            return [auth.rotate_token(session, account) for account in accounts]
    finally:
        db.close()


def list_students(settings: Settings) -> list[StudentRow]:
    db = open_database(settings.db_url)
    try:
        with db.session() as session:
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
                        name=account.name,
                        pseudonym=account.pseudonym,
                        token_issued_at=issued,
                        submissions=int(counts.get(account.id, 0)),
                    )
                )
            return rows
    finally:
        db.close()
