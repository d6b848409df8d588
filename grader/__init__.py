"""grader: an auto-grading harness for the four-stage Python + engineering learning path.

The public API is small: load an exercise, grade a workspace, read or write a scorecard.
"""

from __future__ import annotations

__version__ = "0.1.0"

from grader.lazy import lazy_names

# Where each public name lives. Loaded on first use: the processes inside the sandbox import
# grader.runner.* and must not pay for (or depend on) the host's grading stack.
_PUBLIC = {
    "CheckResult": "grader.scorecard",
    "Exercise": "grader.catalog",
    "ExercisePack": "grader.catalog",
    "Scorecard": "grader.scorecard",
    "grade_workspace": "grader.pipeline",
    "load_exercise": "grader.catalog",
}


__getattr__ = lazy_names(__name__, _PUBLIC)


__all__ = [
    "__version__",
    "CheckResult",
    "Exercise",
    "ExercisePack",
    "Scorecard",
    "grade_workspace",
    "load_exercise",
]
