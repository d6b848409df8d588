"""The tables: accounts, submissions, grading jobs, and what a course adds around them.

Accounts are the teacher and the roster's students (keyed by their student id); deadlines
and extensions are the late policy; regrades and score changes are what a student is told
after a regrade; web sessions are the browsers signed in; worker beats say who is grading.

Plain SQLAlchemy 2 models with portable column types; the migrations in
`grader/leaderboard/db/migrations` create them (never `create_all`).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Job and submission states. A job is claimed by moving it from queued to running.
QUEUED, RUNNING, DONE, ERROR = "queued", "running", "done", "error"
TEACHER, STUDENT = "teacher", "student"
# An account's state: a disabled student cannot sign in or submit; a removed one is also
# left out of the board and the gradebook. Their submissions are kept for the record.
ACTIVE, DISABLED, REMOVED = "active", "disabled", "removed"


class Base(DeclarativeBase):
    pass


class Account(Base):
    """A teacher or a student. Only a hash of the token's secret is stored.

    Students are keyed by `student_id` (two people may share a name); the pseudonym is
    random and stable, drawn when the student is added.
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    pseudonym: Mapped[str | None] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    student_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    section: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    token_issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When a worker last started grading one of this student's jobs (the fair queue's
    # "served longest ago"); written by the claim, which locks this row anyway.
    served_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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
    # The regrade (of one submission or of a whole exercise) this job belongs to.
    regrade_id: Mapped[str | None] = mapped_column(ForeignKey("regrades.id"))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="jobs")


class ClassSetting(Base):
    """One setting of the class (its time zone, whether the board is public)."""

    __tablename__ = "class_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Deadline(Base):
    """The dates of an exercise (`stage1/grade-book`) or of a whole stage (`stage:1`).

    Late work is accepted for `late_days` after the due date, at `penalty_per_day` percent
    off per started day, and never above `late_cap` percent of the maximum when set; past
    the window the exercise is closed.
    """

    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(120), unique=True)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    late_days: Mapped[float] = mapped_column(Float, default=0.0)
    penalty_per_day: Mapped[float] = mapped_column(Float, default=0.0)
    late_cap: Mapped[float | None] = mapped_column(Float)


class Extension(Base):
    """A student's own due date for an exercise or a stage (the late window follows it)."""

    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("account_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    target: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")


class WebSession(Base):
    """A browser signed in: the cookie holds a secret, the table only its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Regrade(Base):
    """The teacher's regrade of one submission or of an exercise, with its reason."""

    __tablename__ = "regrades"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    exercise: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScoreChange(Base):
    """A regrade that changed a submission's score: what the student is told."""

    __tablename__ = "score_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    regrade_id: Mapped[str | None] = mapped_column(ForeignKey("regrades.id"))
    old_score: Mapped[float | None] = mapped_column(Float)
    new_score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    old_result: Mapped[str | None] = mapped_column(String(16))
    new_result: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkerBeat(Base):
    """A grading worker that is alive: it writes `seen_at` every few seconds."""

    __tablename__ = "worker_beats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    queue: Mapped[str] = mapped_column(String(16))
    concurrency: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
