"""A grading job on disk: what the host prepares and what the sandbox reads and writes.

JOB/job.json       what to run (written by the host)
JOB/submission/    the allow-listed files, plus the exercise's data/ (read-only in a sandbox)
JOB/hidden/        the hidden suite
JOB/work/          scratch space for the checks
JOB/out/results.json   the only thing that comes back (written by the host when the
                       sandbox sends the results through a pipe)
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.catalog.loader import exercise_in_student_edition
from grader.catalog.model import Exercise
from grader.errors import ExerciseError
from grader.sandbox.results import RESULTS_NAME
from grader.runner.submission import Submission


@dataclass(frozen=True)
class Job:
    root: Path
    exercise: Exercise
    submission: Submission
    nonce: str = ""

    @property
    def results_path(self) -> Path:
        return self.root / "out" / RESULTS_NAME


def job_spec(exercise: Exercise, submission: Submission, nonce: str) -> dict[str, Any]:
    python_files = [f.path for f in submission.files if f.path.endswith(".py")]
    return {
        # Echoed back in the results: a results file planted by the submission lacks it
        # (job.json is readable only by the trusted uid in the sandbox).
        "nonce": nonce,
        "slug": exercise.qualified_slug,
        "solution_files": list(exercise.solution_files),
        "test_files": list(exercise.test_files),
        "python_files": python_files,
        "test_seconds": exercise.limits.test_seconds,
        "run_seconds": exercise.limits.run_seconds,
        "checks": [
            {"id": c.id, "weight": c.weight, "options": c.options}
            for c in exercise.checks
        ],
    }


def prepare_job(
    exercise: Exercise, submission: Submission, parent: Path | None = None
) -> Job:
    """Lay out a fresh job folder; the caller removes it (see `remove_job`)."""
    root = Path(
        tempfile.mkdtemp(prefix=f"grader-{submission.sha256[:12]}-", dir=parent)
    )
    try:
        sub = root / "submission"
        for f in submission.files:
            target = sub / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(submission.contents[f.path])
        if exercise.data_dir.is_dir():
            shutil.copytree(exercise.data_dir, sub / "data", dirs_exist_ok=True)
        if exercise_in_student_edition(exercise):
            _refuse_hidden_tests(exercise)  # a practice run: an empty hidden suite
            (root / "hidden").mkdir()
        else:
            shutil.copytree(exercise.hidden_dir, root / "hidden", ignore=_no_caches)
        (root / "work").mkdir()
        (root / "out").mkdir()
        nonce = secrets.token_hex(16)
        (root / "job.json").write_text(
            json.dumps(job_spec(exercise, submission, nonce), indent=2),
            encoding="utf-8",
        )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Job(root=root, exercise=exercise, submission=submission, nonce=nonce)


def _refuse_hidden_tests(exercise: Exercise) -> None:
    """A students' edition has no hidden suite: only a grading without it can run."""
    if exercise.check("tests") is not None:
        raise ExerciseError(
            f"{exercise.qualified_slug} comes from a students' edition, which has no "
            "hidden suite: here `grader submit` grades a practice run; the class server "
            "grades with the hidden suite (grader submit --server URL --token TOKEN)"
        )


def remove_job(job: Job) -> None:
    shutil.rmtree(job.root, ignore_errors=True)


def _no_caches(directory: str, names: list[str]) -> list[str]:
    return [
        n for n in names if n in ("__pycache__", ".pytest_cache") or n.endswith(".pyc")
    ]
