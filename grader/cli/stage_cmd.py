"""`grader stage check N`: the exit criteria of a stage, judged in the student's repository."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from grader.cli.options import repo_option
from grader.cli.student import pack_from
from grader.errors import EXIT_FAIL, EXIT_PASS
from grader.progress import resolve_repo
from grader.stages import check_stage
from grader.stages.render import print_stage_report


@click.group("stage")
def stage_group() -> None:
    """Stage exit criteria (检验标准) of the four-stage learning path."""


@stage_group.command(
    "check",
    epilog="Example: grader stage check 1 --repo ~/portfolio --json\n\n"
    "Exit codes: 0 every automatic criterion passes, 1 some do not, "
    "2 bad stage number or unreadable repository.",
)
@click.argument("stage", type=click.IntRange(1, 4))
@repo_option()
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON (for CI)."
)
@click.pass_context
def check_command(
    ctx: click.Context, stage: int, repo: Path | None, as_json: bool
) -> None:
    """Check the exit criteria of STAGE (1-4): each shows pass or fail, what was found and
    the next step. Criteria no program can judge are listed as self-assessment, not counted.
    """
    report = check_stage(stage=stage, repo=resolve_repo(repo), pack=pack_from(ctx))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_stage_report(Console(), report)
    sys.exit(EXIT_PASS if report.passed else EXIT_FAIL)


__all__ = ["stage_group"]
