"""The exercise model: what exercise.toml says, typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_COVERAGE_THRESHOLD = 70.0
DEFAULT_PASS_PERCENT = 80.0
# A task's gate: every core test passes and at least this share of its points is earned.
DEFAULT_TASK_MINIMUM = 50.0


@dataclass(frozen=True)
class Task:
    id: int
    title_en: str
    title_zh: str
    # Percent of the task's hidden-test points its gate needs (besides every core test).
    minimum: float = DEFAULT_TASK_MINIMUM
    hint_en: str = ""
    hint_zh: str = ""


@dataclass(frozen=True)
class Limits:
    run_seconds: float = 180.0
    test_seconds: float = 10.0
    memory_mb: int = 512
    max_file_kb: int = 256


# The backends an exercise may name in `backends` (grader.runner.levels has the same, and
# `auto`, which picks one of them).
BACKEND_CHOICES = ("docker", "bwrap", "local")

# A Git exercise's bundle travels into the sandbox as this submitted file.
BUNDLE_NAME = "repository.bundle"
DEFAULT_MAX_BUNDLE_KB = 1024


@dataclass(frozen=True)
class Repository:
    """A Git exercise's repository: generated at `grader start`, submitted as a bundle."""

    generator: str  # a Python script in the exercise folder: `python GENERATOR DEST`
    max_bundle_kb: int = DEFAULT_MAX_BUNDLE_KB


@dataclass(frozen=True)
class CheckConfig:
    """One check as exercise.toml configures it: its weight and its own options."""

    id: str
    weight: float
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Exercise:
    slug: str
    stage: int
    version: str
    title_en: str
    title_zh: str
    tasks: tuple[Task, ...]
    solution_files: tuple[str, ...]
    test_files: tuple[str, ...]
    extra_files: tuple[str, ...]
    checks: tuple[CheckConfig, ...]
    root: Path
    difficulty: str = "medium"
    topics: tuple[str, ...] = ()
    limits: Limits = Limits()
    pass_percent: float = DEFAULT_PASS_PERCENT
    # The exercise's place on the learning path (lower first), and what comes before it.
    order: int = 0
    prerequisites: tuple[str, ...] = ()
    # Set for a Git exercise: the workspace is a repository, submitted whole as a bundle.
    repository: Repository | None = None
    # The only backends that may run the hidden suite; empty: any. An exercise whose
    # processes only Docker is known to contain names ("docker",).
    backends: tuple[str, ...] = ()

    @property
    def qualified_slug(self) -> str:
        return f"stage{self.stage}/{self.slug}"

    @property
    def submitted_files(self) -> tuple[str, ...]:
        """Every path a submission may contain: nothing else enters the sandbox."""
        return self.solution_files + self.test_files + self.extra_files

    @property
    def generator_path(self) -> Path | None:
        """The script that creates a Git exercise's starter repository."""
        return self.root / self.repository.generator if self.repository else None

    @property
    def starter_dir(self) -> Path:
        return self.root / "starter"

    @property
    def hidden_dir(self) -> Path:
        return self.root / "hidden"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def check(self, check_id: str) -> CheckConfig | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def task_ids(self) -> set[int]:
        return {t.id for t in self.tasks}

    def task(self, task_id: int | None) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)
