"""The instructor's commands: batch."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from grader.batch import StudentResult, default_out_dir, find_students, grade_batch
from grader.cli.student import pack_from
from grader.errors import EXIT_PASS
from grader.runner import require_isolation
from grader.text_escape import terminal_markup
from grader.cli.student import backend_with_warning
from grader.cli.options import allow_reduced_option, backend_option

EXIT_INTERRUPTED = 130  # the shell's convention for "stopped by Ctrl-C"


@click.command(
    "batch",
    epilog="Example: grader batch submissions/ --exercise stage1/grade-book --jobs 4\n\n"
    "Exit codes: 0 the batch ran (whatever the students scored), 2 usage error, "
    "130 interrupted (what was graded is kept).",
)
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--exercise", "slug", required=True, help="The exercise every submission is for."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Where the grades go (default: DIR/../<dirname>-grades).",
)
@backend_option()
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Submissions graded at once (default: the number of CPUs).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Grade everyone again, replacing the grades in --out (without it, a batch run "
    "again keeps the students it already graded).",
)
@allow_reduced_option()
@click.pass_context
def batch_command(
    ctx: click.Context,
    directory: Path,
    slug: str,
    out_dir: Path | None,
    backend: str,
    jobs: int | None,
    overwrite: bool,
    allow_reduced: bool,
) -> None:
    """Grade a folder of submissions: one sub-folder per student, named after the student.

    Writes OUT/grades.csv (student, exercise, score, max_score, status, message,
    isolation),
    OUT/summary.json and every scorecard as OUT/scorecards/<student>.json. A submission
    that breaks the grader is an error row; the batch goes on. Run again after a stop, it
    keeps the students already graded and grades the rest.
    """
    exercise = pack_from(ctx).get(slug)
    out = out_dir or default_out_dir(directory)
    total = len(find_students(directory, out))  # before the backend: Docker may be slow
    runner = backend_with_warning(backend)
    level, _ = require_isolation(runner, exercise, allow_reduced=allow_reduced)
    err = Console(stderr=True)
    if level != "full":
        err.print(
            f"[yellow]warning:[/yellow] grading with {level} isolation "
            "(--allow-reduced-isolation): grades.csv marks every row",
            soft_wrap=True,
        )
    if not runner.sandboxed:
        err.print(
            "[yellow]warning:[/yellow] the local backend is not a sandbox; "
            "student code runs with your permissions",
            soft_wrap=True,
        )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as bar:
        task = bar.add_task("grading", total=total)

        def advance(result: StudentResult) -> None:
            bar.update(task, advance=1, description=progress_description(result))

        summary = grade_batch(
            directory,
            exercise=exercise,
            backend=runner,
            out_dir=out,
            jobs=jobs or os.cpu_count() or 1,
            progress=advance,
            overwrite=overwrite,
            allow_reduced=allow_reduced,
        )
    counts = ", ".join(f"{n} {status}" for status, n in summary.counts.items())
    click.echo(
        f"Graded {len(summary.results)} of {summary.students} students on "
        f"{summary.exercise} ({summary.backend}, {summary.duration:.1f} s): {counts}; "
        f"mean {_score(summary.mean)}, median {_score(summary.median)}"
    )
    if summary.kept:
        click.echo(
            f"  kept {summary.kept} student(s) graded by an earlier run in {out} "
            "(--overwrite grades everyone again)"
        )
    click.echo(f"  grades: {out / 'grades.csv'}")
    if summary.interrupted:
        click.echo(
            "Interrupted: the students not listed in grades.csv were not graded."
        )
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_PASS)


def progress_description(result: StudentResult) -> str:
    """The progress bar's label (rich markup): the folder name shown as text, on one line."""
    name = terminal_markup(result.student, one_line=True)
    return f"kept {name} (graded before)" if result.kept else f"graded {name}"


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


__all__ = ["batch_command"]
