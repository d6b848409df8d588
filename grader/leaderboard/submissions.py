"""Taking a submission in: rate limit, archive inspection, storage, a queued job.

The archive is on disk and its row and job committed before the API answers 202, so a
submission acknowledged is never lost, whatever happens to the server afterwards.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from grader.catalog import Exercise
from grader.catalog.model import BUNDLE_NAME
from grader.clock import utc_now
from grader.leaderboard import queue
from grader.leaderboard.archives import InspectedArchive, archive_kind, inspect_archive
from grader.leaderboard.db import Database
from grader.leaderboard.deadlines import Policy, refusal
from grader.leaderboard.db.models import (
    DONE,
    ERROR,
    QUEUED,
    RUNNING,
    Account,
    Job,
    Submission,
    as_utc,
)
from grader.leaderboard.errors import ApiError
from grader.leaderboard.exercises import Catalog
from grader.leaderboard.operations import live_workers
from grader.leaderboard.private import private_dir
from grader.leaderboard.regrades import new_regrade
from grader.leaderboard.settings import Settings
from grader.scorecard import serialize
from grader.scorecard.caps import MAX_SCORE
from grader.files import write_atomic

JOB_STATES = (QUEUED, RUNNING, DONE, ERROR)
RESULTS = ("pass", "fail", "error")


@dataclass(frozen=True)
class Accepted:
    submission_id: str
    job_id: int
    exercise: str
    position: int | None


def accept_submission(
    db: Database,
    *,
    settings: Settings,
    catalog: Catalog,
    account_id: int,
    slug: str,
    data: bytes,
) -> Accepted:
    """Check, store and queue an upload; ApiError for anything refused."""
    exercise = catalog.find(slug)
    if exercise is None:
        known = ", ".join(e.qualified_slug for e in catalog.exercises)
        raise ApiError(
            404,
            "unknown_exercise",
            f"this server has no exercise {slug!r}; it accepts: {known}",
        )
    with db.session() as session:  # refuse early, before reading the archive
        check_open(session, account_id=account_id, exercise=exercise)
        check_rate_limit(session, settings=settings, account_id=account_id)
    if len(data) > settings.max_upload_bytes:
        raise ApiError(413, "upload_too_large", upload_too_large(settings))
    check_bundle(inspect_archive(data, settings.archive), exercise)
    submission_id = uuid.uuid4().hex
    relative = Path("archives") / f"{submission_id}.{archive_kind(data)}"
    private_dir(settings.archives_dir)  # the file itself is 0600 (mkstemp)
    write_atomic(settings.data_dir / relative, data, folder=settings.data_dir)
    try:
        return _store(
            db,
            settings=settings,
            account_id=account_id,
            submission_id=submission_id,
            exercise=exercise,
            relative=relative,
            data=data,
        )
    except BaseException:
        (settings.data_dir / relative).unlink(missing_ok=True)
        raise


def _store(
    db: Database,
    *,
    settings: Settings,
    account_id: int,
    submission_id: str,
    exercise: Exercise,
    relative: Path,
    data: bytes,
) -> Accepted:
    """The submission and its job, counted against the rate limit in the same transaction."""
    with db.write_session() as session:
        # A no-op write to the student's row: on PostgreSQL a row lock, on SQLite the write
        # lock. Concurrent uploads of one student are counted one after the other, so a
        # burst cannot slip past the limit between the count and the insert.
        session.execute(
            update(Account).where(Account.id == account_id).values(role=Account.role)
        )
        check_rate_limit(session, settings=settings, account_id=account_id)
        submission = Submission(
            id=submission_id,
            account_id=account_id,
            exercise=exercise.qualified_slug,
            stage=exercise.stage,
            archive_path=relative.as_posix(),
            archive_sha256=hashlib.sha256(data).hexdigest(),
            archive_bytes=len(data),
            created_at=utc_now(),
            status=QUEUED,
            message="",
        )
        session.add(submission)
        session.flush()
        job_id = queue.enqueue(session, submission, reason="submit").id
    # Read after the commit, outside the write lock: every upload of the class waits on
    # that lock, and the place in line reads the whole queue.
    return Accepted(
        submission_id, job_id, exercise.qualified_slug, place_in_line(db, job_id)
    )


def place_in_line(db: Database, job_id: int) -> int | None:
    """The job's place in the queue (`queue.position`), read in its own session."""
    with db.session() as session:
        job = session.get(Job, job_id)
        return queue.position(session, job) if job is not None else None


