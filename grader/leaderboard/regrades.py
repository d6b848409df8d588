"""Regrading after a fix: one submission, or every (latest) submission of an exercise.

A regrade is a row with its reason; its jobs go through the ordinary queue (fair by
student). When a regrade changes a submission's score or result, the change is recorded
with the reason, and the student's view shows the old and the new score. The upload time
never changes, so a regrade cannot make work late.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.clock import utc_now
from grader.leaderboard import queue
from grader.leaderboard.db import Database
from grader.leaderboard.db.models import (
    DONE,
    QUEUED,
    RUNNING,
    Job,
    Regrade,
    ScoreChange,
    Submission,
    as_utc,
)
from grader.leaderboard.db.text import storable_text
from grader.leaderboard.errors import ApiError

SCOPES = ("latest", "all")
REASON_MAX = 500


@dataclass(frozen=True)
class Started:
    regrade_id: str
    job_ids: list[int]
    skipped: int  # already waiting to be graded


def new_regrade(session: Session, *, exercise: str, scope: str, reason: str) -> Regrade:
    reason = storable_text(reason.strip())[:REASON_MAX]
    regrade = Regrade(
        id=uuid.uuid4().hex,
        exercise=exercise,
        scope=scope,
        reason=reason,
        created_at=utc_now(),
    )
    session.add(regrade)
    session.flush()
    return regrade


def regrade_exercise(
    db: Database, *, exercise: str, scope: str, reason: str
) -> Started:
    """Queue every latest (per student) or every submission of `exercise` again."""
    if scope not in SCOPES:
        raise ApiError(
            422,
            "invalid_request",
            f"scope is one of {', '.join(SCOPES)}, not {scope!r}",
        )
    if not reason.strip():
        raise ApiError(
            422,
            "reason_required",
            "say why you regrade (e.g. 'hidden test test_empty fixed'): students see it",
        )
    with db.write_session() as session:
        submissions = list(
            session.scalars(
                select(Submission)
                .where(Submission.exercise == exercise)
                .order_by(Submission.account_id, Submission.created_at.desc())
            )
        )
        if scope == "latest":
            seen: set[int] = set()
            latest = []
            for submission in submissions:
                if submission.account_id not in seen:
                    seen.add(submission.account_id)
                    latest.append(submission)
            submissions = latest
        pending = set(
            session.scalars(
                select(Job.submission_id).where(Job.status.in_((QUEUED, RUNNING)))
            )
        )
        regrade = new_regrade(session, exercise=exercise, scope=scope, reason=reason)
        jobs = []
        for submission in submissions:
            if submission.id in pending:
                continue
            job = queue.enqueue(session, submission, reason="regrade")
            job.regrade_id = regrade.id
            jobs.append(job.id)
        return Started(regrade.id, jobs, len(submissions) - len(jobs))


def progress(db: Database, regrade_id: str) -> dict[str, Any]:
    """How far a regrade got: its jobs per status, and the scores it changed."""
    with db.session() as session:
        regrade = session.get(Regrade, regrade_id)
        if regrade is None:
            raise ApiError(
                404, "regrade_not_found", f"no regrade {regrade_id!r} on this server"
            )
        states = dict(
            session.execute(
                select(Job.status, func.count())
                .where(Job.regrade_id == regrade_id)
                .group_by(Job.status)
            ).all()
        )
        changed = session.scalar(
            select(func.count())
            .select_from(ScoreChange)
            .where(ScoreChange.regrade_id == regrade_id)
        )
        total = sum(states.values())
        finished = int(states.get(DONE, 0)) + int(states.get("error", 0))
        return {
            "id": regrade.id,
            "exercise": regrade.exercise,
            "scope": regrade.scope,
            "reason": regrade.reason,
            "created_at": as_utc(regrade.created_at),
            "jobs": total,
            "finished": finished,
            "states": {k: int(v) for k, v in states.items()},
            "changed": int(changed or 0),
            "done": finished == total,
        }


def record_change(
    session: Session, job: Job, *, new_score: float, new_result: str, max_score: float
) -> None:
    """Note a regrade's change of score or result (before the submission is updated)."""
    submission = job.submission
    if job.reason != "regrade" or submission.graded_at is None:
        return
    if (submission.score, submission.result) == (new_score, new_result):
        return
    regrade = session.get(Regrade, job.regrade_id) if job.regrade_id else None
    session.add(
        ScoreChange(
            submission_id=submission.id,
            regrade_id=job.regrade_id,
            old_score=submission.score,
            new_score=new_score,
            max_score=max_score,
            old_result=submission.result,
            new_result=new_result,
            reason=regrade.reason if regrade else "",
            changed_at=utc_now(),
        )
    )


def latest_regrades(
    db: Database, exercise: str, limit: int = 5
) -> list[dict[str, Any]]:
    with db.session() as session:
        ids = list(
            session.scalars(
                select(Regrade.id)
                .where(Regrade.exercise == exercise, Regrade.scope != "one")
                .order_by(Regrade.created_at.desc())
                .limit(limit)
            )
        )
    return [progress(db, regrade_id) for regrade_id in ids]


__all__ = [
    "SCOPES",
    "Started",
    "latest_regrades",
    "new_regrade",
    "progress",
    "record_change",
    "regrade_exercise",
]
