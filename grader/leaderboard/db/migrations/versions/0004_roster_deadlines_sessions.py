"""A course: students keyed by their student id, random pseudonyms, deadlines, sign-in.

Accounts gain a student id (unique), an email, a section and a state (active, disabled,
removed); names stop being unique (two people may share one). Every student without a
pseudonym gets a random one. New tables: the class's settings, deadlines, extensions and
the browsers' sessions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from grader.leaderboard.pseudonyms import random_pseudonym

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)
# Names the unnamed constraints of 0001 on SQLite, so batch mode can drop the one on name.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    connection = op.get_bind()
    unique_name = (
        "accounts_name_key"
        if connection.dialect.name == "postgresql"
        else "uq_accounts_name"
    )
    with op.batch_alter_table("accounts", naming_convention=NAMING) as batch:
        batch.drop_constraint(unique_name, type_="unique")
        batch.add_column(sa.Column("student_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("section", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("state", sa.String(16), nullable=False, server_default="active")
        )
        batch.create_unique_constraint("uq_accounts_student_id", ["student_id"])
    _fill_pseudonyms(connection)
    op.create_table(
        "class_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target", sa.String(120), nullable=False, unique=True),
        sa.Column("opens_at", STAMP, nullable=True),
        sa.Column("due_at", STAMP, nullable=False),
        sa.Column("late_days", sa.Float, nullable=False),
        sa.Column("penalty_per_day", sa.Float, nullable=False),
        sa.Column("late_cap", sa.Float, nullable=True),
    )
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False
        ),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("due_at", STAMP, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("account_id", "target"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
    )


def _fill_pseudonyms(connection: sa.Connection) -> None:
    """A random pseudonym for each student without one (they used to be `student-<id>`)."""
    taken = {
        row[0]
        for row in connection.execute(
            sa.text("SELECT pseudonym FROM accounts WHERE pseudonym IS NOT NULL")
        )
    }
    missing = connection.execute(
        sa.text(
            "SELECT id FROM accounts WHERE pseudonym IS NULL AND role = 'student' "
            "ORDER BY id"
        )
    ).fetchall()
    for (account_id,) in missing:
        pseudonym = random_pseudonym(taken.__contains__)
        taken.add(pseudonym)
        connection.execute(
            sa.text("UPDATE accounts SET pseudonym = :p WHERE id = :id"),
            {"p": pseudonym, "id": account_id},
        )


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("extensions")
    op.drop_table("deadlines")
    op.drop_table("class_settings")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_student_id", type_="unique")
        for column in ("state", "section", "email", "student_id"):
            batch.drop_column(column)
