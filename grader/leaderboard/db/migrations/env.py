"""Alembic environment: run by `open_database` with a live connection, never by URL alone."""

from __future__ import annotations

from alembic import context

from grader.leaderboard.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the server always passes its connection
    raise RuntimeError(
        "run migrations through grader.leaderboard.db.open_database (or `grader serve`)"
    )

# Batch mode lets later migrations alter tables on SQLite as well as on PostgreSQL.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
