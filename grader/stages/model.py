"""What a stage's exit criteria are, and what checking them found."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Literal

from grader.progress.collect import ExerciseProgress
from grader.stages.git_facts import GitFacts, read_git
from grader.stages.repo_scan import RepoFiles, scan_repo

CriterionStatus = Literal["pass", "fail"]


@dataclass(frozen=True)
class Finding:
    """What one automatic criterion found: pass or not, the evidence, the next step."""

    passed: bool
    evidence: str
    next_step: str = ""
    details: tuple[str, ...] = ()


@dataclass
class StageContext:
    """What the criteria of one stage look at; files and git are read once, when first asked."""

    repo: Path
    stage: int
    exercises: list[ExerciseProgress]  # the pack's exercises of this stage
    # The checks each of those exercises switches on in the pack, by qualified slug.
    checks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def files(self) -> RepoFiles:
        return scan_repo(self.repo)

    @cached_property
    def git(self) -> GitFacts:
        return read_git(self.repo)

    def relative(self, path: Path) -> str:
        """`path` as the student would type it from the repository root."""
        try:
            return str(path.relative_to(self.repo)) or "."
        except ValueError:
            return str(path)


Evaluate = Callable[[StageContext], Finding]


@dataclass(frozen=True)
class Criterion:
    """An exit criterion a program can judge. `source` cites the seed's criterion."""

    id: str
    title: str
    title_zh: str
    source: str
    evaluate: Evaluate


@dataclass(frozen=True)
class SelfCheck:
    """An exit criterion no program can judge: listed for the student, never counted."""

    id: str
    title: str
    title_zh: str
    source: str
    hint: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "title_zh": self.title_zh,
            "source": self.source,
            "automatic": False,
            "status": "self-assessment",
            "hint": self.hint,
        }


@dataclass(frozen=True)
class StageDefinition:
    stage: int
    criteria: tuple[Criterion, ...]
    self_checks: tuple[SelfCheck, ...]


@dataclass(frozen=True)
class CriterionResult:
    id: str
    title: str
    title_zh: str
    source: str
    status: CriterionStatus
    evidence: str
    next_step: str
    details: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "title_zh": self.title_zh,
            "source": self.source,
            "automatic": True,
            "status": self.status,
            "evidence": self.evidence,
            "next_step": self.next_step,
            "details": list(self.details),
        }


@dataclass
class StageReport:
    """The outcome of `grader stage check N`."""

    stage: int
    title: str
    title_zh: str
    repo: Path
    results: list[CriterionResult]
    self_checks: list[SelfCheck]
    damaged_scorecards: list[Path] = field(default_factory=list)

    @property
    def passed_count(self) -> int:
        return sum(1 for r in self.results if r.status == "pass")

    @property
    def passed(self) -> bool:
        """Every automatic criterion passes (self-assessment is not counted)."""
        return self.passed_count == len(self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "title": self.title,
            "title_zh": self.title_zh,
            "repo": str(self.repo),
            "passed": self.passed,
            "automatic": {"passed": self.passed_count, "total": len(self.results)},
            "criteria": [r.to_dict() for r in self.results],
            "self_assessment": [s.to_dict() for s in self.self_checks],
            "damaged_scorecards": [str(p) for p in self.damaged_scorecards],
        }
