"""The leaderboard: each student's exercises passed and best scores, per exercise, stage
or overall.

A student ranks by the exercises they passed first (a pass means every gate held), then by
the sum of their best scores, then by who reached that sum earlier. For one exercise the
best score is reached at the time of the earliest submission with it; for a stage (or
everything) when the last of those bests was submitted. A stage's percentage is over every
exercise of the stage in the pack, attempted or not. Practice scorecards never count
(`grader.leaderboard.practice`). Portable SQL throughout.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from grader.catalog import Exercise
from grader.leaderboard.db.models import (
    DONE,
    REMOVED,
    STUDENT,
    Account,
    Submission,
    as_utc,
)
from grader.leaderboard.practice import not_practice
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
    # Exercises with a passing submission (every gate held): the first key of the order.
    passed: int = 0
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
        not_practice(),
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
    """(account_id, exercise, stage, best, max_score, reached_at, isolation, passed) for
    every graded pair; `passed` is 1 when any of its graded submissions passed."""
    where = _filters(stage, exercise)
    best = (
        select(
            Submission.account_id,
            Submission.exercise,
            func.max(Submission.score).label("best"),
            func.max(
                case(
                    (
                        and_(Submission.status == DONE, Submission.result == "pass"),
                        1,
                    ),
                    else_=0,
                )
            ).label("passed"),
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
            best.c.passed,
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
        .group_by(
            Submission.account_id, Submission.exercise, best.c.best, best.c.passed
        )
    )


@dataclass
class _Total:
    """One student's sums while the standings are added up."""

    name: str
    pseudonym: str
    score: float = 0.0
    max_score: float = 0.0
    exercises: int = 0
    passed: int = 0
    reached_at: datetime | None = None
    isolation: int = 0
    attempted: set[str] = field(default_factory=set)


def leaderboard(
    session: Session,
    *,
    stage: int | None = None,
    exercise: str | None = None,
    catalog: Iterable[Exercise] = (),
) -> list[Standing]:
    """The ranked standings for an exercise, a stage, or the whole class.

    `catalog` is the pack's exercises: each one in scope that a student has not attempted
    adds its full points to their maximum, so a percentage is over the whole stage."""
    bests = best_per_exercise(stage, exercise).subquery()
    rows = session.execute(
        select(
            Account.id,
            Account.name,
            Account.pseudonym,
            bests.c.exercise,
            bests.c.best,
            bests.c.max_score,
            bests.c.reached_at,
            bests.c.isolation,
            bests.c.passed,
        )
        .join(bests, bests.c.account_id == Account.id)
        .where(Account.role == STUDENT, Account.state != REMOVED)
    )
    totals: dict[int, _Total] = {}
    for row in rows:
        best, max_score = _number(row.best), _number(row.max_score)
        if best is None or max_score is None:  # unreachable past rankable(); kept safe
            continue
        total = totals.setdefault(
            row.id, _Total(str(row.name), str(row.pseudonym or f"student-{row.id}"))
        )
        total.score += best
        total.max_score += max_score
        total.exercises += 1
        total.passed += int(row.passed or 0)
        total.isolation = max(total.isolation, int(row.isolation or 0))
        reached = _moment(row.reached_at)
        total.reached_at = max(total.reached_at or reached, reached)
        total.attempted.add(str(row.exercise))
    scope = [
        e
        for e in catalog
        if (exercise is None or e.qualified_slug == exercise)
        and (stage is None or e.stage == stage)
    ]
    for total in totals.values():
        total.max_score += sum(
            full_points(e) for e in scope if e.qualified_slug not in total.attempted
        )
    tries = dict(
        session.execute(
            select(Submission.account_id, func.count())
            .where(*_filters(stage, exercise))
            .group_by(Submission.account_id)
        ).all()
    )
    order = sorted(
        totals.items(),
        key=lambda item: (
            -item[1].passed,
            -item[1].score,
            item[1].reached_at,
            item[1].name,
        ),
    )
    return [
        Standing(
            rank=rank,
            account_id=account_id,
            name=total.name,
            pseudonym=total.pseudonym,
            score=round(total.score, 2),
            max_score=round(total.max_score, 2),
            exercises=total.exercises,
            submissions=int(tries.get(account_id, 0)),
            reached_at=total.reached_at or _moment(datetime.min),
            passed=total.passed,
            reduced=total.isolation >= LEVELS["reduced"],
        )
        for rank, (account_id, total) in enumerate(order, start=1)
    ]


def full_points(exercise: Exercise) -> float:
    """An exercise's maximum score: the sum of its checks' weights."""
    return float(sum(check.weight for check in exercise.checks))


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
