"""The teacher's course commands under `grader class`: time zone, deadlines, extensions,
regrade all, the gradebook export and the similarity report."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.class_cmd import data_dir_option, server_settings


def _settings(ctx: click.Context, data_dir: Path) -> object:
    root = ctx.find_root()
    return server_settings(
        data_dir, exercises_dir=(root.obj or {}).get("exercises_dir")
    )


@click.command("timezone", epilog="Example: grader class timezone Asia/Shanghai")
@click.argument("name")
@data_dir_option
def timezone_command(name: str, data_dir: Path) -> None:
    """Set the class's time zone (IANA NAME): deadlines are written and shown in it."""
    from grader.leaderboard.course_admin import set_timezone

    click.echo(
        f"The class's time zone is {set_timezone(server_settings(data_dir), name)}."
    )


@click.command(
    "deadline",
    epilog="Example: grader class deadline stage1/grade-book --due '2026-10-01 23:59' "
    "--late-days 3 --penalty-per-day 10",
)
@click.argument("exercise", required=False)
@click.option(
    "--stage", type=int, help="The rule of a whole stage instead of one exercise."
)
@click.option(
    "--due", required=True, help="Due date: 'YYYY-MM-DD HH:MM' in the class's zone."
)
@click.option("--opens", help="Opening date: submissions before it are refused.")
@click.option(
    "--late-days",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Days after the due date late work is still accepted; then it is closed.",
)
@click.option(
    "--penalty-per-day",
    type=click.FloatRange(0, 100),
    default=0.0,
    show_default=True,
    help="Percent taken off a late grade per started day.",
)
@click.option(
    "--late-cap",
    type=click.FloatRange(0, 100),
    help="A late grade is at most this percent of the maximum.",
)
@data_dir_option
@click.pass_context
def deadline_command(
    ctx: click.Context,
    exercise: str | None,
    stage: int | None,
    due: str,
    opens: str | None,
    late_days: float,
    penalty_per_day: float,
    late_cap: float | None,
    data_dir: Path,
) -> None:
    """Set the dates and late policy of EXERCISE (or of a whole --stage)."""
    from grader.leaderboard.course_admin import set_deadline

    row = set_deadline(
        _settings(ctx, data_dir),  # type: ignore[arg-type]
        exercise=exercise,
        stage=stage,
        due=due,
        opens=opens,
        late_days=late_days,
        penalty_per_day=penalty_per_day,
        late_cap=late_cap,
    )
    click.echo(
        f"{row.target}: opens {row.opens}, due {row.due}, closes {row.closes} ({row.late})"
    )


@click.command("deadlines", epilog="Example: grader class deadlines")
@data_dir_option
def deadlines_command(data_dir: Path) -> None:
    """List every deadline and late policy."""
    from grader.leaderboard.course_admin import list_deadlines

    rows = list_deadlines(server_settings(data_dir))
    if not rows:
        click.echo(
            "No deadlines yet; set one with `grader class deadline EXERCISE --due ...`."
        )
    for row in rows:
        click.echo(
            f"{row.target}\topens {row.opens}\tdue {row.due}\tcloses {row.closes}\t{row.late}"
        )


@click.command(
    "extend",
    epilog="Example: grader class extend 2024001 stage1/grade-book --until '2026-10-04 23:59'",
)
@click.argument("student")
@click.argument("exercise", required=False)
@click.option("--stage", type=int, help="Extend a whole stage's deadline instead.")
@click.option("--until", required=True, help="The student's own due date.")
@click.option("--reason", default="", help="Why (kept for the record).")
@data_dir_option
@click.pass_context
def extend_command(
    ctx: click.Context,
    student: str,
    exercise: str | None,
    stage: int | None,
    until: str,
    reason: str,
    data_dir: Path,
) -> None:
    """Give STUDENT (id) their own due date for EXERCISE (the late window follows it)."""
    from grader.leaderboard.course_admin import grant_extension

    click.echo(
        grant_extension(
            _settings(ctx, data_dir),  # type: ignore[arg-type]
            student=student,
            exercise=exercise,
            stage=stage,
            until=until,
            reason=reason,
        )
    )


