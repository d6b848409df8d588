"""The grading queue: jobs are rows of the `jobs` table; a queue implementation runs them.

The table is the record of truth: a job is `queued` until a worker claims it (one UPDATE that
only succeeds while it is still queued), `running` while graded, then `done` or `error`.
What a queue implementation adds is only how workers learn of new jobs: the in-process pool
(`grader.leaderboard.worker.InProcessPool`) or Celery workers on other machines
(`grader.leaderboard.celery_queue.CeleryQueue`), as `grader.leaderboard.app.make_queue`
chooses. Every statement here is plain SQL that SQLite and PostgreSQL run alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from datetime import datetime, timedelta, timezone

from sqlalchemy import CursorResult, and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from grader.clock import utc_now
from grader.leaderboard.db import Database
from grader.leaderboard.db.models import (
    QUEUED,
    RUNNING,
    Account,
    Job,
    Submission,
    as_utc,
)


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


def enqueue(session: Session, submission: Submission, *, reason: str) -> Job:
    """A new queued job for `submission` (flushed, not committed)."""
    job = Job(
        submission_id=submission.id,
        reason=reason,
        status=QUEUED,
        attempts=0,
        queued_at=utc_now(),
        error="",
    )
    submission.status = QUEUED
    session.add(job)
    session.flush()
    return job


def _student_busy(account_id: Any) -> Any:
    """SQL: the student `account_id` has a job running."""
    other, theirs = aliased(Job), aliased(Submission)
    return exists(
        select(other.id)
        .join(theirs, theirs.id == other.submission_id)
        .where(other.status == RUNNING, theirs.account_id == account_id)
    )


def fair_order(session: Session, *, limit: int | None = None) -> list[int]:
    """Queued jobs in the order a free worker takes them, the busy students' left out.

    Round-robin by student, first come first served within a student: a student with a
    job running waits (one job per student at a time), and among the others the student
    served longest ago (or never) goes first, their oldest job first. One student's flood
    of uploads thus delays a classmate by one job at most.

    Three plain queries (the queued jobs, the busy students, when each waiting student was
    last served: `Account.served_at`, written by `claim`) and a sort here: the order costs
    O(n log n) in the queued jobs, not a correlated count per job over all the class's
    jobs (which took a second per upload with 800 jobs queued).
    """
    queued = session.execute(
        select(Job.id, Submission.account_id)
        .join(Submission, Submission.id == Job.submission_id)
        .where(Job.status == QUEUED)
        .order_by(Job.id)
    ).all()
    if not queued:
        return []
    busy = set(
        session.scalars(
            select(Submission.account_id)
            .join(Job, Job.submission_id == Submission.id)
            .where(Job.status == RUNNING)
            .distinct()
        )
    )
    waiting = (
        select(Submission.account_id)
        .join(Job, Job.submission_id == Submission.id)
        .where(Job.status == QUEUED)
    )
    served = {
        account: as_utc(started)
        for account, started in session.execute(
            select(Account.id, Account.served_at).where(
                Account.id.in_(waiting), Account.served_at.is_not(None)
            )
        )
    }
    turns: dict[int, int] = {}
    ranked = []
    for job_id, account in queued:  # oldest first: a student's turn counts up
        turns[account] = turns.get(account, 0) + 1
        if account in busy:
            continue
        last = served.get(account)
        never = last is None
        ranked.append((turns[account], not never, last or _EPOCH, job_id))
    ranked.sort()
    ids = [job_id for *_, job_id in ranked]
    return ids if limit is None else ids[:limit]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def next_queued(db: Database) -> int | None:
    """The job a free worker grades next (`fair_order`); None when none may start."""
    with db.session() as session:
        ids = fair_order(session, limit=1)
        return ids[0] if ids else None


def claim(db: Database, job_id: int) -> bool:
    """Move the job from queued to running; False when another worker was first, or when
    its student already has a job running (one at a time per student)."""
    with db.write_session() as session:
        account_id = session.scalar(
            select(Submission.account_id)
            .join(Job, Job.submission_id == Submission.id)
            .where(Job.id == job_id)
        )
        if account_id is None:
            return False
        # A no-op write to the student's row: on PostgreSQL a row lock held to the commit,
        # on SQLite the write lock. Two workers claiming jobs of one student take turns, so
        # the check below cannot pass for both.
        session.execute(
            update(Account).where(Account.id == account_id).values(role=Account.role)
        )
        now = utc_now()
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == QUEUED,
                ~_student_busy(account_id),
            )
            .values(status=RUNNING, started_at=now, attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)
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
            session.execute(
                update(Account).where(Account.id == account_id).values(served_at=now)
            )
        return bool(claimed)


Delivery = Literal["claimed", "exhausted", "skip", "busy"]


def claim_delivery(
    db: Database, job_id: int, *, redelivered: bool, max_attempts: int
) -> Delivery:
    """Whether a worker that received `job_id` from a broker should grade it.

    "claimed": it was queued (or it is a redelivery of a job whose worker died mid-job,
    taken over now); "exhausted": a redelivery of a job already tried `max_attempts` times;
    "busy": it is queued but its student has a job running (send it again later);
    "skip": it is done, or another worker holds it (a duplicate message).
    """
    if claim(db, job_id):
        return "claimed"
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is not None and job.status == QUEUED:
            return "busy"
        if not redelivered or job is None or job.status != RUNNING:
            return "skip"
        if job.attempts >= max_attempts:
            return "exhausted"
        # Compare-and-set on the attempt count: one taker even if the message doubled.
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(Job)
            .where(
                Job.id == job_id, Job.status == RUNNING, Job.attempts == job.attempts
            )
            .values(started_at=utc_now(), attempts=Job.attempts + 1)
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
    return len(
        _recover(
            db,
            max_attempts=max_attempts,
            give_up=give_up,
            started_before=None,
            where="the server stopped or crashed",
        )
    )


def recover_stale(
    db: Database,
    *,
    older_than: float,
    max_attempts: int,
    give_up: Callable[[int, str], None],
) -> list[int]:
    """Re-queue jobs running for longer than `older_than` seconds: no worker holds them.

    For workers on other machines (Celery), whose liveness the server cannot see: a job
    still `running` well past the longest a grading may take (and past the broker's
    redelivery of a dead worker's message, which restarts its clock) was lost with its
    message. Those tried `max_attempts` times end as errors instead. Returns the ids
    re-queued (the caller sends them to the workers again).
    """
    return _recover(
        db,
        max_attempts=max_attempts,
        give_up=give_up,
        started_before=utc_now() - timedelta(seconds=older_than),
        where="its worker was lost",
    )


def _recover(
    db: Database,
    *,
    max_attempts: int,
    give_up: Callable[[int, str], None],
    started_before: Any,
    where: str,
) -> list[int]:
    exhausted: list[tuple[int, int]] = []
    requeued: list[int] = []
    with db.write_session() as session:
        for job in session.scalars(select(Job).where(Job.status == RUNNING)):
            started = as_utc(job.started_at)
            if started_before is not None and started and started > started_before:
                continue
            if job.attempts >= max_attempts:
                exhausted.append((job.id, job.attempts))
            else:
                job.status, job.started_at = QUEUED, None
                job.submission.status = QUEUED
                requeued.append(job.id)
    for job_id, attempts in exhausted:
        give_up(job_id, interrupted_message(attempts, where))
    return requeued


def job_seconds(exercise: Any) -> float:
    """The longest one grading of `exercise` may take, every deadline on its way summed.

    The sandbox's run (`run_seconds`, plus the host's margin before it kills the run),
    what each check may take on the host after it (its declaration's `host_seconds`: a
    Dockerfile's build and health probe), plus a minute for extraction, the sandbox's
    start and storing.
    """
    from grader.registry.checks import declaration

    seconds = float(exercise.limits.run_seconds) + HOST_MARGIN_SECONDS + 60.0
    for check in exercise.checks:
        seconds += declaration(check.id).host_seconds(check)
    return seconds


# The largest of the backends' margins past run_seconds (Docker's).
HOST_MARGIN_SECONDS = 15.0


def position(session: Session, job: Job) -> int | None:
    """1 for the next job to be graded; None once the job is no longer queued.

    The jobs ahead: every queued job of another student that `fair_order` ranks first, and
    this student's own older ones (one at a time per student).
    """
    if job.status != QUEUED:
        return None
    order = fair_order(session)
    if job.id in order:
        return order.index(job.id) + 1
    account = job.submission.account_id
    own = session.scalar(
        select(func.count())
        .select_from(Job)
        .join(Submission, Submission.id == Job.submission_id)
        .where(Job.status == QUEUED, Submission.account_id == account, Job.id <= job.id)
    )
    others = session.scalar(
        select(func.count())
        .select_from(Job)
        .join(Submission, Submission.id == Job.submission_id)
        .where(and_(Job.status == QUEUED, Submission.account_id != account))
    )
    return int(own or 1) + int(others or 0)


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
