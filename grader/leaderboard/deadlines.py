"""Deadlines and the late policy: which rule judges a submission, and the grade it gives.

A rule belongs to an exercise (`stage1/grade-book`) or to a whole stage (`stage:1`); the
exercise's own rule wins. A student's extension moves their due date (the late window
follows it). Lateness is judged by the upload time (`Submission.created_at`), never by when
the queue got to it, so a stalled queue or a regrade never makes work late. Times are
stored in UTC and shown in the class's time zone (an IANA name).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.errors import GraderError
from grader.i18n.message import Message, msg
from grader.leaderboard.db.models import ClassSetting, Deadline, Extension, as_utc

TIMEZONE_KEY = "timezone"
DAY = 86400.0


class DeadlineError(GraderError):
    """A deadline, a date or a time zone the teacher gave cannot be used."""


@dataclass(frozen=True)
class Rule:
    """The dates that judge one student's work on one exercise."""

    target: str
    opens_at: datetime | None
    due_at: datetime
    late_days: float
    penalty_per_day: float
    late_cap: float | None
    extended: bool = False

    @property
    def closes_at(self) -> datetime:
        return self.due_at + timedelta(days=self.late_days)


@dataclass(frozen=True)
class Judgment:
    """How a submission stands against its rule, and the note every grade carries."""

    kind: str  # "none", "on_time", "late", "after_window"
    late_days: int
    penalty_percent: float
    cap_percent: float | None
    note: str
    # The note as a message (id and parameters), for the pages in the reader's language.
    message: Message

    def grade(self, score: float, max_score: float) -> float:
        """The score under the rule: a late penalty, a cap, or 0 past the window."""
        if self.kind == "after_window":
            return 0.0
        grade = score * (1 - min(self.penalty_percent, 100.0) / 100)
        if self.cap_percent is not None and self.kind == "late":
            grade = min(grade, max_score * self.cap_percent / 100)
        return round(max(grade, 0.0), 2)


def class_zone(session: Session) -> ZoneInfo:
    """The class's time zone (UTC until the teacher sets one)."""
    row = session.get(ClassSetting, TIMEZONE_KEY)
    return ZoneInfo(row.value if row else "UTC")


def set_class_zone(session: Session, name: str) -> ZoneInfo:
    zone = parse_zone(name)
    row = session.get(ClassSetting, TIMEZONE_KEY)
    if row is None:
        session.add(ClassSetting(key=TIMEZONE_KEY, value=name))
    else:
        row.value = name
    return zone


def parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeadlineError(
            f"{name!r} is not a time zone; give an IANA name such as Asia/Shanghai, "
            "Europe/Berlin or UTC"
        ) from None


