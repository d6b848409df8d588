"""mypy over the solution files, under the grader's own configuration only.

Off unless an exercise switches it on (`[checks.types]` with a weight). mypy reads our
configuration file and no other: the submission's mypy.ini, .mypy.ini, setup.cfg and
pyproject.toml `[tool.mypy]` take no part, and so neither do their `plugins` (mypy imports a
plugin: it would be the student's code in the trusted process). Its cache lives in the
sandbox's scratch space, never beside the submission. What would switch mypy off from inside
the source (`# type: ignore`, an inline `# mypy:` setting, `@no_type_check`) is refused and
listed with the errors, as the black check refuses `# fmt: off`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from grader.catalog.model import CheckConfig
from grader.i18n.message import msg
from grader.graders.base import CheckContext, result, trusted_tool
from grader.registry.declaration import (
    REPORT_LINES,
    CheckDeclaration,
    Markdown,
    Presentation,
    Problem,
    Scaffold,
    StageHint,
    TerminalLine,
    error_problems,
    error_summary,
)
from grader.graders.hidden_tests import pytest_env
from grader.graders.pragmas import type_pragmas
from grader.scorecard.caps import MAX_VIOLATIONS, cap_text
from grader.scorecard.model import CheckResult

TITLE = "Type checking (mypy)"
ERROR_CHARS = 500  # one error's message; mypy spells out whole types
TERMINAL_LINES = 5
REFUSED = "refused-comment"  # the code of a switch-off comment or decorator


def write_config(ctx: CheckContext, config: CheckConfig) -> Path:
    """Our own mypy configuration, where only the trusted processes read it."""
    untyped = bool(config.options.get("disallow_untyped_defs", True))
    path = ctx.trusted_work / "mypy.ini"
    path.write_text(
        "[mypy]\n"
        # The libraries in the image ship no stubs of their own: their imports are Any.
        "ignore_missing_imports = True\n"
        f"disallow_untyped_defs = {untyped}\n"
        f"disallow_incomplete_defs = {untyped}\n",
        encoding="utf-8",
    )
    return path


def mypy_command(ctx: CheckContext, config: CheckConfig, files: list[str]) -> list[str]:
    command = [
        ctx.python,
        "-I",
        "-m",
        "mypy",
        # This file and no other: the submission's configuration is never read.
        f"--config-file={write_config(ctx, config)}",
        f"--cache-dir={ctx.trusted_scratch / 'mypy-cache'}",
        "--output=json",
        "--no-error-summary",
    ]
    if config.options.get("strict"):
        command.append("--strict")
    return [*command, "--", *files]


def run(ctx: CheckContext, config: CheckConfig) -> CheckResult:
    files = [f for f in ctx.solution_files if f.endswith((".py", ".pyi"))]
    if not files:
        return result("types", "skipped", config.weight, message=msg("no Python files"))
    proc = subprocess.run(
        mypy_command(ctx, config, files),
        cwd=ctx.submission,
        capture_output=True,
        env=pytest_env(),
        timeout=ctx.seconds_left(),
        preexec_fn=trusted_tool(ctx),
    )
    errors = parse_errors(proc.stdout.decode("utf-8", "replace"))
    if proc.returncode not in (0, 1, 2) or (proc.returncode and not errors):
        output = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
        message = msg("mypy could not run: {error}", error=output)
        return result("types", "error", config.weight, message=message)
    errors = refused(ctx.submission, files) + errors
    details = {"errors": errors[:MAX_VIOLATIONS], "count": len(errors)}
    if not errors:
        return result(
            "types",
            "pass",
            config.weight,
            message=msg("no type errors"),
            details=details,
        )
    first = errors[0]
    message = msg(
        "{count} problem(s); first: {path}:{line}:{col}: {error} [{code}]",
        count=len(errors),
        path=first["path"],
        line=first["line"],
        col=first["col"],
        error=first["message"],
        code=first["code"],
    )
    return result(
        "types",
        "fail",
        config.weight,
        message=message,
        details=details,
    )


def parse_errors(stdout: str) -> list[dict[str, Any]]:
    """mypy's errors from its JSON lines (one object a line); its notes are left out."""
    errors = []
    for line in stdout.splitlines():
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if not isinstance(found, dict) or found.get("severity") != "error":
            continue
        column = found.get("column")
        errors.append(
            {
                "path": str(found.get("file", "")),
                "line": max(0, int(found.get("line") or 0)),
                # mypy counts columns from 0 in JSON, from 1 in its text: we say 1.
                "col": (
                    int(column) + 1 if isinstance(column, int) and column >= 0 else 0
                ),
                "code": str(found.get("code") or ""),
                "message": cap_text(str(found.get("message", "")), ERROR_CHARS),
            }
        )
    return errors


