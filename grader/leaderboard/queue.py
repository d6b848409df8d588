"""The grading queue: jobs are rows of the `jobs` table; a queue implementation runs them.

The table is the record of truth: a job is `queued` until a worker claims it (one UPDATE that
only succeeds while it is still queued), `running` while graded, then `done` or `error`.
What a queue implementation adds is only how workers learn of new jobs: the in-process pool
(`grader.leaderboard.worker.InProcessPool`) or Celery workers on other machines
(`grader.leaderboard.celery_queue.CeleryQueue`). Every statement here is plain SQL that
SQLite and PostgreSQL run alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from grader.leaderboard.db import Database
from grader.leaderboard.db.models import (
    QUEUED,
    RUNNING,
    Job,
    Submission,
    utcnow,
)

if TYPE_CHECKING:
    from grader.leaderboard.worker import GradingContext


class JobQueue(Protocol):
    """How queued jobs reach workers. Implementations: in-process threads, Celery."""

    name: str

    def start(self) -> None:
        """Begin running queued jobs, those left from before a restart included."""
        ...

    def notify(self, job_id: int) -> None:
        """`job_id` was just committed as queued; run it soon."""
        ...

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; a job cut short stays `running` and is re-queued at start."""
        ...


def make_queue(ctx: "GradingContext", *, kind: str, workers: int) -> JobQueue:
    """The queue implementation named by `kind` (GRADER_QUEUE)."""
    from grader.leaderboard.worker import InProcessPool

    if kind == "inprocess":
        return InProcessPool(ctx, workers=workers)
    if kind == "celery":
        from grader.leaderboard.celery_queue import CeleryQueue

        return CeleryQueue(ctx)
    raise ValueError(f"unknown queue kind {kind!r}")


def enqueue(session: Session, submission: Submission, *, reason: str) -> Job:
    """A new queued job for `submission` (flushed, not committed)."""
    job = Job(
        submission_id=submission.id,
        reason=reason,
        status=QUEUED,
        attempts=0,
        queued_at=utcnow(),
        error="",
    )
    submission.status = QUEUED
    session.add(job)
    session.flush()
    return job


def next_queued(db: Database) -> int | None:
    """The oldest queued job's id (first come, first graded)."""
    with db.session() as session:
        return session.scalar(
            select(Job.id).where(Job.status == QUEUED).order_by(Job.id).limit(1)
        )


def claim(db: Database, job_id: int) -> bool:
    """Move the job from queued to running; False when another worker was first."""
    with db.write_session() as session:
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(Job)
            .where(Job.id == job_id, Job.status == QUEUED)
            .values(status=RUNNING, started_at=utcnow(), attempts=Job.attempts + 1)
        )
        claimed = result.rowcount
        if claimed:
            job = session.get(Job, job_id)
            assert job is not None
            session.execute(
                update(Submission)
                .where(Submission.id == job.submission_id)
                .values(status=RUNNING)
            )
        return bool(claimed)


Delivery = Literal["claimed", "exhausted", "skip"]


def claim_delivery(
    db: Database, job_id: int, *, redelivered: bool, max_attempts: int
) -> Delivery:
    """Whether a worker that received `job_id` from a broker should grade it.

    "claimed": it was queued (or it is a redelivery of a job whose worker died mid-job,
    taken over now); "exhausted": a redelivery of a job already tried `max_attempts` times;
    "skip": it is done, or another worker holds it (a duplicate message).
    """
    if claim(db, job_id):
        return "claimed"
    if not redelivered:
        return "skip"
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != RUNNING:
            return "skip"
        if job.attempts >= max_attempts:
            return "exhausted"
        # Compare-and-set on the attempt count: one taker even if the message doubled.
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(Job)
            .where(
                Job.id == job_id, Job.status == RUNNING, Job.attempts == job.attempts
            )
            .values(started_at=utcnow(), attempts=Job.attempts + 1)
        )
        return "claimed" if result.rowcount else "skip"


def queued_ids(db: Database) -> list[int]:
    """Every queued job, oldest first."""
    with db.session() as session:
        return list(
            session.scalars(select(Job.id).where(Job.status == QUEUED).order_by(Job.id))
        )


def interrupted_message(attempts: int, where: str) -> str:
    return (
        f"grading was interrupted {attempts} times before it finished ({where}); "
        "nothing was graded: ask your teacher to regrade it"
    )


def recover(
    db: Database, *, max_attempts: int, give_up: Callable[[int, str], None]
) -> int:
    """Re-queue jobs a stopped server left running; `give_up` on those tried too often.

    Only for a queue whose workers all live in this process: their jobs cannot be running
    anywhere else once the process starts again. Returns how many were re-queued.
    """
    exhausted: list[tuple[int, int]] = []
    with db.session() as session:
        stale = list(session.scalars(select(Job).where(Job.status == RUNNING)))
        requeued = 0
        for job in stale:
            if job.attempts >= max_attempts:
                exhausted.append((job.id, job.attempts))
            else:
                job.status, job.started_at = QUEUED, None
                job.submission.status = QUEUED
                requeued += 1
    for job_id, attempts in exhausted:
        give_up(job_id, interrupted_message(attempts, "the server stopped or crashed"))
    return requeued


def position(session: Session, job: Job) -> int | None:
    """1 for the next job to be graded; None once the job is no longer queued."""
    if job.status != QUEUED:
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.status == QUEUED, Job.id <= job.id)
    )
    return int(ahead or 1)


def latest_job(session: Session, submission_id: str) -> Job | None:
    return session.scalar(
        select(Job)
        .where(Job.submission_id == submission_id)
        .order_by(Job.id.desc())
        .limit(1)
    )


def counts(session: Session) -> dict[str, int]:
    """Jobs per status, for the health endpoint."""
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
    return {status: int(n) for status, n in rows}
