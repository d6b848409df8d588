"""A student's progress: every exercise of the pack with the scorecards saved for it.

Scorecards are attributed to the exercise they graded (the scorecard's own slug), so a card
copied between workspaces still counts for the right exercise. A file that does not load as
a scorecard is skipped and listed in `damaged`: a report never fails because of one. A
practice scorecard (graded on a students' edition, without the hidden suite) is never an
attempt: it is listed in `practice`, so neither progress nor a stage check counts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog import ExercisePack
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard
from grader.workspace import find_workspaces

_STAGE_PREFIX = re.compile(r"^stage(\d+)/")


@dataclass(frozen=True)
class Attempt:
    """One saved scorecard."""

    path: Path
    card: Scorecard

    @property
    def percent(self) -> float:
        return (
            100.0 * self.card.score / self.card.max_score
            if self.card.max_score
            else 0.0
        )

    @property
    def passed(self) -> bool:
        return self.card.status == "pass"

    @property
    def when(self) -> str:
        """The finishing time for people: `2026-03-01 14:05 UTC`."""
        stamp = self.card.finished_at
        if stamp.endswith("Z") and "T" in stamp:
            return stamp[:16].replace("T", " ") + " UTC"
        return stamp


@dataclass
class ExerciseProgress:
    """One exercise: its workspaces in the repository and its attempts, oldest first."""

    slug: str  # qualified: stage1/grade-book
    stage: int
    title_en: str
    title_zh: str
    order: int = 0  # its place on the learning path (exercise.toml)
    in_pack: bool = True
    workspaces: list[Path] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return bool(self.workspaces or self.attempts)

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)

    @property
    def best(self) -> Attempt | None:
        """The highest score; a pass beats a fail of the same score; the later one on ties."""
        if not self.attempts:
            return None
        return max(reversed(self.attempts), key=lambda a: (a.percent, a.passed))

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def last_status(self) -> str:
        """The last attempt's status, or `not submitted` (a workspace only) or `not started`."""
        if self.attempts:
            return self.attempts[-1].card.status
        return "not submitted" if self.workspaces else "not started"


@dataclass
class ProgressReport:
    """Every exercise of the pack (and any other exercise the repository holds work for)."""

    repo: Path
    exercises: list[ExerciseProgress]
    damaged: list[Path] = field(default_factory=list)
    # Practice scorecards (a students' edition, no hidden suite): never counted.
    practice: list[Path] = field(default_factory=list)

    def stages(self) -> list[int]:
        return sorted({e.stage for e in self.exercises})

    def for_stage(self, stage: int) -> list[ExerciseProgress]:
        return [e for e in self.exercises if e.stage == stage]

    def completion(self, stage: int) -> tuple[int, int]:
        """(passed, total) over the pack's exercises of `stage`."""
        listed = [e for e in self.for_stage(stage) if e.in_pack]
        return sum(1 for e in listed if e.passed), len(listed)


def exercise_key(slug: str) -> str:
    """The part of a slug that is unique in a pack: `stage1/grade-book` -> `grade-book`."""
    return slug.rpartition("/")[2]


def collect_progress(
    *, repo: Path, pack: ExercisePack, stage: int | None = None
) -> ProgressReport:
    """Read every workspace and saved scorecard under `repo`; never raises on a bad file.

    With `stage`, only the scorecards in that stage's workspaces are read: loading validates
    each scorecard against the schema, the slow part of a large repository.
    """
    by_key: dict[str, ExerciseProgress] = {
        exercise_key(e.qualified_slug): ExerciseProgress(
            slug=e.qualified_slug,
            stage=e.stage,
            title_en=e.title_en,
            title_zh=e.title_zh,
            order=e.order,
        )
        for e in pack.exercises()
    }
    damaged: list[Path] = []
    practice: list[Path] = []
    for workspace in find_workspaces(repo):
        home = _entry(by_key, workspace.slug, None)
        home.workspaces.append(workspace.root)
        if stage is not None and home.stage not in (stage, 0):
            continue
        for path in workspace.scorecards():
            card = _load_or_none(path)
            if card is None:
                damaged.append(path)
                continue
            if card.practice:
                practice.append(path)  # graded without the hidden suite: not a grade
                continue
            entry = _entry(by_key, card.exercise.slug, card.exercise.stage)
            entry.attempts.append(Attempt(path=path, card=card))
    for entry in by_key.values():
        entry.attempts.sort(key=lambda a: (a.card.finished_at, a.path.name))
    exercises = sorted(by_key.values(), key=lambda e: (e.stage, e.order, e.slug))
    return ProgressReport(
        repo=repo,
        exercises=exercises,
        damaged=sorted(damaged),
        practice=sorted(practice),
    )


def _entry(
    by_key: dict[str, ExerciseProgress], slug: str, stage: int | None
) -> ExerciseProgress:
    key = exercise_key(slug)
    if key not in by_key:
        match = _STAGE_PREFIX.match(slug)
        found_stage = stage if stage is not None else int(match[1]) if match else 0
        by_key[key] = ExerciseProgress(
            slug=slug if "/" in slug else f"stage{found_stage}/{slug}",
            stage=found_stage,
            title_en="(not in the exercise pack)",
            title_zh="（不在练习包中）",
            in_pack=False,
        )
    return by_key[key]


def _load_or_none(path: Path) -> Scorecard | None:
    try:
        return serialize.load(path)
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        # ValueError covers bad JSON, bad UTF-8 and schema violations.
        return None
