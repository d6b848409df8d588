"""The student's own tests, run under coverage, measured over the solution files only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from grader.catalog.model import DEFAULT_COVERAGE_THRESHOLD, CheckConfig
from grader.graders import coverage_present as present
from grader.i18n.message import msg
from grader.graders.base import (
    CheckContext,
    result,
    student_jail,
    trusted_tool,
    write_pytest_ini,
)
from grader.graders.coverage_tamper.check import refuse_tampering
from grader.registry.declaration import CheckDeclaration, Presentation
from grader.graders.hidden_tests import pytest_env
from grader.sandbox.pytest_session import (
    early_exit_message,
    pytest_command,
    run_pytest_watched,
)
from grader.scorecard.caps import cap_text
from grader.scorecard.model import CheckResult

# How much of a failing test's first line the check's one-line message quotes.
FIRST_LINE_CHARS = 200


def write_coveragerc(ctx: CheckContext) -> Path:
    """Our own configuration: the submission's .coveragerc / pyproject settings are ignored,
    and the data file lives in the work folder, not beside the student's code."""
    solution = "\n    ".join(str(ctx.submission / rel) for rel in ctx.solution_files)
    # Readable by the student's processes, writable only by the entrypoint: the trusted
    # `coverage json` reads it too.
    path = ctx.shared_config / "coveragerc"
    path.write_text(
        "[run]\n"
        f"data_file = {ctx.student_work / 'coverage.data'}\n"
        f"source = {ctx.submission}\n"
        "[report]\n"
        f"include =\n    {solution}\n"
        "[json]\n"
        f"output = {ctx.trusted_scratch / 'coverage.json'}\n",
        encoding="utf-8",
    )
    return path


def run(ctx: CheckContext, config: CheckConfig) -> CheckResult:
    threshold = float(config.options.get("threshold", DEFAULT_COVERAGE_THRESHOLD))
    empty = {"percent": 0.0, "threshold": threshold, "files": {}}
    if not ctx.test_files:
        return result(
            "coverage",
            "skipped",
            config.weight,
            message=msg("this exercise names no student tests"),
        )
    broken = {
        p: m
        for p, m in ctx.syntax_errors.items()
        if p in ctx.solution_files + ctx.test_files
    }
    if broken:
        return result(
            "coverage",
            "error",
            config.weight,
            message=next(iter(broken.values()))
            + " — your tests cannot run until it compiles",
            details={
                **empty,
                "student_tests": {"passed": 0, "failed": 0, "failures": []},
            },
        )
    # Read before anything runs: tests that forge coverage are refused, not measured.
    tampered = refuse_tampering(ctx, config, threshold)
    if tampered is not None:
        return tampered
    rcfile = write_coveragerc(ctx)
    command = pytest_command(
        ini=write_pytest_ini(ctx.shared_config / "student-pytest.ini", ctx.submission),
        rootdir=ctx.submission,
        test_seconds=ctx.test_seconds,
        student_root=ctx.submission,
        wrapper=["-m", "coverage", "run", "--append", f"--rcfile={rcfile}"],
    ) + [f"--basetemp={ctx.student_work / 'tmp'}"]
    session = run_pytest_watched(
        command,
        list(ctx.test_files),
        cwd=ctx.submission,
        log_path=ctx.entry_work / "student.log",
        test_seconds=ctx.test_seconds,
        deadline=ctx.deadline,
        env=pytest_env(),
        uid=ctx.student_uid,
        jail=student_jail(ctx),
    )
    outcomes = [
        session.results.get(m["id"], {**m, "status": "error"})
        for m in session.collected
    ]
    failures = [
        _student_test(o) for o in outcomes if o["status"] not in ("passed", "skipped")
    ]
    student_tests = {
        "passed": sum(1 for o in outcomes if o["status"] == "passed"),
        "failed": len(failures),
        "failures": failures[:50],
    }
    report = _coverage_report(ctx, rcfile)
    details = {**report, "threshold": threshold, "student_tests": student_tests}
    if session.collect_errors:
        first = session.collect_errors[0]
        where = f" ({first['location']})" if first.get("location") else ""
        return result(
            "coverage",
            "fail",
            config.weight,
            message=msg(
                "your tests could not be collected{where}: {error}",
                where=where,
                error=first["message"],
            ),
            details=details,
        )
    early = early_exit_message(session, "your tests")
    if early:
        return result("coverage", "fail", config.weight, message=early, details=details)
    if not outcomes:
        return result(
            "coverage",
            "fail",
            config.weight,
            message=msg(
                "no tests found in {files}; write test_* functions",
                files=", ".join(ctx.test_files),
            ),
            details=details,
        )
    percent = report["percent"]
    if failures:
        first = failures[0]
        return result(
            "coverage",
            "fail",
            config.weight,
            message=msg(
                "{count} of your own tests fail (first: {test}: {error}); "
                "coverage {percent:.1f}%",
                count=len(failures),
                test=first["id"],
                # The first line only: the whole explanation is in the test's details.
                error=cap_text(
                    (first["message"].strip().splitlines() or [""])[0],
                    FIRST_LINE_CHARS,
                    separator=" ",
                ),
                percent=percent,
            ),
            details=details,
        )
    if percent < threshold:
        missing = [
            msg("{path} lines {lines}", path=path, lines=_ranges(info["missing_lines"]))
            for path, info in report["files"].items()
            if info["missing_lines"]
        ]
        return result(
            "coverage",
            "fail",
            config.weight,
            message=msg(
                "your tests cover {percent:.1f}% of the solution; {threshold:g}% is "
                "needed. Not run by any test: {missing}",
                percent=percent,
                threshold=threshold,
                missing=missing,
            ),
            details=details,
        )
    return result(
        "coverage",
        "pass",
        config.weight,
        message=msg(
            "{percent:.1f}% covered (threshold {threshold:g}%), {passed} test(s) pass",
            percent=percent,
            threshold=threshold,
            passed=student_tests["passed"],
        ),
        details=details,
    )


