"""The tables: accounts (teacher and students), submissions, grading jobs, server facts.

Plain SQLAlchemy 2 models with portable column types; the migrations in
`grader/leaderboard/db/migrations` create them (never `create_all`).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Job and submission states. A job is claimed by moving it from queued to running.
QUEUED, RUNNING, DONE, ERROR = "queued", "running", "done", "error"
TEACHER, STUDENT = "teacher", "student"


class Base(DeclarativeBase):
    pass


class Account(Base):
    """A teacher or a student. Only a hash of the token's secret is stored."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    pseudonym: Mapped[str | None] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    token_issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    submissions: Mapped[list["Submission"]] = relationship(back_populates="account")

    @property
    def public_name(self) -> str:
        """The name shown where pseudonyms are asked for."""
        return self.pseudonym or f"student-{self.id}"


class Submission(Base):
    """One upload: the stored archive, and the latest grading's scorecard once done."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_exercise_account", "exercise", "account_id", "score"),
        Index("ix_submissions_account_created", "account_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    exercise: Mapped[str] = mapped_column(String(120))
    stage: Mapped[int] = mapped_column(Integer)
    archive_path: Mapped[str] = mapped_column(String(255))
    archive_sha256: Mapped[str] = mapped_column(String(64))
    archive_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    result: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    scorecard: Mapped[str | None] = mapped_column(Text)
    # The scorecard's integrity.level (full, reduced, none): the board marks the weaker ones.
    isolation: Mapped[str | None] = mapped_column(String(16))
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account] = relationship(back_populates="submissions")
    jobs: Mapped[list["Job"]] = relationship(back_populates="submission")


class Job(Base):
    """One grading of a submission (the first, or a regrade). The queue is this table."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="jobs")


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
