"""An untouched starter that patches pytest's reporting at import time earns nothing more.

The seven exercises whose hidden tests once shared the submission's process (concurrency, the
file system, ASGI, memory) are the ones this attack used to turn into 100/100. Each starter
gets the same dozen lines appended to its solution module and is graded on Docker next to the
plain starter: the hidden tests must not score a point more, nor pass a test more, and the
submission must not pass.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.catalog import ExercisePack
from grader.errors import BackendUnavailable
from grader.pipeline import grade_workspace
from grader.scorecard.model import Scorecard

pytestmark = pytest.mark.docker

FORMERLY_IN_PROCESS = (
    "atomic-write",
    "batch-rename",
    "log-pipeline",
    "fastapi-service",
    "circuit-breaker",
    "dag-scheduler",
    "rate-limiter",
)

# Wherever pytest is loaded in the process that imports this module, every report it makes
# from now on says "passed". Harmless where pytest is not the one running the tests.
PAYLOAD = """

def _forge_reports():
    import sys

    reports = sys.modules.get("_pytest.reports")
    if reports is None:
        return
    original = reports.TestReport.__init__

    def forced(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.outcome, self.longrepr = "passed", None

    reports.TestReport.__init__ = forced


_forge_reports()
"""


def _hidden_tests(card: Scorecard) -> tuple[float, dict[str, str]]:
    check = next(c for c in card.checks if c.id == "tests")
    return check.score, {t["id"]: t["status"] for t in check.details.get("tests", [])}


@pytest.mark.parametrize("slug", FORMERLY_IN_PROCESS)
def test_a_starter_that_forges_reports_earns_nothing_more(
    slug: str, docker_backend, tmp_path: Path
) -> None:
    exercise = ExercisePack().get(slug)
    tests = exercise.check("tests")
    assert tests is not None
    assert (
        tests.options.get("isolation", "process") == "process"
    ), f"{slug}: the hidden tests must run in their own process"
    plain = tmp_path / "plain"
    shutil.copytree(exercise.root / "starter", plain)
    forged = tmp_path / "forged"
    shutil.copytree(exercise.root / "starter", forged)
    target = forged / exercise.solution_files[0]
    target.write_text(target.read_text(encoding="utf-8") + PAYLOAD, encoding="utf-8")

    honest = grade_workspace(plain, exercise=exercise, backend=docker_backend)
    attacked = grade_workspace(forged, exercise=exercise, backend=docker_backend)

    assert honest.integrity.get("level") == "full"
    honest_score, honest_tests = _hidden_tests(honest)
    attacked_score, attacked_tests = _hidden_tests(attacked)
    assert attacked_tests, f"{slug}: the hidden tests did not run: {attacked.message}"
    newly_passed = [
        test_id
        for test_id, status in attacked_tests.items()
        if status == "passed" and honest_tests.get(test_id) != "passed"
    ]
    assert newly_passed == [], f"{slug}: forged passes {newly_passed[:5]}"
    # The student's own tests run in the submission's process by nature (the coverage
    # check): what they report is the student's to write anyway. The verdict is not.
    assert attacked_score <= honest_score
    assert attacked.status != "pass"
