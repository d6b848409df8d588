"""flake8 over every submitted Python file, with the exercise's rules only.

`# noqa` comments and a file-level `# flake8: noqa` silence nothing (`--disable-noqa`): a
submission could otherwise pass with any style. An exercise may list codes a line may excuse
(`noqa_allowed`): `# noqa: E501` then excuses exactly E501 on that line.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from grader.catalog.model import CheckConfig
from grader.i18n.message import Message, msg
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
from grader.graders.pragmas import has_noqa, noqa_codes
from grader.scorecard.caps import MAX_VIOLATIONS
from grader.scorecard.model import CheckResult

TERMINAL_LINES = 5
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
        "--disable-noqa",  # excuses are applied by us, only for `noqa_allowed` codes
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
        return result(
            "flake8", "skipped", config.weight, message=msg("no Python files")
        )
    proc = subprocess.run(
        flake8_command(ctx, config),
        cwd=ctx.submission,
        capture_output=True,
        env=pytest_env(),
        timeout=ctx.seconds_left(),
        preexec_fn=trusted_tool(ctx),
    )
    violations = parse_violations(proc.stdout.decode("utf-8", "replace"))
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not violations):
        return result(
            "flake8",
            "error",
            config.weight,
            message=msg(
                "flake8 could not run: {error}",
                error=proc.stderr.decode("utf-8", "replace").strip()[-500:],
            ),
        )
    allowed = {str(c).upper() for c in config.options.get("noqa_allowed", [])}
    violations = excuse_allowed(ctx.submission, violations, allowed)
    details = {"violations": violations[:MAX_VIOLATIONS], "count": len(violations)}
    if not violations:
        return result(
            "flake8", "pass", config.weight, message=msg("no problems"), details=details
        )
    first = violations[0]
    return result(
        "flake8",
        "fail",
        config.weight,
        message=msg(
            "{count} problem(s); first: {path}:{line}:{col} {code} {text}{more}",
            count=len(violations),
            path=first["path"],
            line=first["line"],
            col=first["col"],
            code=first["code"],
            text=first["text"],
            more=_noqa_hint(ctx.submission, ctx.python_files, allowed),
        ),
        details=details,
    )


def excuse_allowed(
    submission: Path, violations: list[dict[str, object]], allowed: set[str]
) -> list[dict[str, object]]:
    """The violations left once each line's `# noqa: CODE` has excused the codes that are
    both named on that very line and allowed by the exercise."""
    if not allowed:
        return violations
    excuses: dict[str, dict[int, set[str]]] = {}
    kept = []
    for violation in violations:
        path = os.path.normpath(str(violation["path"]))
        if path not in excuses:
            try:
                source = (submission / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError, ValueError):
                source = ""
            excuses[path] = noqa_codes(source)
        named = excuses[path].get(int(str(violation["line"])), set())
        if violation["code"] in allowed and violation["code"] in named:
            continue
        kept.append(violation)
    return kept


def _noqa_hint(
    submission: Path, python_files: tuple[str, ...], allowed: set[str]
) -> Message | str:
    """A note for a student who expected `# noqa` to work."""
    for rel in python_files:
        try:
            source = (submission / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if has_noqa(source):
            if allowed:
                return msg(
                    " (`# noqa` is ignored here, except `# noqa: CODE` on the line for "
                    "{codes})",
                    codes=", ".join(sorted(allowed)),
                )
            return msg(
                " (`# noqa` and `# flake8: noqa` are ignored here: fix the code)"
            )
    return ""


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


# ---- how the check shows what it found ---------------------------------------------


def terminal(check: CheckResult) -> list[TerminalLine]:
    return [
        TerminalLine(f"  {v['path']}:{v['line']}:{v['col']} {v['code']} {v['text']}")
        for v in check.details.get("violations", [])[:TERMINAL_LINES]
    ]


def summary(check: CheckResult, md: Markdown) -> list[str]:
    violations = check.details.get("violations", [])
    if not violations:
        return error_summary(check, md)
    found = md.say(msg("{count} problem(s)", count=len(violations)))
    lines = [f"**flake8**: {md.text(found)}", ""]
    for v in violations[: md.first_n]:
        where = md.path(f"{v['path']}:{v['line']}:{v['col']}")
        lines.append(f"- {md.code(where)} {md.text(v['code'])} {md.text(v['text'])}")
    if len(violations) > md.first_n:
        more = msg("… and {count} more", count=len(violations) - md.first_n)
        lines.append(f"- {md.text(md.say(more))}")
    return lines + [""]


def problems(check: CheckResult, slug: str) -> list[Problem]:
    found = [
        Problem(
            f"flake8 {v['code']}", v["text"], v["path"], int(v["line"]), int(v["col"])
        )
        for v in check.details.get("violations", [])
    ]
    return found + error_problems(check, slug)


def report(check: CheckResult) -> list[str]:
    violations = check.details.get("violations", [])
    lines = [
        f"{v['path']}:{v['line']}:{v['col']}: {v['code']} {v['text']}"
        for v in violations[:REPORT_LINES]
    ]
    if len(violations) > REPORT_LINES:
        lines.append(f"... and {len(violations) - REPORT_LINES} more")
    return lines


_CODES = {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]+[0-9]*$"}}

DECLARATION = CheckDeclaration(
    id="flake8",
    title="flake8 (PEP 8 and errors)",
    title_zh="flake8（PEP 8 与错误检查）",
    runs_in="sandbox",
    run=run,
    details_schema={
        "type": "object",
        "required": ["violations", "count"],
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "violations": {
                "type": "array",
                "maxItems": MAX_VIOLATIONS,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["path", "line", "col", "code", "text"],
                    "properties": {
                        "path": {"type": "string"},
                        "line": {"type": "integer", "minimum": 0},
                        "col": {"type": "integer", "minimum": 0},
                        "code": {"type": "string"},
                        "text": {"type": "string"},
                    },
                },
            },
        },
    },
    options_schema={
        "max_line_length": {"type": "integer", "minimum": 40, "maximum": 200},
        "extend_ignore": _CODES,
        "select": _CODES,
        "noqa_allowed": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[A-Z]+[0-9]+$"},
            "description": "codes a line may excuse with `# noqa: CODE` on that line "
            "(exactly those codes, nothing else); every other noqa comment, and a "
            "file-level `# flake8: noqa`, is ignored",
        },
    },
    empty_details=lambda config: {"violations": [], "count": 0},
    # pycodestyle and pyflakes decide what flake8 reports: pinned with it.
    tools=("flake8==7.5.0", "pycodestyle==2.15.0", "pyflakes==4.1.0"),
    modules=("flake8", "pycodestyle", "pyflakes"),
    present=Presentation(
        terminal=terminal, summary=summary, annotations=problems, report=report
    ),
    stage=StageHint("flake8 . and fix each line it names"),
    scaffold=Scaffold(
        toml="[checks.flake8]\nweight = 10\nmax_line_length = 88\n"
        'extend_ignore = ["E203", "W503"]\n',
        row_en="| flake8 | 10 | `flake8 --max-line-length 88 --extend-ignore E203,W503` "
        "reports nothing. |",
        row_zh="| flake8 | 10 | `flake8 --max-line-length 88 --extend-ignore E203,W503` "
        "没有任何报告。 |",
        switch_off_en="flake8 ignores `# noqa` and `# flake8: noqa`",
        switch_off_zh="flake8 会忽略 `# noqa` 和 `# flake8: noqa`",
    ),
)
