"""Regrades with their reason, the score changes they made, and the workers' heartbeats.

A job may belong to a regrade (of one submission or of a whole exercise); a regrade that
changes a score records the old and new score, which the student's view shows. Workers
(the in-process pool and each `grader worker`) write a heartbeat, so health counts the
ones really grading.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "regrades",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("exercise", sa.String(120), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("regrade_id", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_jobs_regrade_id", "regrades", ["regrade_id"], ["id"]
        )
    op.create_table(
        "score_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("submissions.id"),
            nullable=False,
        ),
        sa.Column(
            "regrade_id", sa.String(32), sa.ForeignKey("regrades.id"), nullable=True
        ),
        sa.Column("old_score", sa.Float, nullable=True),
        sa.Column("new_score", sa.Float, nullable=True),
        sa.Column("max_score", sa.Float, nullable=True),
        sa.Column("old_result", sa.String(16), nullable=True),
        sa.Column("new_result", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changed_at", STAMP, nullable=False),
    )
    op.create_table(
        "worker_beats",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("queue", sa.String(16), nullable=False),
        sa.Column("concurrency", sa.Integer, nullable=False),
        sa.Column("seen_at", STAMP, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("worker_beats")
    op.drop_table("score_changes")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint("fk_jobs_regrade_id", type_="foreignkey")
        batch.drop_column("regrade_id")
    op.drop_table("regrades")
