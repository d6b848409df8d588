"""The gradebook: wide, long, and LMS-ready CSV for Canvas and Moodle.

- wide: one row per enrolled student, one column per exercise (the grade under the
  deadline rules, 0 when nothing was submitted), the total, and a note per graded exercise
  saying which rule produced its grade.
- long: every submission, with its raw score, its grade, the rule and whether it counts.
- canvas: the teacher's own Canvas gradebook export as the template (Canvas needs its
  assignment ids): the identity columns (Student, ID, SIS User ID, SIS Login ID, Section)
  and each assignment column `Name (id)` whose name is an exercise's title or slug,
  filled in for the students matched by SIS User ID, SIS Login ID or email, scaled to the
  template's Points Possible row when it has one.
- moodle: Moodle's grade import, mapped by `ID number` or `Email address`, one column per
  exercise named by its title.

Every text cell goes through `spreadsheet_safe`, so a name cannot run as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from grader.errors import GraderError
from grader.leaderboard.exercises import Catalog
from grader.leaderboard.grades import Row, class_rows
from grader.text_escape import spreadsheet_safe

FORMATS = ("wide", "long", "canvas", "moodle")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_ASSIGNMENT = re.compile(r"^(?P<name>.+?) \((?P<id>\d+)\)$")
POINTS_POSSIBLE = "Points Possible"


class GradebookError(GraderError):
    """The export cannot be made as asked (an unknown format, a bad Canvas template)."""


@dataclass(frozen=True)
class Export:
    text: str
    filename: str
    warnings: tuple[str, ...] = ()


def export(
    session: Session,
    catalog: Catalog,
    *,
    format: str,
    canvas_template: str | None = None,
) -> Export:
    if format not in FORMATS:
        raise GradebookError(
            f"{format!r} is not a gradebook format; use one of: {', '.join(FORMATS)}"
        )
    if format == "canvas" and canvas_template is None:
        raise GradebookError(
            "the Canvas export needs your Canvas gradebook as a template (it holds the "
            "assignment ids): export it from Canvas (Grades > Export) and pass it with "
            "--template FILE (the API: POST it as `template`)"
        )
    policy, rows = class_rows(session, catalog.exercises)
    if format == "wide":
        return Export(_wide(rows, catalog), "gradebook-wide.csv")
    if format == "long":
        return Export(_long(rows, policy.zone.key), "gradebook-long.csv")
    if format == "moodle":
        return Export(_moodle(rows, catalog), "gradebook-moodle.csv")
    return _canvas(rows, catalog, canvas_template or "")


def _csv(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_safe(c) if isinstance(c, str) else c for c in row])
    return out.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else f"{round(value, 2):g}"


def _identity(row: Row) -> list[object]:
    a = row.account
    return [a.student_id or "", a.name, a.email or "", a.section or ""]


def _wide(rows: list[Row], catalog: Catalog) -> str:
    slugs = [e.qualified_slug for e in catalog.exercises]
    header = ["student_id", "name", "email", "section", *slugs, "total", "notes"]
    lines: list[list[object]] = [header]
    for row in rows:
        notes = [
            f"{slug}: {row.cells[slug].note}"
            for slug in slugs
            if row.cells[slug].submissions
        ]
        lines.append(
            _identity(row)
            + [_number(row.cells[slug].grade) for slug in slugs]
            + [_number(row.total), "; ".join(notes)]
        )
    return _csv(lines)


LONG_COLUMNS = (
    "student_id",
    "name",
    "email",
    "section",
    "exercise",
    "stage",
    "submission",
    "submitted_at_utc",
    "submitted_at_local",
    "status",
    "result",
    "score",
    "max_score",
    "late_days",
    "penalty_percent",
    "grade",
    "rule",
    "counted",
)


def _long(rows: list[Row], zone: str) -> str:
    lines: list[list[object]] = [list(LONG_COLUMNS)]
    for row in rows:
        for cell in row.cells.values():
            best = cell.best
            for s in cell.submissions:
                j = s.judgment
                lines.append(
                    _identity(row)
                    + [
                        s.exercise,
                        s.stage,
                        s.id,
                        s.submitted_at.isoformat(timespec="seconds"),
                        _local(s.submitted_at, zone),
                        s.status,
                        s.result or "",
                        _number(s.score),
                        _number(s.max_score),
                        j.late_days,
                        _number(j.penalty_percent),
                        _number(s.grade),
                        j.note,
                        "yes" if best is not None and best.id == s.id else "no",
                    ]
                )
    return _csv(lines)


def _local(moment: object, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"  # type: ignore[attr-defined]


def _moodle(rows: list[Row], catalog: Catalog) -> str:
    header = ["ID number", "Email address", "Full name"]
    header += [e.title_en for e in catalog.exercises]
    lines: list[list[object]] = [header]
    for row in rows:
        a = row.account
        lines.append(
            [a.student_id or "", a.email or "", a.name]
            + [_number(c.grade) for c in row.cells.values()]
        )
    return _csv(lines)


def _canvas(rows: list[Row], catalog: Catalog, template: str) -> Export:
    try:  # newline="": a line may end in \r, \n or both, as spreadsheets write them
        table = list(csv.reader(io.StringIO(template.lstrip("\ufeff"), newline="")))
    except csv.Error as exc:
        raise GradebookError(
            f"the Canvas template is not a readable CSV file ({exc}); upload the file "
            "Canvas exported, unchanged"
        ) from None
    if not table or "Student" not in [c.strip() for c in table[0]]:
        raise GradebookError(
            "the Canvas template is not a Canvas gradebook export: its first line must "
            "name the columns Student, ID, SIS User ID, SIS Login ID, Section and the "
            "assignments as `Name (id)`"
        )
    header = [c.strip() for c in table[0]]
    identity = [i for i, c in enumerate(header) if c in CANVAS_IDENTITY]
    mapped: dict[int, str] = {}
    names = _exercise_names(catalog)
    for index, column in enumerate(header):
        match = CANVAS_ASSIGNMENT.match(column)
        if match and match["name"].strip().lower() in names:
            mapped[index] = names[match["name"].strip().lower()]
    if not mapped:
        raise GradebookError(
            "no assignment of the Canvas template is named after an exercise; name "
            "each Canvas assignment after the exercise's title or slug (e.g. "
            f"{catalog.exercises[0].title_en!r}), then export the gradebook again"
        )
    keep = identity + sorted(mapped)
    by_key = _students_by_key(rows)
    points: dict[int, float] = {}
    out: list[list[object]] = [[header[i] for i in keep]]
    warnings: list[str] = []
    matched: set[int] = set()
    for line in table[1:]:
        line = line + [""] * (len(header) - len(line))
        first = line[0].strip()
        if first == POINTS_POSSIBLE or first.endswith(POINTS_POSSIBLE):
            points = {i: _float(line[i]) for i in mapped if _float(line[i])}
            out.append([line[i] for i in keep])
            continue
        row = _match(line, header, by_key)
        if row is None:
            if first and first != "Test Student":
                warnings.append(f"{first}: not on the roster; left unchanged")
            continue
        matched.add(row.account.id)
        values = []
        for i in keep:
            if i not in mapped:
                values.append(line[i])
                continue
            cell = row.cells[mapped[i]]
            scale = (
                points.get(i, cell.max_score) / cell.max_score if cell.max_score else 1
            )
            values.append(_number(cell.grade * scale))
        out.append(values)
    for row in rows:
        if row.account.id not in matched:
            warnings.append(
                f"{row.account.name} ({row.account.student_id}): not in the Canvas "
                "template; add them to the Canvas course and export it again"
            )
    return Export(_csv(out), "gradebook-canvas.csv", tuple(warnings))


def _exercise_names(catalog: Catalog) -> dict[str, str]:
    names: dict[str, str] = {}
    for e in catalog.exercises:
        for name in (e.title_en, e.slug, e.qualified_slug):
            names.setdefault(name.strip().lower(), e.qualified_slug)
    return names


def _students_by_key(rows: list[Row]) -> dict[str, Row]:
    keys: dict[str, Row] = {}
    for row in rows:
        for key in (row.account.student_id, row.account.email):
            if key:
                keys.setdefault(key.strip().lower(), row)
    return keys


def _match(line: list[str], header: list[str], by_key: dict[str, Row]) -> Row | None:
    for column in ("SIS User ID", "SIS Login ID"):
        if column in header:
            value = line[header.index(column)].strip().lower()
            if value and value in by_key:
                return by_key[value]
    return None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


__all__ = ["FORMATS", "Export", "GradebookError", "export"]
