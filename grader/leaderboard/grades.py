"""Grades under the class's rules: every submission judged, each student's cell per exercise.

One pass over the submissions feeds the teacher's grid, the student's view and the
gradebook exports, so all three say the same: a submission's grade is its score under the
deadline rule that judged it (`grader.leaderboard.deadlines`), and an exercise's grade is
the best of them. Every grade carries the note of the rule that produced it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.catalog import Exercise
from grader.i18n.message import Message, msg
from grader.leaderboard import auth
from grader.leaderboard.deadlines import Judgment, Policy, Rule
from grader.leaderboard.db.models import DONE, Account, Submission, as_utc
from grader.leaderboard.practice import is_practice
from grader.scorecard.caps import MAX_SCORE


@dataclass(frozen=True)
class Graded:
    """One submission as the gradebook sees it."""

    id: str
    account_id: int
    exercise: str
    stage: int
    submitted_at: datetime
    status: str
    result: str | None
    score: float | None
    max_score: float | None
    judgment: Judgment
    grade: float | None


@dataclass
class Cell:
    """A student's standing on one exercise."""

    exercise: Exercise
    rule: Rule | None
    submissions: list[Graded] = field(default_factory=list)

    @property
    def graded(self) -> list[Graded]:
        return [s for s in self.submissions if s.grade is not None]

    @property
    def best(self) -> Graded | None:
        """The submission that counts: the highest grade, the earliest of equals."""
        return max(
            self.graded,
            key=lambda s: (s.grade or 0.0, -s.submitted_at.timestamp()),
            default=None,
        )

    @property
    def latest(self) -> Graded | None:
        return max(self.submissions, key=lambda s: s.submitted_at, default=None)

    @property
    def passed(self) -> bool:
        return any(
            s.result == "pass" and s.judgment.kind != "after_window"
            for s in self.graded
        )

    @property
    def grade(self) -> float:
        best = self.best
        return best.grade if best is not None and best.grade is not None else 0.0

    @property
    def max_score(self) -> float:
        best = self.best or self.latest
        if best is not None and best.max_score:
            return best.max_score
        return float(sum(c.weight for c in self.exercise.checks))

    @property
    def state(self) -> str:
        """not_started, pending (nothing graded yet), passed, or tried (graded, not passed);
        whether the grade was late is `Judgment.kind` of `best`."""
        if not self.submissions:
            return "not_started"
        if self.best is None:
            return "pending"
        if self.passed:
            return "passed"
        return "tried"

    @property
    def note(self) -> str:
        """Which rule produced the grade."""
        return self.note_message.text

    @property
    def note_message(self) -> Message:
        """The note as a message, for the pages in the reader's language."""
        best = self.best
        if best is None:
            return (
                msg("not submitted") if not self.submissions else msg("not graded yet")
            )
        return best.judgment.message


@dataclass
class Row:
    account: Account
    cells: dict[str, Cell]

    @property
    def total(self) -> float:
        return round(sum(c.grade for c in self.cells.values()), 2)


def valid_score(score: object, max_score: object) -> bool:
    numbers = (score, max_score)
    return (
        all(
            isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n)
            for n in numbers
        )
        and 0 <= score <= max_score <= MAX_SCORE
    )  # type: ignore[operator]


def grade_submission(policy: Policy, submission: Submission) -> Graded:
    rule = policy.rule_for(submission.account_id, submission.exercise, submission.stage)
    uploaded = as_utc(submission.created_at)
    assert uploaded is not None
    judgment = policy.judge(rule, uploaded)
    counted = (
        submission.status == DONE
        and submission.result in ("pass", "fail", "error")
        and valid_score(submission.score, submission.max_score)
        and not is_practice(submission.scorecard)
    )
    grade = None
    if counted:
        grade = judgment.grade(
            float(submission.score or 0), float(submission.max_score or 0)
        )
    return Graded(
        id=submission.id,
        account_id=submission.account_id,
        exercise=submission.exercise,
        stage=submission.stage,
        submitted_at=uploaded,
        status=submission.status,
        result=submission.result,
        score=submission.score if counted else None,
        max_score=submission.max_score if counted else None,
        judgment=judgment,
        grade=grade,
    )


def class_rows(
    session: Session,
    exercises: tuple[Exercise, ...],
    *,
    account_id: int | None = None,
) -> tuple[Policy, list[Row]]:
    """Every enrolled student (or one) with a cell per exercise, in roster order."""
    policy = Policy(session)
    accounts = auth.students(session, enrolled=True)
    if account_id is not None:
        accounts = [a for a in accounts if a.id == account_id]
    rows = {
        a.id: Row(
            a,
            {
                e.qualified_slug: Cell(
                    e, policy.rule_for(a.id, e.qualified_slug, e.stage)
                )
                for e in exercises
            },
        )
        for a in accounts
    }
    query = select(Submission).order_by(Submission.created_at)
    if account_id is not None:
        query = query.where(Submission.account_id == account_id)
    for submission in session.scalars(query):
        row = rows.get(submission.account_id)
        cell = row.cells.get(submission.exercise) if row else None
        if cell is not None:
            cell.submissions.append(grade_submission(policy, submission))
    return policy, list(rows.values())


__all__ = ["Cell", "Graded", "Row", "class_rows", "grade_submission", "valid_score"]