def parse_moment(text: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    """'2026-12-20 23:59' (or a date alone) in the class's zone, as UTC."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DeadlineError(
            f"{text!r} is not a date and time; write it as YYYY-MM-DD HH:MM (in the "
            f"class's time zone, {zone.key}) or YYYY-MM-DD"
        ) from None
    if len(text) == 10 and end_of_day:  # a date alone: due at the end of that day
        moment = datetime.combine(moment.date(), time(23, 59))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc)


def shown(moment: datetime | None, zone: ZoneInfo) -> str:
    """A stored time as the class reads it."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(zone)  # type: ignore[union-attr]
    return f"{local:%Y-%m-%d %H:%M} {zone.key}"


def stage_target(stage: int) -> str:
    return f"stage:{stage}"


class Policy:
    """Every deadline and extension of the class, read once for a page or an export."""

    def __init__(self, session: Session) -> None:
        self.zone = class_zone(session)
        self.deadlines = {d.target: d for d in session.scalars(select(Deadline))}
        self.extensions = {
            (e.account_id, e.target): e for e in session.scalars(select(Extension))
        }

    def rule_for(self, account_id: int, exercise: str, stage: int) -> Rule | None:
        """The exercise's rule, else its stage's; with the student's extension applied."""
        for target in (exercise, stage_target(stage)):
            deadline = self.deadlines.get(target)
            if deadline is not None:
                break
        else:
            return None
        due = as_utc(deadline.due_at)
        assert due is not None
        extension = self.extensions.get((account_id, exercise)) or self.extensions.get(
            (account_id, stage_target(stage))
        )
        if extension is not None:
            due = max(due, as_utc(extension.due_at))  # type: ignore[type-var]
        return Rule(
            target=deadline.target,
            opens_at=as_utc(deadline.opens_at),
            due_at=due,
            late_days=float(deadline.late_days or 0),
            penalty_per_day=float(deadline.penalty_per_day or 0),
            late_cap=deadline.late_cap,
            extended=extension is not None,
        )

    def judge(self, rule: Rule | None, uploaded: datetime) -> Judgment:
        return judge(rule, uploaded, self.zone)


def judge(rule: Rule | None, uploaded: datetime, zone: ZoneInfo) -> Judgment:
    """How a submission uploaded at `uploaded` stands against `rule`."""
    if rule is None:
        return _judged("none", 0, 0.0, None, msg("no deadline"))
    uploaded = as_utc(uploaded)  # type: ignore[assignment]
    when = shown(rule.due_at, zone)
    due = (
        msg("due {when} (extended)", when=when)
        if rule.extended
        else msg("due {when}", when=when)
    )
    if uploaded <= rule.due_at:
        return _judged("on_time", 0, 0.0, None, msg("on time, {due}", due=due))
    if uploaded > rule.closes_at:
        after = msg("after the late window, {due}", due=due)
        return _judged("after_window", 0, 100.0, None, after)
    days = max(1, math.ceil((uploaded - rule.due_at).total_seconds() / DAY))
    penalty = min(100.0, days * rule.penalty_per_day)
    late = (
        msg("late {days} day", days=days)
        if days == 1
        else msg("late {days} days", days=days)
    )
    cap = rule.late_cap
    if penalty and cap is not None:
        note = msg(
            "{late} -{penalty:g}% capped at {cap:g}%, {due}",
            late=late,
            penalty=penalty,
            cap=cap,
            due=due,
        )
    elif penalty:
        note = msg("{late} -{penalty:g}%, {due}", late=late, penalty=penalty, due=due)
    elif cap is not None:
        note = msg("{late} capped at {cap:g}%, {due}", late=late, cap=cap, due=due)
    else:
        note = msg("{late}, {due}", late=late, due=due)
    return _judged("late", days, penalty, cap, note)


def _judged(
    kind: str, days: int, penalty: float, cap: float | None, note: Message
) -> Judgment:
    return Judgment(kind, days, penalty, cap, note.text, note)


def refusal(rule: Rule | None, now: datetime, zone: ZoneInfo) -> str | None:
    """Why an upload now is refused (not open yet, closed), or None when it is accepted."""
    if rule is None:
        return None
    if rule.opens_at is not None and now < rule.opens_at:
        return f"this exercise opens at {shown(rule.opens_at, zone)}; submit after that"
    if now > rule.closes_at:
        late = " and its late window" if rule.late_days else ""
        return (
            f"this exercise closed at {shown(rule.closes_at, zone)} (the due date"
            f"{late} passed); no more submissions are accepted: ask your teacher for an "
            "extension if you need one"
        )
    return None


def set_deadline(
    session: Session,
    *,
    target: str,
    due_at: datetime,
    opens_at: datetime | None,
    late_days: float,
    penalty_per_day: float,
    late_cap: float | None,
) -> Deadline:
    """Create or replace the rule of `target`; DeadlineError for impossible values."""
    if opens_at is not None and opens_at >= due_at:
        raise DeadlineError("the exercise must open before it is due; check --opens")
    if late_days < 0 or not 0 <= penalty_per_day <= 100:
        raise DeadlineError(
            "--late-days must be 0 or more and --penalty-per-day a percent from 0 to 100"
        )
    if late_cap is not None and not 0 <= late_cap <= 100:
        raise DeadlineError("--late-cap is a percent of the maximum, from 0 to 100")
    deadline = session.scalar(select(Deadline).where(Deadline.target == target))
    if deadline is None:
        deadline = Deadline(target=target)
        session.add(deadline)
    deadline.opens_at, deadline.due_at = opens_at, due_at
    deadline.late_days, deadline.penalty_per_day = late_days, penalty_per_day
    deadline.late_cap = late_cap
    session.flush()
    return deadline


def extend(
    session: Session, *, account_id: int, target: str, due_at: datetime, reason: str
) -> Extension:
    extension = session.scalar(
        select(Extension).where(
            Extension.account_id == account_id, Extension.target == target
        )
    )
    if extension is None:
        extension = Extension(account_id=account_id, target=target)
        session.add(extension)
    extension.due_at, extension.reason = due_at, reason
    session.flush()
    return extension


__all__ = [
    "DeadlineError",
    "Judgment",
    "Policy",
    "Rule",
    "class_zone",
    "extend",
    "judge",
    "parse_moment",
    "parse_zone",
    "refusal",
    "set_class_zone",
    "set_deadline",
    "shown",
    "stage_target",
]
