"""The isolation level a submission was graded under, as a column of its own.

The board marks scores graded below full isolation. It used to find them by matching the
stored scorecard's text; the level is now written with the result and read from this column.
Existing rows are filled in from their scorecards.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LEVELS = ("full", "reduced", "none")


def upgrade() -> None:
    op.add_column("submissions", sa.Column("isolation", sa.String(16), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, scorecard FROM submissions WHERE scorecard IS NOT NULL")
    ).fetchall()
    for submission_id, text in rows:
        try:
            level = json.loads(text).get("integrity", {}).get("level")
        except (ValueError, AttributeError):
            continue  # unreadable: the level stays unknown, as before
        if level in LEVELS:
            connection.execute(
                sa.text("UPDATE submissions SET isolation = :level WHERE id = :id"),
                {"level": level, "id": submission_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("isolation")
