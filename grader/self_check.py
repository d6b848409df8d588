"""`grader test`: the checks a student runs on their own work before submitting.

Their own tests (each with the exercise's time limit per test), flake8, black and coverage,
exactly as `grader submit` runs them, on their machine and without a sandbox: the code is
their own. The hidden tests and the Dockerfile build are left to `grader submit`; on a
students' edition, which has no hidden suite, `grader submit` runs these same checks as a
practice run (`practice_run`).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from grader.catalog.model import Exercise
from grader.errors import GraderError
from grader.pipeline import grade_workspace
from grader.runner.local import LocalBackend
from grader.runner.log_stream import ProgressCallback
from grader.scorecard.model import Scorecard
from grader.verdict.builder import practice_scorecard

# Checks that need what only `grader submit` has: the hidden suite, a container engine.
SUBMIT_ONLY = frozenset({"tests", "dockerfile"})


def own_checks(exercise: Exercise) -> Exercise:
    """The exercise with only the checks a student runs on their own work."""
    return dataclasses.replace(
        exercise, checks=tuple(c for c in exercise.checks if c.id not in SUBMIT_ONLY)
    )


def self_check(
    root: Path,
    exercise: Exercise,
    *,
    fix: bool = False,
    on_progress: ProgressCallback | None = None,
) -> Scorecard:
    """Run the student's own checks on the workspace at `root`; with `fix`, black first."""
    if fix:
        format_files(root, exercise)
    return grade_workspace(
        root,
        exercise=own_checks(exercise),
        backend=LocalBackend(),
        on_progress=on_progress,
    )


def practice_run(
    root: Path, exercise: Exercise, *, on_progress: ProgressCallback | None = None
) -> Scorecard:
    """`grader submit` on a students' edition: the student's own checks (their tests,
    visible ones included, and the engineering checks), as a practice scorecard that says
    the hidden suite runs on the class server. It never counts as a grade."""
    return practice_scorecard(self_check(root, exercise, on_progress=on_progress))


def format_files(root: Path, exercise: Exercise) -> list[str]:
    """Let black rewrite the student's Python files in place; the files it was given."""
    files = [
        f
        for f in exercise.solution_files + exercise.test_files
        if f.endswith(".py") and (root / f).is_file()
    ]
    if not files:
        return []
    done = subprocess.run(
        [sys.executable, "-m", "black", "-q", "--", *files],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode not in (0, 1):
        detail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise GraderError(
            f"black could not format your files ({detail[0]}); fix the syntax error it "
            "names, then run `grader test --fix` again"
        )
    return files
