"""The coverage check's entry point: scan the submission's Python files before any test runs
(`refuse_tampering`), and the scans of many files or of one file's source."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path, PurePosixPath
from typing import Iterable

from grader.catalog.model import CheckConfig
from grader.graders.base import CheckContext, result
from grader.graders.coverage_tamper.rules import Role
from grader.graders.coverage_tamper.scanner import Finding, Scanner
from grader.scorecard.model import CheckResult

MAX_FINDINGS = 50


def scan_files(
    root: Path,
    test_files: Iterable[str],
    solution_files: Iterable[str],
    other_files: Iterable[str] = (),
) -> list[Finding]:
    """Every finding in the submission's Python files; tests and other helper files get every
    rule, the solution files every rule but the dynamic-lookup ones."""
    solutions = [rel for rel in solution_files if rel.endswith(".py")]
    names = solution_names(solutions)
    roles: dict[str, Role] = {}
    for rel in [*test_files, *other_files]:
        if rel.endswith(".py"):
            roles.setdefault(rel, "tests")
    for rel in solutions:
        roles[rel] = "solution"
    findings: list[Finding] = []
    for rel, role in roles.items():
        try:
            source = (root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # missing or unreadable: the check reports that on its own
        findings += scan_source(source, rel, solution_names=names, role=role)
    return findings


def solution_names(solution_files: Iterable[str]) -> frozenset[str]:
    """The strings that name a solution file: its path, its base name."""
    names: set[str] = set()
    for rel in solution_files:
        names.add(rel)
        names.add(PurePosixPath(rel).name)
    return frozenset(names)


def scan_source(
    source: str,
    path: str,
    *,
    solution_names: Iterable[str] = (),
    role: Role = "tests",
) -> list[Finding]:
    """Findings in one file's source; a file that does not parse has none (the check reports
    the syntax error instead)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # invalid escapes and the like: not our business
            tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    scanner = Scanner(path, frozenset(solution_names), role)
    try:
        scanner.scan(tree, line_offset=0, depth=0)
    except RecursionError:  # absurd nesting: refuse rather than pass it unseen
        scanner.add(1, "code nested too deeply to scan", "simplify it")
    return scanner.findings()


def refuse_tampering(
    ctx: CheckContext, config: CheckConfig, threshold: float
) -> CheckResult | None:
    """The coverage check's failing result when the submission's tests or solution contain
    a way to forge coverage; None when the scan finds nothing. Runs before any test."""
    solutions = set(ctx.solution_files)
    findings = scan_files(
        ctx.submission,
        ctx.test_files,
        ctx.solution_files,
        [rel for rel in ctx.python_files if rel not in solutions],
    )
    if not findings:
        return None
    first = findings[0]
    more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
    return result(
        "coverage",
        "fail",
        config.weight,
        message=f"{first.describe()}{more}: coverage must come from your tests running "
        "the solution, so this is not allowed and your tests were not run",
        details={
            "percent": 0.0,
            "threshold": threshold,
            "files": {
                rel: {"percent": 0.0, "missing_lines": []} for rel in ctx.solution_files
            },
            "student_tests": {"passed": 0, "failed": 0, "failures": []},
            "tampering": [
                {"path": f.path, "line": f.line, "what": f.what, "why": f.why}
                for f in findings[:MAX_FINDINGS]
            ],
        },
    )
