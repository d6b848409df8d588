"""`grader export` and `grader exercism-run`: our scorecards for other graders."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.exercism_runner import (
    DEFAULT_RUN_SECONDS,
    DEFAULT_TEST_SECONDS,
    run_exercism,
)
from grader.cli.options import backend_option
from grader.scorecard.exports import FORMATS, export_file
from grader.files import write_atomic


@click.command(
    "export",
    epilog="Example: grader export --format junit .grader/scorecards/latest.json -o junit.xml"
    "\n\nExit codes: 0 exported (whatever the scorecard says), 2 not a valid scorecard.",
)
@click.argument(
    "scorecard", type=click.Path(dir_okay=True, path_type=Path), metavar="SCORECARD"
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="exercism (results.json v3), gradescope, prairielearn (results.json) or junit (XML).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (replaced atomically) instead of standard output.",
)
def export_command(scorecard: Path, fmt: str, output: Path | None) -> None:
    """Convert a saved SCORECARD (JSON) into another grader's result format."""
    text = export_file(scorecard=scorecard, fmt=fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        click.echo(f"{fmt} results written to {output}", err=True)


@click.command(
    "exercism-run",
    epilog="Example: grader exercism-run two-fer ./solution/ ./results/\n\n"
    "Writes OUTPUT_DIR/results.json (Exercism test-runner interface, version 3) and exits 0 "
    "whatever the solution does; exit 2 only when OUTPUT_DIR cannot be written.",
)
@click.argument("slug")
@click.argument("input_dir", type=click.Path(path_type=Path))
@click.argument("output_dir", type=click.Path(file_okay=False, path_type=Path))
@backend_option()
@click.option(
    "--test-seconds",
    type=click.FloatRange(min=0.1, max=600),
    default=DEFAULT_TEST_SECONDS,
    show_default=True,
    help="Time limit of each test.",
)
@click.option(
    "--run-seconds",
    type=click.FloatRange(min=1, max=3600),
    default=DEFAULT_RUN_SECONDS,
    show_default=True,
    help="Time limit of the whole run.",
)
def exercism_run_command(
    slug: str,
    input_dir: Path,
    output_dir: Path,
    backend: str,
    test_seconds: float,
    run_seconds: float,
) -> None:
    """Run Exercism's tests for SLUG on the solution in INPUT_DIR, as Exercism's runner does.

    \b
    The solution and its tests sit side by side in INPUT_DIR, named by
    INPUT_DIR/.meta/config.json (files.solution, files.test) or by the
    convention <slug_with_underscores>.py and <slug_with_underscores>_test.py.
    """
    outcome = run_exercism(
        slug=slug,
        input_dir=input_dir,
        output_dir=output_dir,
        backend=backend,
        test_seconds=test_seconds,
        run_seconds=run_seconds,
    )
    for line in outcome.warnings:
        click.secho(f"WARNING: {line}", fg="yellow", err=True)
    click.echo(f"{outcome.status}: results written to {outcome.path}", err=True)
    sys.exit(0)


__all__ = ["exercism_run_command", "export_command"]
