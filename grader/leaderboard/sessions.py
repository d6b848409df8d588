"""Browsers signed in: a token typed once into a form becomes a session cookie.

The cookie (`grader_session`) holds 256 random bits; the table holds only their SHA-256,
with the account, an expiry and the session's CSRF token. The cookie is Secure, HttpOnly and
SameSite=Strict; every form that changes something carries the CSRF token, which is checked
against the session's with `hmac.compare_digest`, and the request's Origin (when sent) must
be the server's own.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from grader.clock import utc_now
from grader.leaderboard.auth import hash_secret
from grader.leaderboard.db.models import ACTIVE, Account, WebSession, as_utc

COOKIE = "grader_session"
LIFETIME = timedelta(days=14)
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: an account, and the CSRF token of their session."""

    id: int
    name: str
    role: str
    pseudonym: str | None
    csrf: str


def start_session(session: Session, account: Account) -> str:
    """A new signed-in session for `account`; returns the cookie's value."""
    secret = secrets.token_urlsafe(32)
    now = utc_now()
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(
        WebSession(
            secret_hash=hash_secret(secret),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    return secret


def viewer(session: Session, cookie: str | None) -> Viewer | None:
    """The signed-in account behind a cookie; None when missing, unknown or expired."""
    if not cookie:
        return None
    row = session.scalar(
        select(WebSession).where(WebSession.secret_hash == hash_secret(cookie))
    )
    if row is None or as_utc(row.expires_at) < utc_now():  # type: ignore[operator]
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.state != ACTIVE:
        return None
    return Viewer(
        id=account.id,
        name=account.name,
        role=account.role,
        pseudonym=account.pseudonym,
        csrf=row.csrf_token,
    )


class ViewerCache:
    """Who a cookie belongs to, remembered for `seconds`: the board is what a class
    reloads, and a database lookup per request would cost more than the page itself.

    A sign-out in this process forgets the cookie at once; a student disabled from the
    command line (another process) loses access within `seconds`.
    """

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = 10_000) -> None:
        self.seconds, self.size = seconds, size
        self._entries: dict[str, tuple[float, Viewer]] = {}

    def get(self, cookie: str | None) -> Viewer | None:
        if not cookie:
            return None
        entry = self._entries.get(hash_secret(cookie))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, cookie: str, who: Viewer) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()  # rare: a full cache simply starts again
        self._entries[hash_secret(cookie)] = (time.monotonic() + self.seconds, who)

    def forget(self, cookie: str | None) -> None:
        if cookie:
            self._entries.pop(hash_secret(cookie), None)


def end_session(session: Session, cookie: str | None) -> None:
    if cookie:
        session.execute(
            delete(WebSession).where(WebSession.secret_hash == hash_secret(cookie))
        )


def end_sessions_of(session: Session, account_id: int) -> None:
    """Sign out every browser of an account (disabled, removed, or a new token)."""
    session.execute(delete(WebSession).where(WebSession.account_id == account_id))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")


__all__ = [
    "COOKIE",
    "Viewer",
    "ViewerCache",
    "csrf_matches",
    "end_session",
    "end_sessions_of",
    "start_session",
    "viewer",
]
