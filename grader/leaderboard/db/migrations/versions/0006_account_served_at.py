"""When each student's latest grading started, on their account row.

The fair queue orders waiting students by when each was last served. It used to find that
as the latest start over all of the student's jobs, a read of every job in the class on
each upload (the place in line) and each claim; the claim now writes it on the account,
which it already locks. Existing accounts are filled in from their jobs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts", sa.Column("served_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE accounts SET served_at = ("
        "SELECT max(jobs.started_at) FROM jobs "
        "JOIN submissions ON submissions.id = jobs.submission_id "
        "WHERE submissions.account_id = accounts.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("served_at")
