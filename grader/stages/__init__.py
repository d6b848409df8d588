"""Stage exit criteria: `check_stage` turns each stage's "检验标准" into automatic checks.

To add a criterion: write a function `(StageContext) -> Finding` (see `grader.stages.model`)
in the module of what it reads (README, files, git, scorecards) and list it, with the seed's
criterion as its `source`, in `grader.stages.definitions`.
"""

from grader.catalog.titles import STAGE_TITLES, stage_heading
from grader.stages.definitions import STAGES
from grader.stages.evaluate import UnknownStageError, check_stage
from grader.stages.model import (
    Criterion,
    CriterionResult,
    Finding,
    SelfCheck,
    StageContext,
    StageDefinition,
    StageReport,
)

__all__ = [
    "STAGES",
    "STAGE_TITLES",
    "Criterion",
    "CriterionResult",
    "Finding",
    "SelfCheck",
    "StageContext",
    "StageDefinition",
    "StageReport",
    "UnknownStageError",
    "check_stage",
    "stage_heading",
]
