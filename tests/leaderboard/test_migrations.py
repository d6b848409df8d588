"""The shipped migrations build the schema the models describe, and upgrade a class's database
without losing what it holds: the isolation level of stored scorecards is filled in."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect

from grader.leaderboard.db import driver_url, migrate, migrations_dir
from grader.leaderboard.db.models import Base


def _url(database_url: str | None, tmp_path) -> str:
    if database_url is None:
        return f"sqlite:///{tmp_path / 'class.db'}"
    return driver_url(database_url)


def _upgrade(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_the_migrations_build_the_models_schema(database_url, tmp_path) -> None:
    engine = create_engine(_url(database_url, tmp_path))
    migrate(engine)
    found = inspect(engine)
    tables = set(found.get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        columns = {c["name"] for c in found.get_columns(name)}
        assert columns == {c.name for c in table.columns}, name
    engine.dispose()


def test_an_upgrade_fills_in_the_isolation_of_stored_scorecards(
    database_url, tmp_path
) -> None:
    engine = create_engine(_url(database_url, tmp_path))
    _upgrade(engine, "0001")
    now = "2026-12-01 10:00:00+00:00"
    rows = {
        "a" * 32: json.dumps({"integrity": {"level": "reduced"}, "score": 80}),
        "b" * 32: json.dumps({"integrity": {"level": "full"}}),
        # A message that quotes the level does not count: only integrity.level does.
        "c" * 32: json.dumps({"message": '"level": "none"', "integrity": {}}),
        "d" * 32: "not json",
        "e" * 32: None,
    }
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO accounts (id, name, role, token_id, token_hash, "
                "token_issued_at, created_at) VALUES (1, 'Ann', 'student', 't', 'h', "
                ":now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text("INSERT INTO server_facts (key, value) VALUES ('name', 'class')")
        )
        for submission_id, scorecard in rows.items():
            connection.execute(
                sa.text(
                    "INSERT INTO submissions (id, account_id, exercise, stage, "
                    "archive_path, archive_sha256, archive_bytes, created_at, status, "
                    "message, scorecard) VALUES (:id, 1, 'stage1/word-count', 1, 'p', "
                    "'s', 1, :now, 'done', '', :card)"
                ),
                {"id": submission_id, "now": now, "card": scorecard},
            )
    migrate(engine)
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT id, isolation FROM submissions"))
        levels = {row[0]: row[1] for row in found}
    assert levels == {
        "a" * 32: "reduced",
        "b" * 32: "full",
        "c" * 32: None,
        "d" * 32: None,
        "e" * 32: None,
    }
    assert "server_facts" not in inspect(engine).get_table_names()
    engine.dispose()