def _coverage_report(ctx: CheckContext, rcfile: Path) -> dict[str, Any]:
    # The data file is the student's: it is read by the trusted uid, never by root.
    subprocess.run(
        [ctx.python, "-I", "-m", "coverage", "json", f"--rcfile={rcfile}", "-q"],
        cwd=ctx.submission,
        capture_output=True,
        env=pytest_env(),
        timeout=ctx.seconds_left(),
        preexec_fn=trusted_tool(ctx),
    )
    report_path = ctx.trusted_scratch / "coverage.json"
    files: dict[str, Any] = {}
    statements = covered = 0
    if report_path.exists():
        data = json.loads(report_path.read_text(encoding="utf-8"))
        for path, info in data.get("files", {}).items():
            rel = (
                str(Path(path).resolve().relative_to(ctx.submission.resolve()))
                if Path(path).is_absolute()
                else path
            )
            summary = info["summary"]
            files[rel] = {
                "percent": round(summary["percent_covered"], 2),
                "missing_lines": info["missing_lines"],
            }
            statements += summary["num_statements"]
            covered += summary["covered_lines"]
    for rel in ctx.solution_files:
        files.setdefault(rel, {"percent": 0.0, "missing_lines": []})
    percent = round(100.0 * covered / statements, 2) if statements else 0.0
    return {"percent": percent, "files": files}


def _student_test(outcome: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": outcome["id"],
        "title": outcome.get("title", outcome["id"]),
        "status": outcome["status"],
        "task": None,
        "points": 0.0,
        "message": outcome.get("message", ""),
        "location": outcome.get("location", ""),
        "output": outcome.get("output", ""),
        "duration": outcome.get("duration", 0.0),
    }


def _ranges(lines: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9'"""
    spans: list[str] = []
    start = prev = None
    for line in lines + [None]:  # type: ignore[list-item]
        if start is not None and line == prev + 1:
            prev = line
            continue
        if start is not None:
            spans.append(f"{start}-{prev}" if prev != start else str(start))
        start = prev = line
    return ", ".join(spans)


DECLARATION = CheckDeclaration(
    id="coverage",
    title=present.TITLE,
    title_zh="你的测试的覆盖率",
    runs_in="sandbox",
    run=run,
    details_schema=present.DETAILS_SCHEMA,
    options_schema=present.OPTIONS_SCHEMA,
    empty_details=present.empty_details,
    tools=("coverage==7.18.0", "pytest==9.2.0"),
    modules=("coverage",),
    present=Presentation(
        summary=present.summary,
        annotations=present.problems,
        report=present.report,
    ),
    stage=present.STAGE,
    scaffold=present.SCAFFOLD,
)
