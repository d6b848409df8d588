"""One module per check; each `run(ctx, config)` returns a CheckResult."""

from __future__ import annotations

from typing import Callable

from grader.catalog.model import CheckConfig
from grader.graders import black_check, coverage_check, flake8_check, hidden_tests
from grader.graders.base import CheckContext
from grader.scorecard.model import CheckResult

CheckRunner = Callable[[CheckContext, CheckConfig], CheckResult]

# Checks that run inside the sandbox, beside the submission.
SANDBOX_CHECKS: dict[str, CheckRunner] = {
    "tests": hidden_tests.run,
    "flake8": flake8_check.run,
    "black": black_check.run,
    "coverage": coverage_check.run,
}

__all__ = ["SANDBOX_CHECKS", "CheckContext", "CheckResult", "CheckRunner"]
