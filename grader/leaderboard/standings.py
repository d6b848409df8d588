"""The leaderboard: each student's best score, per exercise, stage or overall.

For one exercise a student's standing is their best score, reached at the time of their
earliest submission with that score. For a stage (or everything) it is the sum of their best
scores over its exercises, reached when the last of those bests was submitted. Higher scores
rank first; equal scores go to whoever reached them earlier. Portable SQL throughout.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from grader.leaderboard.db.models import (
    REMOVED,
    STUDENT,
    Account,
    Submission,
    as_utc,
)
from grader.scorecard.caps import MAX_SCORE
from grader.text_escape import spreadsheet_safe

CSV_COLUMNS = (
    "student",
    "pseudonym",
    "exercise",
    "stage",
    "best_score",
    "max_score",
    "best_submitted_at",
    "submissions",
    "isolation",
)
# The level a submission was graded under (`Submission.isolation`, from the scorecard's
# `integrity.level`). Ranked worst first, so the maximum over a student's best scores is
# the weakest of them.
LEVELS = {"none": 3, "reduced": 2, "full": 1}
ISOLATION = {rank: level for level, rank in LEVELS.items()} | {0: ""}  # 0: not recorded


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
    # Some best score here was graded below full isolation (the teacher allowed it).
    reduced: bool = False

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


def rankable() -> list[ColumnElement[bool]]:
    """A stored score counts only when it is a number from 0 to its maximum, which is at
    most MAX_SCORE. Anything else (NaN, infinities, huge or negative numbers, NULL, or on
    SQLite text and blobs, which compare above every number) is skipped, in SQL, before any
    sum or maximum can carry it to the top. PostgreSQL orders NaN above every number, so
    both bounds are needed there."""
    return [
        Submission.score.is_not(None),
        Submission.max_score.is_not(None),
        Submission.score >= 0,
        Submission.score <= Submission.max_score,
        Submission.max_score <= MAX_SCORE,
    ]


def _number(value: object) -> float | None:
    """`value` as a finite float from 0 to MAX_SCORE, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 <= number <= MAX_SCORE else None


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
        .where(*rankable(), *where)
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
            func.max(
                case(
                    *(
                        (Submission.isolation == level, rank)
                        for level, rank in LEVELS.items()
                    ),
                    else_=0,
                )
            ).label("isolation"),
        )
        .join(
            best,
            and_(
                Submission.account_id == best.c.account_id,
                Submission.exercise == best.c.exercise,
                Submission.score == best.c.best,
            ),
        )
        .where(*rankable())
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
            func.max(bests.c.isolation).label("isolation"),
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
            totals.c.isolation,
        )
        .join(totals, totals.c.account_id == Account.id)
        .join(tries, tries.c.account_id == Account.id)
        .where(Account.role == STUDENT, Account.state != REMOVED)
        .order_by(totals.c.score.desc(), totals.c.reached_at, Account.name)
    )
    standings: list[Standing] = []
    for row in rows:
        score, max_score = _number(row.score), _number(row.max_score)
        if score is None or max_score is None:  # unreachable past rankable(); kept safe
            continue
        standings.append(
            Standing(
                rank=len(standings) + 1,
                account_id=row.id,
                name=str(row.name),
                pseudonym=str(row.pseudonym or f"student-{row.id}"),
                score=round(score, 2),
                max_score=round(max_score, 2),
                exercises=int(row.exercises),
                submissions=int(row.submissions),
                reached_at=_moment(row.reached_at),
                reduced=int(row.isolation or 0) >= LEVELS["reduced"],
            )
        )
    return standings


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
            bests.c.isolation,
        )
        .join(bests, bests.c.account_id == Account.id)
        .join(
            tries,
            and_(
                tries.c.account_id == Account.id,
                tries.c.exercise == bests.c.exercise,
            ),
        )
        .where(Account.state != REMOVED)
        .order_by(Account.name, bests.c.stage, bests.c.exercise)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        best, max_score = _number(row.best), _number(row.max_score)
        if best is None or max_score is None:  # unreachable past rankable(); kept safe
            continue
        writer.writerow(
            [
                spreadsheet_safe(row.name),
                spreadsheet_safe(row.pseudonym or ""),
                spreadsheet_safe(str(row.exercise)),
                row.stage,
                f"{best:g}",
                f"{max_score:g}",
                _moment(row.reached_at).isoformat(timespec="seconds"),
                row.submissions,
                ISOLATION.get(int(row.isolation or 0), ""),
            ]
        )
    return out.getvalue()


def _moment(value: datetime | str) -> datetime:
    # Aggregates over DateTime come back as datetimes on PostgreSQL, sometimes text on SQLite.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment = as_utc(value)
    assert moment is not None
    return moment
