"""black --check over every submitted Python file, with the exercise's line length only."""

from __future__ import annotations

import difflib

from grader.catalog.model import CheckConfig
from grader.graders.base import CheckContext, result
from grader.graders.pragmas import black_pragmas
from grader.scorecard.caps import DIFF_CHARS, cap_text
from grader.scorecard.model import CheckResult

MAX_PRAGMAS = 50


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
            message=f"black cannot parse {', '.join(unparsable)}: fix the syntax error first",
            details=details,
        )
    if pragmas:
        first = pragmas[0]
        more = f" (and {len(pragmas) - 1} more)" if len(pragmas) > 1 else ""
        return result(
            "black",
            "fail",
            config.weight,
            message=f"{first['path']}:{first['line']}: `{first['pragma']}` is not allowed: "
            f"{first['why']}, and every line must be formatted{more}; remove it and run "
            "`black .`",
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
            message=f"{len(unformatted)} file(s) would be reformatted: {', '.join(unformatted)}; "
            "run `black .` in your workspace",
            details=details,
        )
    return result("black", "pass", config.weight, message="formatted", details=details)
