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


def test_an_upgrade_to_the_course_schema_keeps_a_class_and_its_work(
    database_url, tmp_path
) -> None:
    """From 0003: two students, one with a pseudonym, a graded submission and its job.

    After the upgrade the same rows are there, every student has a pseudonym (random, not
    `student-<id>`), names need not be unique any more, and the new tables are empty.
    """
    engine = create_engine(_url(database_url, tmp_path))
    _upgrade(engine, "0003")
    now = "2026-12-01 10:00:00+00:00"
    with engine.begin() as connection:
        for account_id, name, pseudonym, role in (
            (1, "teacher", None, "teacher"),
            (2, "Wang Wei", "owl", "student"),
            (3, "Li Na", None, "student"),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO accounts (id, name, pseudonym, role, token_id, "
                    "token_hash, token_issued_at, created_at) VALUES (:id, :name, :p, "
                    ":role, :tid, 'h', :now, :now)"
                ),
                {
                    "id": account_id,
                    "name": name,
                    "p": pseudonym,
                    "role": role,
                    "tid": f"t{account_id}",
                    "now": now,
                },
            )
        connection.execute(
            sa.text(
                "INSERT INTO submissions (id, account_id, exercise, stage, "
                "archive_path, archive_sha256, archive_bytes, created_at, status, "
                "message, score, max_score) VALUES ('s1', 3, 'stage1/word-count', 1, "
                "'p', 's', 1, :now, 'done', '', 90, 100)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO jobs (submission_id, reason, status, attempts, "
                "queued_at, error) VALUES ('s1', 'submit', 'done', 1, :now, '')"
            ),
            {"now": now},
        )
    migrate(engine)
    with engine.begin() as connection:
        accounts = connection.execute(
            sa.text("SELECT id, name, pseudonym, state, student_id FROM accounts")
        ).fetchall()
        by_id = {row[0]: row for row in accounts}
        assert by_id[2][2] == "owl"
        assert by_id[3][2] and not by_id[3][2].startswith("student-")
        assert by_id[1][2] is None  # the teacher needs none
        assert {row[3] for row in accounts} == {"active"}
        assert connection.execute(
            sa.text("SELECT score, account_id FROM submissions WHERE id = 's1'")
        ).one() == (90, 3)
        assert connection.execute(
            sa.text("SELECT regrade_id, status FROM jobs")
        ).one() == (None, "done")
        # A second "Wang Wei" now fits: students are keyed by their id.
        connection.execute(
            sa.text(
                "INSERT INTO accounts (id, name, role, token_id, token_hash, "
                "token_issued_at, created_at, student_id, state) VALUES (4, "
                "'Wang Wei', 'student', 't4', 'h', :now, :now, 'S4', 'active')"
            ),
            {"now": now},
        )
    for table in ("deadlines", "extensions", "regrades", "score_changes"):
        with engine.connect() as connection:
            count = connection.execute(sa.text(f"SELECT count(*) FROM {table}"))
            assert count.scalar() == 0
    engine.dispose()


def test_an_upgrade_records_when_each_student_was_last_served(
    database_url, tmp_path
) -> None:
    """From 0005: the fair queue's `served_at` is the latest start of the student's jobs;
    a student never graded has none."""
    engine = create_engine(_url(database_url, tmp_path))
    _upgrade(engine, "0005")
    with engine.begin() as connection:
        for account_id in (1, 2):
            connection.execute(
                sa.text(
                    "INSERT INTO accounts (id, name, role, token_id, token_hash, "
                    "token_issued_at, created_at, state) VALUES (:id, 'S', 'student', "
                    ":tid, 'h', '2026-12-01 10:00:00+00:00', "
                    "'2026-12-01 10:00:00+00:00', 'active')"
                ),
                {"id": account_id, "tid": f"t{account_id}"},
            )
        for n, started in enumerate(
            ("2026-12-02 09:00:00+00:00", "2026-12-03 08:00:00+00:00", None)
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO submissions (id, account_id, exercise, stage, "
                    "archive_path, archive_sha256, archive_bytes, created_at, status, "
                    "message) VALUES (:id, 1, 'stage1/word-count', 1, 'p', 's', 1, "
                    "'2026-12-01 10:00:00+00:00', 'done', '')"
                ),
                {"id": f"s{n}"},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO jobs (submission_id, reason, status, attempts, "
                    "queued_at, started_at, error) VALUES (:sid, 'submit', 'done', 1, "
                    "'2026-12-01 10:00:00+00:00', :started, '')"
                ),
                {"sid": f"s{n}", "started": started},
            )
    migrate(engine)
    with engine.connect() as connection:
        served = dict(
            connection.execute(sa.text("SELECT id, served_at FROM accounts")).all()
        )
    assert str(served[1]).startswith("2026-12-03 08:00:00") and served[2] is None
    engine.dispose()
