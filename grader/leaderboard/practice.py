"""Practice scorecards (graded on a students' edition, without the hidden suite) are never
grades. No worker stores one (`worker.finish_job` refuses it), but a row can be written
behind the server's back; the board, the grid and the exports skip such a row.

A practice card is recognised by its text, so that SQL can skip it before any maximum or
sum: `"practice": true` as JSON writes it (Python's `json.dumps`, indented or compact).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, not_, or_

from grader.leaderboard.db.models import Submission

MARKS = ('"practice": true', '"practice":true')


def is_practice(scorecard: object) -> bool:
    """Whether a stored scorecard's text is a practice card's."""
    return isinstance(scorecard, str) and any(mark in scorecard for mark in MARKS)


def not_practice() -> ColumnElement[bool]:
    """SQL: the row holds no practice scorecard (rows without a scorecard pass here; the
    other checks decide about them)."""
    return or_(
        Submission.scorecard.is_(None),
        not_(or_(*(Submission.scorecard.contains(mark) for mark in MARKS))),
    )


__all__ = ["MARKS", "is_practice", "not_practice"]