def refused(submission: Path, files: list[str]) -> list[dict[str, Any]]:
    """A `# type: ignore`, `# mypy:` or `@no_type_check` in the files, as errors."""
    found = []
    for rel in files:
        try:
            source = (submission / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # mypy itself reports a file it cannot read
        lines = source.splitlines()
        for pragma in type_pragmas(source):
            text = lines[pragma.line - 1] if pragma.line <= len(lines) else ""
            found.append(
                {
                    "path": rel,
                    "line": pragma.line,
                    "col": text.find(pragma.text) + 1,
                    "code": REFUSED,
                    "message": f"`{pragma.text}` is not allowed: {pragma.why}; "
                    "remove it and fix the types",
                }
            )
    return found


# ---- how the check shows what it found ---------------------------------------------


def _where(error: dict[str, Any]) -> str:
    return f"{error['path']}:{error['line']}:{error['col']}"


def terminal(check: CheckResult) -> list[TerminalLine]:
    return [
        TerminalLine(f"  {_where(e)}: {e['message']}  [{e['code']}]")
        for e in check.details.get("errors", [])[:TERMINAL_LINES]
    ]


def summary(check: CheckResult, md: Markdown) -> list[str]:
    errors = check.details.get("errors", [])
    if not errors:
        return error_summary(check, md)
    count = md.say(
        msg("{count} error(s)", count=check.details.get("count", len(errors)))
    )
    lines = [f"**{TITLE}**: {md.text(count)}", ""]
    for e in errors[: md.first_n]:
        where = md.code(md.path(_where(e)))
        lines.append(f"- {where} {md.text(e['message'])} {md.code(e['code'])}")
    if len(errors) > md.first_n:
        more = msg("… and {count} more", count=len(errors) - md.first_n)
        lines.append(f"- {md.text(md.say(more))}")
    return lines + [""]


def problems(check: CheckResult, slug: str) -> list[Problem]:
    found = [
        Problem(f"mypy {e['code']}", e["message"], e["path"], e["line"], e["col"])
        for e in check.details.get("errors", [])
    ]
    return found + error_problems(check, slug)


def report(check: CheckResult) -> list[str]:
    errors = check.details.get("errors", [])
    lines = [f"{_where(e)}: {e['message']}  [{e['code']}]" for e in errors]
    if len(lines) > REPORT_LINES:
        lines = lines[:REPORT_LINES] + [f"... and {len(errors) - REPORT_LINES} more"]
    return lines


DECLARATION = CheckDeclaration(
    id="types",
    title=TITLE,
    title_zh="类型检查（mypy）",
    runs_in="sandbox",
    run=run,
    details_schema={
        "type": "object",
        "required": ["errors", "count"],
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "errors": {
                "type": "array",
                "maxItems": MAX_VIOLATIONS,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["path", "line", "col", "code", "message"],
                    "properties": {
                        "path": {"type": "string"},
                        "line": {"type": "integer", "minimum": 0},
                        "col": {"type": "integer", "minimum": 0},
                        "code": {"type": "string"},
                        "message": {"type": "string", "maxLength": 2100},
                    },
                },
            },
        },
    },
    options_schema={
        "strict": {
            "type": "boolean",
            "description": "mypy --strict (default false)",
        },
        "disallow_untyped_defs": {
            "type": "boolean",
            "description": "every function states the types of its parameters and "
            "its return (default true)",
        },
    },
    empty_details=lambda config: {"errors": [], "count": 0},
    tools=("mypy==2.4.1",),
    modules=("mypy", "mypy_extensions"),
    present=Presentation(
        terminal=terminal, summary=summary, annotations=problems, report=report
    ),
    stage=StageHint(
        "mypy --disallow-untyped-defs --ignore-missing-imports . and fix each line "
        "it names"
    ),
    scaffold=Scaffold(
        toml="[checks.types]          # mypy on the solution files\n"
        "weight = 10\nstrict = false\n",
        row_en="| Types | 10 | `mypy --disallow-untyped-defs` finds no error in "
        "`{module}.py`. |",
        row_zh="| 类型检查 | 10 | `mypy --disallow-untyped-defs` 在 `{module}.py` 中"
        "找不到任何错误。 |",
        switch_off_en="mypy's `# type: ignore`, `# mypy:` comments and "
        "`@no_type_check` fail the types check",
        switch_off_zh="`# type: ignore`、`# mypy:` 注释和 `@no_type_check` "
        "会让类型检查直接判为不通过",
        on=False,
    ),
)
