"""`check_stage`: every exit criterion of one stage, judged against a student's repository."""

from __future__ import annotations

from pathlib import Path

from grader.catalog import ExercisePack
from grader.errors import GraderError
from grader.progress.collect import collect_progress
from grader.stages.definitions import STAGES
from grader.stages.model import CriterionResult, StageContext, StageReport
from grader.catalog.titles import STAGE_TITLES


class UnknownStageError(GraderError):
    """The stage number is not one of the learning path's stages."""


def check_stage(*, stage: int, repo: Path, pack: ExercisePack) -> StageReport:
    """Judge every automatic criterion of `stage` in `repo`; list the self-assessed ones.

    Raises UnknownStageError for a stage without criteria. A failing criterion is data in the
    report (with its evidence and next step), never an exception.
    """
    if stage not in STAGES:
        known = ", ".join(str(s) for s in sorted(STAGES))
        raise UnknownStageError(
            f"there is no stage {stage}; the learning path has stages {known}"
        ) from None
    definition = STAGES[stage]
    progress = collect_progress(repo=repo, pack=pack, stage=stage)
    exercises = [e for e in progress.for_stage(stage) if e.in_pack]
    context = StageContext(
        repo=repo,
        stage=stage,
        exercises=exercises,
        checks={
            e.slug: tuple(c.id for c in pack.get(e.slug).checks) for e in exercises
        },
    )
    results = []
    for criterion in definition.criteria:
        finding = criterion.evaluate(context)
        results.append(
            CriterionResult(
                id=criterion.id,
                title=criterion.title,
                title_zh=criterion.title_zh,
                source=criterion.source,
                status="pass" if finding.passed else "fail",
                evidence=finding.evidence,
                next_step="" if finding.passed else finding.next_step,
                details=finding.details,
            )
        )
    title, title_zh = STAGE_TITLES[stage]
    return StageReport(
        stage=stage,
        title=title,
        title_zh=title_zh,
        repo=repo,
        results=results,
        self_checks=list(definition.self_checks),
        damaged_scorecards=progress.damaged,
    )
