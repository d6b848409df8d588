"""Tokens and accounts: a teacher and students, each with one bearer token.

A token reads `grt_<id>_<secret>`. The id finds the account; only the SHA-256 of the secret
is stored, and it is compared with `hmac.compare_digest`, so neither the database nor the
response time gives the secret away. Secrets are 256 random bits: a fast hash is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from grader.clock import utc_now
from grader.errors import GraderError
from grader.leaderboard.db.models import (
    ACTIVE,
    REMOVED,
    STUDENT,
    TEACHER,
    Account,
    WebSession,
)
from grader.leaderboard.db.text import storable_text
from grader.leaderboard.pseudonyms import random_pseudonym

PREFIX = "grt"
NAME_MAX = 100
# Compared against when the id is unknown, so a miss costs the same as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"no such account").hexdigest()


class AccountError(GraderError):
    """An account cannot be created or found (a duplicate name, an unknown student)."""


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: shown once, never stored."""

    name: str
    role: str
    token: str
    student_id: str | None = None


def new_token() -> tuple[str, str, str]:
    """(token, token id, hash of the secret)."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}_{token_id}_{secret}", token_id, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def authenticate(session: Session, token: str) -> Account | None:
    """The account the token belongs to, or None; constant time in the secret.

    A disabled or removed student's token opens nothing (`is_active` says why).
    """
    prefix, _, rest = token.strip().partition("_")
    token_id, _, secret = rest.partition("_")
    account = None
    if prefix == PREFIX and token_id and secret:
        account = session.scalar(select(Account).where(Account.token_id == token_id))
    expected = account.token_hash if account else _DUMMY_HASH
    matches = hmac.compare_digest(expected, hash_secret(secret))
    if account is None or not matches or account.state != ACTIVE:
        return None
    return account


def is_disabled(session: Session, token: str) -> bool:
    """The token is a valid token of a disabled or removed student (for the message)."""
    prefix, _, rest = token.strip().partition("_")
    token_id, _, secret = rest.partition("_")
    account = session.scalar(select(Account).where(Account.token_id == token_id))
    return (
        account is not None
        and account.state != ACTIVE
        and hmac.compare_digest(account.token_hash, hash_secret(secret))
    )


def teacher_exists(session: Session) -> bool:
    return bool(
        session.scalar(
            select(func.count()).select_from(Account).where(Account.role == TEACHER)
        )
    )


def create_teacher(session: Session, name: str = "teacher") -> IssuedToken:
    """The class's teacher account; refused when one exists (rotate its token instead)."""
    if teacher_exists(session):
        raise AccountError(
            "this class already has a teacher token; issue a new one with "
            "`grader class tokens --rotate-teacher`"
        )
    return _create(session, name=name, role=TEACHER, pseudonym=None)


def add_student(
    session: Session,
    name: str,
    pseudonym: str | None = None,
    *,
    student_id: str | None = None,
    email: str | None = None,
    section: str | None = None,
) -> IssuedToken:
    """A student account with a new token and, unless given, a random pseudonym.

    Students are keyed by `student_id` (two may share a name); without one, the account
    gets the next free `s<number>` id. Pseudonyms are unique.
    """
    name = _clean(name, "name")
    if pseudonym is not None:
        pseudonym = _clean(pseudonym, "pseudonym")
    if student_id is not None:
        student_id = _clean(student_id, "student id")
        if session.scalar(select(Account).where(Account.student_id == student_id)):
            raise AccountError(
                f"a student with the id {student_id!r} already exists; to give them a "
                f"new token run `grader class tokens --rotate {student_id}`"
            )
    else:
        student_id = _free_student_id(session)
    if pseudonym and _pseudonym_taken(session, pseudonym):
        raise AccountError(f"the pseudonym {pseudonym!r} is taken; choose another")
    pseudonym = pseudonym or random_pseudonym(lambda p: _pseudonym_taken(session, p))
    return _create(
        session,
        name=name,
        role=STUDENT,
        pseudonym=pseudonym,
        student_id=student_id,
        email=email,
        section=section,
    )


def _pseudonym_taken(session: Session, pseudonym: str) -> bool:
    return (
        session.scalar(select(Account.id).where(Account.pseudonym == pseudonym))
        is not None
    )


def _free_student_id(session: Session) -> str:
    count = session.scalar(select(func.count()).select_from(Account)) or 0
    number = int(count)
    while session.scalar(select(Account.id).where(Account.student_id == f"s{number}")):
        number += 1
    return f"s{number}"


def rotate_token(session: Session, account: Account) -> IssuedToken:
    """A new token for `account`; the old one stops working at once, and so do the
    browsers signed in with it."""
    token, token_id, digest = new_token()
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    account.token_id, account.token_hash = token_id, digest
    account.token_issued_at = utc_now()
    session.flush()
    return IssuedToken(
        name=account.name, role=account.role, token=token, student_id=account.student_id
    )


def find_account(session: Session, key: str) -> Account:
    """A student by their student id or, when only one student has it, their name."""
    key = " ".join(storable_text(key).split())
    account = session.scalar(
        select(Account).where(Account.student_id == key, Account.role == STUDENT)
    )
    if account is not None:
        return account
    named = list(
        session.scalars(
            select(Account).where(Account.name == key, Account.role == STUDENT)
        )
    )
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(sorted(a.student_id or "?" for a in named))
        raise AccountError(
            f"{len(named)} students are named {key!r} (ids {ids}); name one by its id"
        )
    raise AccountError(
        f"no student with the id or name {key!r}; `grader class students` lists them"
    )


def teacher(session: Session) -> Account | None:
    return session.scalar(select(Account).where(Account.role == TEACHER))


def students(session: Session, *, enrolled: bool = False) -> list[Account]:
    """Every student by name (and id); `enrolled`: only those not removed."""
    query = select(Account).where(Account.role == STUDENT)
    if enrolled:
        query = query.where(Account.state != REMOVED)
    return list(session.scalars(query.order_by(Account.name, Account.student_id)))


def _create(
    session: Session,
    *,
    name: str,
    role: str,
    pseudonym: str | None,
    student_id: str | None = None,
    email: str | None = None,
    section: str | None = None,
) -> IssuedToken:
    token, token_id, digest = new_token()
    now = utc_now()
    session.add(
        Account(
            name=name,
            pseudonym=pseudonym,
            role=role,
            token_id=token_id,
            token_hash=digest,
            token_issued_at=now,
            created_at=now,
            student_id=student_id,
            email=email,
            section=section,
            state=ACTIVE,
        )
    )
    session.flush()
    return IssuedToken(name=name, role=role, token=token, student_id=student_id)


def _clean(value: str, what: str) -> str:
    value = " ".join(storable_text(value).split())
    if not value:
        raise AccountError(f"the {what} is empty; give one")
    if len(value) > NAME_MAX:
        raise AccountError(f"the {what} is longer than {NAME_MAX} characters")
    return value
