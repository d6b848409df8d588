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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.clock import utc_now
from grader.errors import GraderError
from grader.leaderboard.db.models import STUDENT, TEACHER, Account
from grader.leaderboard.db.text import storable_text

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


def new_token() -> tuple[str, str, str]:
    """(token, token id, hash of the secret)."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}_{token_id}_{secret}", token_id, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def authenticate(session: Session, token: str) -> Account | None:
    """The account the token belongs to, or None; constant time in the secret."""
    prefix, _, rest = token.strip().partition("_")
    token_id, _, secret = rest.partition("_")
    account = None
    if prefix == PREFIX and token_id and secret:
        account = session.scalar(select(Account).where(Account.token_id == token_id))
    expected = account.token_hash if account else _DUMMY_HASH
    matches = hmac.compare_digest(expected, hash_secret(secret))
    return account if account is not None and matches else None


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
    session: Session, name: str, pseudonym: str | None = None
) -> IssuedToken:
    """A student account with a new token; names and pseudonyms are unique."""
    name = _clean(name, "name")
    if pseudonym is not None:
        pseudonym = _clean(pseudonym, "pseudonym")
    if session.scalar(select(Account).where(Account.name == name)):
        raise AccountError(
            f"a student named {name!r} already exists; to give them a new token run "
            f"`grader class tokens --rotate {name!r}`"
        )
    if pseudonym and session.scalar(
        select(Account).where(Account.pseudonym == pseudonym)
    ):
        raise AccountError(f"the pseudonym {pseudonym!r} is taken; choose another")
    return _create(session, name=name, role=STUDENT, pseudonym=pseudonym)


def rotate_token(session: Session, account: Account) -> IssuedToken:
    """A new token for `account`; the old one stops working at once."""
    token, token_id, digest = new_token()
    account.token_id, account.token_hash = token_id, digest
    account.token_issued_at = utc_now()
    session.flush()
    return IssuedToken(name=account.name, role=account.role, token=token)


def find_account(session: Session, name: str) -> Account:
    name = " ".join(storable_text(name).split())
    account = session.scalar(select(Account).where(Account.name == name))
    if account is None:
        raise AccountError(
            f"no student named {name!r}; `grader class tokens` lists them"
        )
    return account


def teacher(session: Session) -> Account | None:
    return session.scalar(select(Account).where(Account.role == TEACHER))


def students(session: Session) -> list[Account]:
    return list(
        session.scalars(
            select(Account).where(Account.role == STUDENT).order_by(Account.name)
        )
    )


def _create(
    session: Session, *, name: str, role: str, pseudonym: str | None
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
        )
    )
    session.flush()
    return IssuedToken(name=name, role=role, token=token)


def _clean(value: str, what: str) -> str:
    value = " ".join(storable_text(value).split())
    if not value:
        raise AccountError(f"the {what} is empty; give one")
    if len(value) > NAME_MAX:
        raise AccountError(f"the {what} is longer than {NAME_MAX} characters")
    return value
