"""A student's progress across the four stages, read from the scorecards in their repository.

`collect_progress` gathers it; `grader.progress.terminal` and `grader.progress.html_report`
show it.
"""

from grader.progress.collect import (
    Attempt,
    ExerciseProgress,
    ProgressReport,
    collect_progress,
    exercise_key,
)
from grader.progress.repo import RepoError, resolve_repo

__all__ = [
    "Attempt",
    "ExerciseProgress",
    "ProgressReport",
    "RepoError",
    "collect_progress",
    "exercise_key",
    "resolve_repo",
]
