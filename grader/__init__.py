"""grader: an auto-grading harness for the four-stage Python + engineering learning path.

The public API is small: load an exercise, grade a workspace, read or write a scorecard.
"""

from __future__ import annotations

__version__ = "0.1.0"

from grader.catalog import Exercise, ExercisePack, load_exercise
from grader.grading import grade_workspace
from grader.scorecard import CheckResult, Scorecard

__all__ = [
    "__version__",
    "CheckResult",
    "Exercise",
    "ExercisePack",
    "Scorecard",
    "grade_workspace",
    "load_exercise",
]
