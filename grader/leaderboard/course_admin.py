"""The course's rules and results as the teacher's commands reach them: the time zone,
deadlines and extensions, regrade all, the gradebook and the similarity report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from grader.errors import GraderError
from grader.leaderboard import auth, deadlines, regrades
from grader.leaderboard.classroom import class_session, open_class
from grader.leaderboard.db.models import Deadline
from grader.leaderboard.errors import ApiError
from grader.leaderboard.exercises import Catalog, load_catalog
from grader.leaderboard.gradebook import Export, export
from grader.leaderboard.settings import Settings
from grader.leaderboard.similarity import Pair, similarity_report


@dataclass(frozen=True)
class DeadlineRow:
    target: str
    opens: str
    due: str
    closes: str
    late: str


def target_of(catalog: Catalog, exercise: str | None, stage: int | None) -> str:
    """`stage1/grade-book` for an exercise, `stage:1` for a whole stage."""
    if (exercise is None) == (stage is None):
        raise GraderError("name one exercise, or give --stage N for a whole stage")
    if stage is not None:
        if stage not in catalog.stages():
            raise GraderError(
                f"the pack has no stage {stage}; it has {catalog.stages()}"
            )
        return deadlines.stage_target(stage)
    found = catalog.find(exercise or "")
    if found is None:
        known = ", ".join(e.qualified_slug for e in catalog.exercises)
        raise GraderError(f"no exercise {exercise!r} in the pack; it has: {known}")
    return found.qualified_slug


def set_timezone(settings: Settings, name: str) -> str:
    with class_session(settings) as session:
        return deadlines.set_class_zone(session, name).key


def set_deadline(
    settings: Settings,
    *,
    exercise: str | None,
    stage: int | None,
    due: str,
    opens: str | None,
    late_days: float,
    penalty_per_day: float,
    late_cap: float | None,
) -> DeadlineRow:
    catalog = load_catalog(settings.exercises_dir)
    target = target_of(catalog, exercise, stage)
    with class_session(settings) as session:
        zone = deadlines.class_zone(session)
        row = deadlines.set_deadline(
            session,
            target=target,
            due_at=deadlines.parse_moment(due, zone, end_of_day=True),
            opens_at=(
                deadlines.parse_moment(opens, zone, end_of_day=False) if opens else None
            ),
            late_days=late_days,
            penalty_per_day=penalty_per_day,
            late_cap=late_cap,
        )
        return _row(row, zone)


def list_deadlines(settings: Settings) -> list[DeadlineRow]:
    with class_session(settings) as session:
        zone = deadlines.class_zone(session)
        rows = session.scalars(select(Deadline).order_by(Deadline.target))
        return [_row(d, zone) for d in rows]


def _row(d: Deadline, zone: Any) -> DeadlineRow:
    late = "no late work"
    if d.late_days:
        days = "day" if d.late_days == 1 else "days"
        late = f"{d.late_days:g} late {days}, -{d.penalty_per_day:g}%/day"
        if d.late_cap is not None:
            late += f", capped at {d.late_cap:g}%"
    rule = deadlines.Rule(
        d.target, d.opens_at, d.due_at, d.late_days, d.penalty_per_day, d.late_cap
    )
    return DeadlineRow(
        target=d.target,
        opens=deadlines.shown(d.opens_at, zone) or "-",
        due=deadlines.shown(d.due_at, zone),
        closes=deadlines.shown(rule.closes_at, zone),
        late=late,
    )


def grant_extension(
    settings: Settings,
    *,
    student: str,
    exercise: str | None,
    stage: int | None,
    until: str,
    reason: str,
) -> str:
    catalog = load_catalog(settings.exercises_dir)
    target = target_of(catalog, exercise, stage)
    with class_session(settings) as session:
        zone = deadlines.class_zone(session)
        account = auth.find_account(session, student)
        due = deadlines.parse_moment(until, zone, end_of_day=True)
        deadlines.extend(
            session, account_id=account.id, target=target, due_at=due, reason=reason
        )
        return (
            f"{account.name} ({account.student_id}): {target} due "
            f"{deadlines.shown(due, zone)}"
        )


def regrade_all(
    settings: Settings, *, exercise: str, scope: str, reason: str
) -> regrades.Started:
    """Queue the regrade; with Celery, send its jobs to the workers as well."""
    catalog = load_catalog(settings.exercises_dir)
    qualified = target_of(catalog, exercise, None)
    with open_class(settings) as db:
        try:
            started = regrades.regrade_exercise(
                db, exercise=qualified, scope=scope, reason=reason
            )
        except ApiError as exc:  # the API's refusal, as one line on the command line
            raise GraderError(exc.message) from None
        if settings.queue == "celery" and started.job_ids:
            from grader.leaderboard.celery_queue import send_jobs

            send_jobs(settings, db, started.job_ids)
    return started


def gradebook(settings: Settings, *, format: str, template: Path | None) -> Export:
    catalog = load_catalog(settings.exercises_dir)
    text = None
    if template is not None:
        try:
            text = template.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise GraderError(f"cannot read the template {template}: {exc}") from None
    with class_session(settings) as session:
        return export(session, catalog, format=format, canvas_template=text)


def similarity(settings: Settings, exercise: str) -> list[Pair]:
    catalog = load_catalog(settings.exercises_dir)
    found = catalog.find(target_of(catalog, exercise, None))
    assert found is not None
    with open_class(settings) as db:
        return similarity_report(db, settings, found)


__all__ = [
    "gradebook",
    "grant_extension",
    "list_deadlines",
    "regrade_all",
    "set_deadline",
    "set_timezone",
    "similarity",
]
