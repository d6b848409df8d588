"""black --check over every submitted Python file, with the exercise's line length only."""

from __future__ import annotations

import difflib

from grader.catalog.model import CheckConfig
from grader.i18n.message import msg
from grader.graders.base import CheckContext, result
from grader.registry.declaration import (
    CheckDeclaration,
    Markdown,
    Presentation,
    Problem,
    Scaffold,
    StageHint,
    TerminalLine,
    error_problems,
    message_of,
)
from grader.graders.pragmas import black_pragmas
from grader.scorecard.caps import DIFF_CHARS, cap_text
from grader.scorecard.model import CheckResult

MAX_PRAGMAS = 50
DIFF_LINES = 12  # of the diff, shown in the terminal


def run(ctx: CheckContext, config: CheckConfig) -> CheckResult:
    # In-process: the submission's pyproject.toml [tool.black] never applies, and one
    # interpreter start is saved. Imported here so that starting the entrypoint stays cheap.
    import black

    mode = black.Mode(line_length=int(config.options.get("line_length", 88)))
    unformatted: list[str] = []
    unparsable: list[str] = []
    diffs: list[str] = []
    pragmas: list[dict[str, object]] = []
    for rel in ctx.python_files:
        source = (ctx.submission / rel).read_text(encoding="utf-8")
        # Refused rather than honoured: code under them would pass unformatted.
        pragmas += [
            {"path": rel, "line": p.line, "pragma": p.text, "why": p.why}
            for p in black_pragmas(source)
        ]
        try:
            formatted = black.format_file_contents(source, fast=False, mode=mode)
        except black.NothingChanged:
            continue
        except black.InvalidInput:
            unparsable.append(rel)
            continue
        unformatted.append(rel)
        diffs.append(
            "".join(
                difflib.unified_diff(
                    source.splitlines(keepends=True),
                    formatted.splitlines(keepends=True),
                    fromfile=f"{rel} (yours)",
                    tofile=f"{rel} (black)",
                )
            )
        )
    details = {
        "files": unformatted + unparsable,
        "diff": cap_text("".join(diffs), DIFF_CHARS),
    }
    if unparsable:
        return result(
            "black",
            "fail",
            config.weight,
            message=msg(
                "black cannot parse {files}: fix the syntax error first",
                files=", ".join(unparsable),
            ),
            details=details,
        )
    if pragmas:
        first = pragmas[0]
        more = msg(" (and {count} more)", count=len(pragmas) - 1)
        return result(
            "black",
            "fail",
            config.weight,
            message=msg(
                "{path}:{line}: `{pragma}` is not allowed: {why}, and every line must "
                "be formatted{more}; remove it and run `black .`",
                path=first["path"],
                line=first["line"],
                pragma=first["pragma"],
                why=first["why"],
                more=more if len(pragmas) > 1 else "",
            ),
            details={
                **details,
                "files": sorted({*details["files"], *(p["path"] for p in pragmas)}),
                "pragmas": pragmas[:MAX_PRAGMAS],
            },
        )
    if unformatted:
        return result(
            "black",
            "fail",
            config.weight,
            message=msg(
                "{count} file(s) would be reformatted: {files}; "
                "run `black .` in your workspace",
                count=len(unformatted),
                files=", ".join(unformatted),
            ),
            details=details,
        )
    return result(
        "black", "pass", config.weight, message=msg("formatted"), details=details
    )


# ---- how the check shows what it found ---------------------------------------------


def terminal(check: CheckResult) -> list[TerminalLine]:
    diff = check.details.get("diff") or ""
    return [
        TerminalLine("  " + line, style="dim")
        for line in diff.splitlines()[:DIFF_LINES]
    ]


def summary(check: CheckResult, md: Markdown) -> list[str]:
    if check.status == "pass":
        return []
    return [f"**black**: {md.text(md.first_line(md.stored(check)))}", ""]


def problems(check: CheckResult, slug: str) -> list[Problem]:
    found = []
    if check.status != "pass":
        found = [
            Problem("black", message_of(check), name)
            for name in check.details.get("files", [])
        ]
    return found + error_problems(check, slug)


def report(check: CheckResult) -> list[str]:
    diff = check.details.get("diff")
    return [diff] if diff else []


DECLARATION = CheckDeclaration(
    id="black",
    title="black formatting",
    title_zh="black 格式化",
    runs_in="sandbox",
    run=run,
    details_schema={
        "type": "object",
        "required": ["files", "diff"],
        "properties": {
            "files": {"type": "array", "items": {"type": "string"}},
            "diff": {"$ref": "#/$defs/text"},
        },
    },
    options_schema={
        "line_length": {"type": "integer", "minimum": 40, "maximum": 200},
    },
    empty_details=lambda config: {"files": [], "diff": ""},
    tools=("black==26.10.1",),
    modules=("black",),
    present=Presentation(
        terminal=terminal, summary=summary, annotations=problems, report=report
    ),
    stage=StageHint("black ."),
    scaffold=Scaffold(
        toml="[checks.black]\nweight = 10\nline_length = 88\n",
        row_en="| black | 10 | `black --check --line-length 88` would change nothing. |",
        row_zh="| black | 10 | `black --check --line-length 88` 不需要做任何修改。 |",
        switch_off_en="black fails on `# fmt: off`, `# fmt: skip` and `# yapf: disable`",
        switch_off_zh="black 遇到 `# fmt: off`、`# fmt: skip` 或 `# yapf: disable` "
        "直接判为不通过",
    ),
)