def check_rate_limit(session: Session, *, settings: Settings, account_id: int) -> None:
    """ApiError 429 (with Retry-After) past `rate_limit` uploads per window."""
    since = utc_now() - timedelta(seconds=settings.rate_window_seconds)
    recent = list(
        session.scalars(
            select(Submission.created_at)
            .where(Submission.account_id == account_id, Submission.created_at > since)
            .order_by(Submission.created_at)
        )
    )
    if len(recent) < settings.rate_limit:
        return
    oldest = as_utc(recent[-settings.rate_limit])
    assert oldest is not None
    wait = settings.rate_window_seconds - (utc_now() - oldest).total_seconds()
    retry = max(1, math.ceil(wait))
    raise ApiError(
        429,
        "rate_limited",
        f"you sent {len(recent)} submissions in the last "
        f"{settings.rate_window_seconds:g} s (the limit is {settings.rate_limit}); "
        f"try again in {retry} s",
        headers={"Retry-After": str(retry)},
    )


def check_open(session: Session, *, account_id: int, exercise: Exercise) -> None:
    """ApiError 403 when the exercise is not open yet, or closed for this student."""
    policy = Policy(session)
    rule = policy.rule_for(account_id, exercise.qualified_slug, exercise.stage)
    now = utc_now()
    why = refusal(rule, now, policy.zone)
    if why is not None:
        code = (
            "exercise_not_open"
            if rule and rule.opens_at and now < rule.opens_at
            else "exercise_closed"
        )
        raise ApiError(403, code, why)


def check_bundle(archive: InspectedArchive, exercise: Exercise) -> None:
    """A Git exercise's upload holds its repository's bundle, within the exercise's limit."""
    if exercise.repository is None:
        return
    sizes = [
        m.size
        for m in archive.members
        if m.path == BUNDLE_NAME or m.path.endswith("/" + BUNDLE_NAME)
    ]
    if not sizes:
        raise ApiError(
            400,
            "repository_missing",
            f"{exercise.qualified_slug} is graded from its git repository and the upload "
            f"holds no {BUNDLE_NAME}; submit with `grader submit --server` from the "
            "exercise's repository (an older grader does not send it: upgrade it)",
        )
    limit = exercise.repository.max_bundle_kb
    if max(sizes) > limit * 1024:
        raise ApiError(
            413,
            "bundle_too_large",
            f"the repository's bundle is {max(sizes) / 1024:.0f} KB; the limit is "
            f"{limit} KB — keep large files out of the repository's history",
        )


def upload_too_large(settings: Settings) -> str:
    return (
        f"the upload is larger than {settings.max_upload_bytes // 1024} KB; "
        "send only your exercise's files"
    )


def regrade(db: Database, submission_id: str, reason: str = "") -> Accepted:
    """Queue the submission again (teacher only); refused while it is queued or running.

    `reason` is what the student is told if the score changes."""
    with db.write_session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            raise not_found(submission_id)
        pending = session.scalar(
            select(func.count())
            .select_from(Job)
            .where(
                Job.submission_id == submission_id, Job.status.in_((QUEUED, RUNNING))
            )
        )
        if pending:
            raise ApiError(
                409,
                "already_queued",
                f"submission {submission_id} is already waiting to be graded",
            )
        job = queue.enqueue(session, submission, reason="regrade")
        job.regrade_id = new_regrade(
            session, exercise=submission.exercise, scope="one", reason=reason
        ).id
        job_id, exercise = job.id, submission.exercise
    return Accepted(submission_id, job_id, exercise, place_in_line(db, job_id))


