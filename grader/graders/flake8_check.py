"""flake8 over every submitted Python file, with the exercise's rules only."""

from __future__ import annotations

import subprocess

from grader.catalog.model import CheckConfig
from grader.graders.base import CheckContext, result
from grader.graders.hidden_tests import pytest_env
from grader.scorecard.caps import MAX_VIOLATIONS
from grader.scorecard.model import CheckResult

SEPARATOR = "\x1f"  # a unit separator cannot appear in a path or a message
FORMAT = SEPARATOR.join(["%(path)s", "%(row)d", "%(col)d", "%(code)s", "%(text)s"])


def flake8_command(ctx: CheckContext, config: CheckConfig) -> list[str]:
    options = config.options
    command = [
        ctx.python,
        "-I",
        "-m",
        "flake8",
        "--isolated",  # the submission's setup.cfg / tox.ini / .flake8 are ignored
        f"--max-line-length={options.get('max_line_length', 88)}",
        f"--format={FORMAT}",
    ]
    if options.get("extend_ignore"):
        command.append("--extend-ignore=" + ",".join(options["extend_ignore"]))
    if options.get("select"):
        command.append("--select=" + ",".join(options["select"]))
    return [*command, "--", *ctx.python_files]


def run(ctx: CheckContext, config: CheckConfig) -> CheckResult:
    if not ctx.python_files:
        return result("flake8", "skipped", config.weight, message="no Python files")
    proc = subprocess.run(
        flake8_command(ctx, config),
        cwd=ctx.submission,
        capture_output=True,
        env=pytest_env(),
        timeout=ctx.seconds_left(),
    )
    violations = parse_violations(proc.stdout.decode("utf-8", "replace"))
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not violations):
        return result(
            "flake8",
            "error",
            config.weight,
            message="flake8 could not run: "
            + proc.stderr.decode("utf-8", "replace").strip()[-500:],
        )
    details = {"violations": violations[:MAX_VIOLATIONS], "count": len(violations)}
    if not violations:
        return result(
            "flake8", "pass", config.weight, message="no problems", details=details
        )
    first = violations[0]
    return result(
        "flake8",
        "fail",
        config.weight,
        message=f"{len(violations)} problem(s); first: {first['path']}:{first['line']}:"
        f"{first['col']} {first['code']} {first['text']}",
        details=details,
    )


def parse_violations(stdout: str) -> list[dict[str, object]]:
    violations: list[dict[str, object]] = []
    for line in stdout.splitlines():
        parts = line.split(SEPARATOR)
        if len(parts) != 5:
            continue
        path, row, col, code, text = parts
        violations.append(
            {
                "path": path,
                "line": int(row),
                "col": int(col),
                "code": code,
                "text": text,
            }
        )
    return violations
