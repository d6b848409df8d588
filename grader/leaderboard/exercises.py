"""The exercises a server accepts: its pack, loaded once at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.catalog import Exercise, ExercisePack


@dataclass(frozen=True)
class Catalog:
    exercises: tuple[Exercise, ...]

    def find(self, slug: str) -> Exercise | None:
        """By `stage1/grade-book` or, when unambiguous, `grade-book`."""
        for exercise in self.exercises:
            if slug == exercise.qualified_slug:
                return exercise
        matches = [e for e in self.exercises if e.slug == slug]
        return matches[0] if len(matches) == 1 else None

    def stages(self) -> list[int]:
        return sorted({e.stage for e in self.exercises})

    def in_stage(self, stage: int) -> list[Exercise]:
        return [e for e in self.exercises if e.stage == stage]


def load_catalog(exercises_dir: Path | None) -> Catalog:
    """Every exercise of the pack (the bundled one by default), sorted by stage and slug.

    A students' edition is refused: the server grades with the hidden suites, so it must
    hold the full pack."""
    pack = ExercisePack(exercises_dir)
    pack.require_full("grade on the class server")
    return Catalog(exercises=tuple(pack.exercises()))