def submission_view(
    db: Database,
    submission_id: str,
    *,
    account_id: int,
    is_teacher: bool,
    stalled_after: float | None = None,
) -> dict[str, Any]:
    """A submission as its owner (or the teacher) sees it; 404 for anyone else.

    With `stalled_after` (seconds), a job queued that long while no worker is live says
    that grading is delayed, and the student's place in line.
    """
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None or (
            not is_teacher and submission.account_id != account_id
        ):
            raise not_found(submission_id)
        job = queue.latest_job(session, submission_id)
        where = queue.position(session, job) if job else None
        delayed = None
        if job is not None and where is not None and stalled_after is not None:
            waited = (utc_now() - as_utc(job.queued_at)).total_seconds()  # type: ignore[operator]
            if waited > stalled_after and not live_workers(db)[0]:
                delayed = (
                    f"grading is delayed: no grader is running right now; you are "
                    f"number {where} in line and will be graded as soon as one starts "
                    "(your teacher can see this too)"
                )
        return {
            "id": submission.id,
            "exercise": str(submission.exercise),
            "student": submission.account.name,
            "position": where,
            "delayed": delayed,
            "submitted_at": as_utc(submission.created_at),
            "started_at": as_utc(job.started_at) if job else None,
            "finished_at": as_utc(job.finished_at) if job else None,
            **stored_result(submission),
        }


def stored_result(submission: Submission) -> dict[str, Any]:
    """The submission's status, result, scores, message and scorecard as stored, when they
    are well-formed; else an error that says so, with no score and no scorecard.

    Whatever the database holds (a NaN or infinite score, a status no code writes, a
    scorecard that is not JSON or breaks the schema, on SQLite any type in any column),
    the answer is one the API can send.
    """
    problem, scorecard = _stored_problem(submission)
    if problem is None:
        return {
            "status": submission.status,
            "result": submission.result,
            "score": submission.score,
            "max_score": submission.max_score,
            "message": submission.message,
            "scorecard": scorecard,
        }
    return {
        "status": ERROR,
        "result": "error",
        "score": None,
        "max_score": None,
        "message": (
            f"the stored result of this submission is malformed ({problem}); "
            "the teacher can grade it again (regrade)"
        ),
        "scorecard": None,
    }


def _stored_problem(submission: Submission) -> tuple[str | None, Any]:
    """What is wrong with the submission's stored result (None: nothing), and its scorecard
    read from JSON."""
    problem = _column_problem(submission)
    if problem is not None or submission.scorecard is None:
        return problem, None
    if not isinstance(submission.scorecard, str):
        return "the scorecard is not text", None
    try:
        document = serialize.loads_finite(submission.scorecard)
    except ValueError:
        return "the scorecard is not JSON", None
    if not serialize.is_valid(document):
        return "the scorecard breaks the scorecard schema", None
    if document.get("practice"):
        return "a practice scorecard (graded without the hidden suite)", None
    return None, document


def _column_problem(submission: Submission) -> str | None:
    if submission.status not in JOB_STATES:
        return "an unknown status"
    if submission.result is not None and submission.result not in RESULTS:
        return "an unknown result"
    if not isinstance(submission.message, str):
        return "a message that is not text"
    for name in ("score", "max_score"):
        value = getattr(submission, name)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= MAX_SCORE
        ):
            return f"the {name.replace('_', ' ')} is not a number from 0 to {MAX_SCORE}"
    if submission.score is not None and (
        submission.max_score is None or submission.score > submission.max_score
    ):
        return "the score is above the maximum"
    if submission.status == DONE and (
        submission.scorecard is None
        or submission.result is None
        or submission.score is None
    ):
        return "graded, but the score or the scorecard is missing"
    return None


def not_found(submission_id: str) -> ApiError:
    # The same answer for "no such submission" and "someone else's": ids are not probed.
    return ApiError(
        404,
        "submission_not_found",
        f"no submission {submission_id!r} of yours on this server",
    )
