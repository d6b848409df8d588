"""The leaderboard: each student's best score, per exercise, stage or overall.

For one exercise a student's standing is their best score, reached at the time of their
earliest submission with that score. For a stage (or everything) it is the sum of their best
scores over its exercises, reached when the last of those bests was submitted. Higher scores
rank first; equal scores go to whoever reached them earlier. Portable SQL throughout.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from grader.leaderboard.db.models import STUDENT, Account, Submission, as_utc

CSV_COLUMNS = (
    "student",
    "pseudonym",
    "exercise",
    "stage",
    "best_score",
    "max_score",
    "best_submitted_at",
    "submissions",
)


@dataclass(frozen=True)
class Standing:
    rank: int
    account_id: int
    name: str
    pseudonym: str
    score: float
    max_score: float
    exercises: int
    submissions: int
    reached_at: datetime

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


def _filters(stage: int | None, exercise: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if stage is not None:
        where.append(Submission.stage == stage)
    if exercise is not None:
        where.append(Submission.exercise == exercise)
    return where


def best_per_exercise(stage: int | None, exercise: str | None) -> Select[tuple]:
    """(account_id, exercise, stage, best, max_score, reached_at) for every graded pair."""
    where = _filters(stage, exercise)
    best = (
        select(
            Submission.account_id,
            Submission.exercise,
            func.max(Submission.score).label("best"),
        )
        .where(Submission.score.is_not(None), *where)
        .group_by(Submission.account_id, Submission.exercise)
        .subquery()
    )
    return (
        select(
            Submission.account_id,
            Submission.exercise,
            func.max(Submission.stage).label("stage"),
            best.c.best,
            func.max(Submission.max_score).label("max_score"),
            func.min(Submission.created_at).label("reached_at"),
        )
        .join(
            best,
            and_(
                Submission.account_id == best.c.account_id,
                Submission.exercise == best.c.exercise,
                Submission.score == best.c.best,
            ),
        )
        .group_by(Submission.account_id, Submission.exercise, best.c.best)
    )


def leaderboard(
    session: Session, *, stage: int | None = None, exercise: str | None = None
) -> list[Standing]:
    """The ranked standings for an exercise, a stage, or the whole class."""
    bests = best_per_exercise(stage, exercise).subquery()
    totals = (
        select(
            bests.c.account_id,
            func.sum(bests.c.best).label("score"),
            func.sum(bests.c.max_score).label("max_score"),
            func.count().label("exercises"),
            func.max(bests.c.reached_at).label("reached_at"),
        )
        .group_by(bests.c.account_id)
        .subquery()
    )
    tries = (
        select(Submission.account_id, func.count().label("submissions"))
        .where(*_filters(stage, exercise))
        .group_by(Submission.account_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Account.id,
            Account.name,
            Account.pseudonym,
            totals.c.score,
            totals.c.max_score,
            totals.c.exercises,
            tries.c.submissions,
            totals.c.reached_at,
        )
        .join(totals, totals.c.account_id == Account.id)
        .join(tries, tries.c.account_id == Account.id)
        .where(Account.role == STUDENT)
        .order_by(totals.c.score.desc(), totals.c.reached_at, Account.name)
    )
    return [
        Standing(
            rank=n,
            account_id=row.id,
            name=row.name,
            pseudonym=row.pseudonym or f"student-{row.id}",
            score=round(float(row.score), 2),
            max_score=round(float(row.max_score or 0.0), 2),
            exercises=int(row.exercises),
            submissions=int(row.submissions),
            reached_at=_moment(row.reached_at),
        )
        for n, row in enumerate(rows, start=1)
    ]


def export_csv(session: Session) -> str:
    """One row per student and exercise they submitted: best score and when it was reached."""
    bests = best_per_exercise(None, None).subquery()
    tries = (
        select(
            Submission.account_id,
            Submission.exercise,
            func.count().label("submissions"),
        )
        .group_by(Submission.account_id, Submission.exercise)
        .subquery()
    )
    rows = session.execute(
        select(
            Account.name,
            Account.pseudonym,
            bests.c.exercise,
            bests.c.stage,
            bests.c.best,
            bests.c.max_score,
            bests.c.reached_at,
            tries.c.submissions,
        )
        .join(bests, bests.c.account_id == Account.id)
        .join(
            tries,
            and_(
                tries.c.account_id == Account.id,
                tries.c.exercise == bests.c.exercise,
            ),
        )
        .order_by(Account.name, bests.c.stage, bests.c.exercise)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(row.name),
                spreadsheet_safe(row.pseudonym or ""),
                row.exercise,
                row.stage,
                f"{row.best:g}",
                f"{row.max_score:g}",
                _moment(row.reached_at).isoformat(timespec="seconds"),
                row.submissions,
            ]
        )
    return out.getvalue()


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: no formula from a name like `=HYPERLINK(...)`."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _moment(value: datetime | str) -> datetime:
    # Aggregates over DateTime come back as datetimes on PostgreSQL, sometimes text on SQLite.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment = as_utc(value)
    assert moment is not None
    return moment