@click.command(
    "regrade",
    epilog="Example: grader class regrade stage1/grade-book --reason 'test_empty fixed' --wait",
)
@click.argument("exercise")
@click.option(
    "--reason", required=True, help="Why: students see it when their score changes."
)
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Every submission, not only each student's latest.",
)
@click.option(
    "--wait", is_flag=True, help="Show the progress until every job is graded."
)
@data_dir_option
@click.pass_context
def regrade_command(
    ctx: click.Context,
    exercise: str,
    reason: str,
    every: bool,
    wait: bool,
    data_dir: Path,
) -> None:
    """Regrade EXERCISE for the whole class (after fixing a hidden test)."""
    from grader.leaderboard.classroom import wait_for_regrade
    from grader.leaderboard.course_admin import regrade_all

    settings = _settings(ctx, data_dir)
    started = regrade_all(
        settings,  # type: ignore[arg-type]
        exercise=exercise,
        scope="all" if every else "latest",
        reason=reason,
    )
    click.echo(
        f"Regrade {started.regrade_id}: {len(started.job_ids)} submissions queued"
        + (f", {started.skipped} already waiting" if started.skipped else "")
        + "; a running `grader serve` (or `grader worker`) grades them"
    )
    if wait and started.job_ids:
        state = wait_for_regrade(
            settings, started.regrade_id, click.echo, 3600  # type: ignore[arg-type]
        )
        failed = state["states"].get("error", 0)
        click.echo(
            f"{state['changed']} scores changed"
            + (
                f"; {failed} could not be graded (see the exercise's page)"
                if failed
                else ""
            )
        )


@click.command(
    "export",
    epilog="Example: grader class export --format canvas --template canvas.csv -o grades.csv",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["wide", "long", "canvas", "moodle"]),
    default="wide",
    show_default=True,
    help="wide: a row per student; long: every submission; canvas, moodle: for import.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="canvas: your Canvas gradebook export (it holds the assignment ids).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of to stdout.",
)
@data_dir_option
@click.pass_context
def export_command(
    ctx: click.Context,
    format_: str,
    template: Path | None,
    output: Path | None,
    data_dir: Path,
) -> None:
    """The gradebook as CSV, with grades under the deadline rules."""
    from grader.leaderboard.course_admin import gradebook

    settings = _settings(ctx, data_dir)
    made = gradebook(settings, format=format_, template=template)  # type: ignore[arg-type]
    for warning in made.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if output is None:
        click.echo(made.text, nl=False)
        return
    from grader.leaderboard.roster import write_private

    write_private(output, made.text)
    click.echo(f"Wrote {output}", err=True)


@click.command(
    "similarity", epilog="Example: grader class similarity stage1/grade-book"
)
@click.argument("exercise")
@data_dir_option
@click.pass_context
def similarity_command(ctx: click.Context, exercise: str, data_dir: Path) -> None:
    """Pairs of students whose latest submissions of EXERCISE share code."""
    from grader.leaderboard.course_admin import similarity

    pairs = similarity(_settings(ctx, data_dir), exercise)  # type: ignore[arg-type]
    if not pairs:
        click.echo("No pair of submissions shares enough code to list.")
    for pair in pairs:
        click.echo(
            f"{pair.similarity:4.0%}  {pair.left} <-> {pair.right}  "
            f"({pair.shared} shared fingerprints, {len(pair.fragments)} fragments)"
        )


COURSE_COMMANDS = (
    timezone_command,
    deadline_command,
    deadlines_command,
    extend_command,
    regrade_command,
    export_command,
    similarity_command,
)

__all__ = ["COURSE_COMMANDS"]
