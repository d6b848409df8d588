"""What the teacher's and the student's views show, as plain data for pages and the API.

Each function reads the database once and returns dicts of JSON-ready values; the HTML
pages and the JSON API render the same dicts, so they never disagree.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.clock import utc_now
from grader.i18n.message import Message, msg
from grader.leaderboard.deadlines import Policy, refusal, shown
from grader.leaderboard.db.models import (
    Account,
    Regrade,
    ScoreChange,
    Submission,
    as_utc,
)
from grader.leaderboard.exercises import Catalog
from grader.leaderboard.grades import Cell, Graded, class_rows

MOST_FAILED = 10


def cell_view(cell: Cell) -> dict[str, Any]:
    best, latest = cell.best, cell.latest
    return {
        "exercise": cell.exercise.qualified_slug,
        "title": cell.exercise.title_en,
        "state": cell.state,
        "passed": cell.passed,
        "grade": cell.grade,
        "max_score": cell.max_score,
        "best_score": best.score if best else None,
        "latest_score": latest.score if latest else None,
        "latest_status": latest.status if latest else None,
        "late": best is not None and best.judgment.kind == "late",
        "submissions": len(cell.submissions),
        "note": cell.note,
        **_message("note", cell.note_message),
    }


def graded_view(graded: Graded, counted: str | None, policy: Policy) -> dict[str, Any]:
    return {
        "id": graded.id,
        "exercise": graded.exercise,
        "submitted_at": graded.submitted_at,
        # The page names the zone once; the table keeps to the time.
        "submitted_local": shown(graded.submitted_at, policy.zone).rsplit(" ", 1)[0],
        "status": graded.status,
        "result": graded.result,
        "score": graded.score,
        "max_score": graded.max_score,
        "grade": graded.grade,
        "note": graded.judgment.note,
        **_message("note", graded.judgment.message),
        "late": graded.judgment.kind in ("late", "after_window"),
        "counted": graded.id == counted,
    }


def deadline_view(
    policy: Policy, account_id: int, cell: Cell, now: datetime
) -> dict[str, Any]:
    rule = cell.rule
    late = _late_policy(rule) if rule else None
    why = refusal(rule, now, policy.zone)
    state = "open" if why is None else "closed"
    if rule is not None and rule.opens_at is not None and now < rule.opens_at:
        state = "not open yet"
    return {
        "exercise": cell.exercise.qualified_slug,
        "title": cell.exercise.title_en,
        "opens": shown(rule.opens_at, policy.zone) if rule else "",
        "due": shown(rule.due_at, policy.zone) if rule else "",
        "closes": shown(rule.closes_at, policy.zone) if rule else "",
        "extended": bool(rule and rule.extended),
        "late_policy": late.text if late else "",
        **_message("late_policy", late),
        "state": state if rule else "no deadline",
    }


def _late_policy(rule: Any) -> Message:
    if not rule.late_days:
        return msg("no late work")
    allowed = (
        msg("{days:g} day late allowed", days=rule.late_days)
        if rule.late_days == 1
        else msg("{days:g} days late allowed", days=rule.late_days)
    )
    penalty = msg("-{penalty:g}% per day", penalty=rule.penalty_per_day)
    cap = msg("capped at {cap:g}%", cap=rule.late_cap)
    if rule.penalty_per_day and rule.late_cap is not None:
        return msg(
            "{allowed}, {penalty}, {cap}", allowed=allowed, penalty=penalty, cap=cap
        )
    if rule.penalty_per_day:
        return msg("{allowed}, {penalty}", allowed=allowed, penalty=penalty)
    if rule.late_cap is not None:
        return msg("{allowed}, {cap}", allowed=allowed, cap=cap)
    return allowed


def _message(key: str, message: Message | None) -> dict[str, Any]:
    """`key_id` and `key_params` beside a text, as the scorecard keeps its messages: the
    API's text stays English, a page renders them in its reader's language."""
    if message is None:
        return {f"{key}_id": None, f"{key}_params": None}
    return {f"{key}_id": message.id, f"{key}_params": message.params}


def score_changes(
    session: Session, account_id: int | None = None
) -> list[dict[str, Any]]:
    """Regrades that changed a score, newest first, with the old and new score."""
    query = (
        select(ScoreChange, Submission, Regrade)
        .join(Submission, Submission.id == ScoreChange.submission_id)
        .outerjoin(Regrade, Regrade.id == ScoreChange.regrade_id)
        .order_by(ScoreChange.id.desc())
    )
    if account_id is not None:
        query = query.where(Submission.account_id == account_id)
    return [
        {
            "submission": submission.id,
            "exercise": submission.exercise,
            "old_score": change.old_score,
            "new_score": change.new_score,
            "max_score": change.max_score,
            "old_result": change.old_result,
            "new_result": change.new_result,
            "reason": change.reason or (regrade.reason if regrade else ""),
            "changed_at": as_utc(change.changed_at),
        }
        for change, submission, regrade in session.execute(query)
    ]


def student_view(session: Session, catalog: Catalog, account_id: int) -> dict[str, Any]:
    """A student's own page: each exercise's standing and deadline, every submission,
    and every regrade that changed one of their scores."""
    policy, rows = class_rows(session, catalog.exercises, account_id=account_id)
    account = session.get(Account, account_id)
    assert account is not None
    now = utc_now()
    cells = list(rows[0].cells.values()) if rows else []
    submissions = []
    for cell in cells:
        counted = cell.best.id if cell.best else None
        submissions += [graded_view(g, counted, policy) for g in cell.submissions]
    submissions.sort(key=lambda s: s["submitted_at"], reverse=True)
    return {
        "student": account.name,
        "student_id": account.student_id,
        "pseudonym": account.pseudonym,
        "timezone": policy.zone.key,
        "exercises": [cell_view(c) for c in cells],
        "deadlines": [deadline_view(policy, account_id, c, now) for c in cells],
        "submissions": submissions,
        "regrades": score_changes(session, account_id),
        "total": rows[0].total if rows else 0.0,
    }


def class_grid(session: Session, catalog: Catalog) -> dict[str, Any]:
    """Students × exercises: passed, best, latest, not started, late."""
    policy, rows = class_rows(session, catalog.exercises)
    return {
        "timezone": policy.zone.key,
        "exercises": [
            {"slug": e.qualified_slug, "title": e.title_en, "stage": e.stage}
            for e in catalog.exercises
        ],
        "students": [
            {
                "account": row.account.id,
                "student_id": row.account.student_id,
                "name": row.account.name,
                "email": row.account.email,
                "section": row.account.section,
                "state": row.account.state,
                "total": row.total,
                "cells": [cell_view(c) for c in row.cells.values()],
            }
            for row in rows
        ],
    }


def exercise_results(session: Session, catalog: Catalog, slug: str) -> dict[str, Any]:
    """One exercise across the class: each student's standing, the distribution of the
    grades, and the hidden tests failed most often in the submissions that count."""
    exercise = catalog.find(slug)
    assert exercise is not None
    policy, rows = class_rows(session, (exercise,))
    students, percents, counted_ids = [], [], []
    for row in rows:
        cell = row.cells[exercise.qualified_slug]
        students.append(
            {"account": row.account.id, "name": row.account.name, **cell_view(cell)}
        )
        if cell.best is not None:
            counted_ids.append(cell.best.id)
            percents.append(100 * cell.grade / cell.max_score if cell.max_score else 0)
    return {
        "exercise": exercise.qualified_slug,
        "title": exercise.title_en,
        "students": students,
        "percents": percents,
        "submitted": sum(1 for s in students if s["submissions"]),
        "passed": sum(1 for s in students if s["passed"]),
        "most_failed": most_failed(session, counted_ids),
    }


def most_failed(session: Session, submission_ids: list[str]) -> list[dict[str, Any]]:
    """Hidden tests by how many of these submissions failed them (what to reteach)."""
    failed: Counter[str] = Counter()
    titles: dict[str, str] = {}
    graded = 0
    for chunk in range(0, len(submission_ids), 500):
        ids = submission_ids[chunk : chunk + 500]
        for text in session.scalars(
            select(Submission.scorecard).where(Submission.id.in_(ids))
        ):
            tests = _tests(text)
            if tests is None:
                continue
            graded += 1
            for test in tests:
                titles.setdefault(test["id"], test.get("title") or test["id"])
                if test.get("status") in ("failed", "error", "timeout"):
                    failed[test["id"]] += 1
    return [
        {"test": test, "title": titles[test], "failed": count, "of": graded}
        for test, count in failed.most_common(MOST_FAILED)
    ]


def _tests(text: object) -> list[dict[str, Any]] | None:
    """The hidden tests of a stored scorecard, read defensively; None when unreadable."""
    if not isinstance(text, str):
        return None
    try:
        document = json.loads(text)
        checks = document.get("checks", [])
        found = [
            t
            for check in checks
            for t in (check.get("details") or {}).get("tests", [])
            if isinstance(t, dict) and isinstance(t.get("id"), str)
        ]
    except (ValueError, AttributeError, TypeError):
        return None
    return found


__all__ = [
    "class_grid",
    "exercise_results",
    "most_failed",
    "score_changes",
    "student_view",
]
