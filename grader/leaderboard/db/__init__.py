"""Opening the database: an engine, sessions, and the migrations applied first.

SQLite (the default, one file in the data dir) runs in WAL mode with a busy timeout so the
API and the worker threads can share it; `postgresql://` URLs run on psycopg 3.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from grader.errors import GraderError

SQLITE_BUSY_MS = 15_000


class DatabaseError(GraderError):
    """The database cannot be opened or migrated."""


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    # Counts the results this process stored: cached leaderboards compare it.
    generation: int = 0
    # SQLite only: this process's writers take turns on a lock, which wakes the next one at
    # once, where SQLite's busy handler would sleep up to 100 ms between tries.
    writer: threading.Lock | None = field(default=None, repr=False)

    def results_changed(self) -> None:
        self.generation += 1

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error, always closed."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session for a transaction that writes (see `writer`)."""
        with self.writer or nullcontext():
            with self.session() as session:
                yield session

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Connect to `url` and bring its schema up to date (Alembic, from the package)."""
    try:
        engine = _engine(url)
        migrate(engine)
    except ArgumentError:
        raise DatabaseError(
            f"database URL {_redacted(url)!r} is not valid; use sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST/DB"
        ) from None
    except OperationalError as exc:
        raise DatabaseError(
            f"cannot open the database {_redacted(url)}: {exc.orig}; "
            "check DATABASE_URL (or --data-dir) and that the database server is running"
        ) from None
    return Database(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        writer=threading.Lock() if url.startswith("sqlite") else None,
    )


def migrate(engine: Engine) -> None:
    """Apply every migration shipped in grader/leaderboard/db/migrations."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def migrations_dir() -> Path:
    return Path(str(resources.files("grader.leaderboard.db").joinpath("migrations")))


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(driver_url(url), pool_pre_ping=True)
    from grader.leaderboard.private import private_dir, private_file, sqlite_path

    database = sqlite_path(url)
    if database is not None:
        # Every scorecard and real name is in here: owner-only from the first byte, and
        # SQLite gives its -wal and -shm files the database file's mode.
        private_dir(database.parent)
        private_file(database)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}
    )
    event.listen(engine, "connect", functools.partial(_sqlite_pragmas, database))
    return engine


def driver_url(url: str) -> str:
    """PostgreSQL URLs as people write them, on psycopg 3 (the driver the extra installs)."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def _sqlite_pragmas(database: Path | None, connection: Any, _record: Any) -> None:
    # WAL lets readers (the page, the API) run while a worker writes a result.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    if database is not None:
        from grader.leaderboard.private import tighten_sqlite_files

        tighten_sqlite_files(database)


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


__all__ = ["Database", "DatabaseError", "migrate", "open_database"]
