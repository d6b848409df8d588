"""`grader worker`: a Celery worker that grades the class server's jobs on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import click

from grader.cli.class_cmd import data_dir_option, server_settings
from grader.cli.student import backend_with_warning, require_server_isolation
from grader.errors import GraderError
from grader.cli.options import allow_reduced_option, backend_option


@click.command(
    "worker",
    epilog="Example: DATABASE_URL=postgresql://grader:PW@db/grader "
    "GRADER_BROKER_URL=redis://queue:6379/0 grader worker --concurrency 2",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Submissions graded at once (default: the number of CPUs, at most 4).",
)
@backend_option(
    help="Where to grade: docker (this machine's engine), bwrap, local (not a "
    "sandbox), or auto."
)
@allow_reduced_option()
@click.option(
    "--broker",
    envvar="GRADER_BROKER_URL",
    default=None,
    help="The Redis broker the server sends jobs to (env: GRADER_BROKER_URL; "
    "default redis://localhost:6379/0).",
)
@click.option(
    "--loglevel",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
    help="How much the worker logs.",
)
@data_dir_option
@click.pass_context
def worker_command(
    ctx: click.Context,
    concurrency: int | None,
    backend: str,
    allow_reduced: bool,
    broker: str | None,
    loglevel: str,
    data_dir: Path,
) -> None:
    """Grade the jobs of a server started with GRADER_QUEUE=celery, on this machine.

    The worker reads jobs from the broker and writes scorecards to the server's database:
    set DATABASE_URL to the same database as the server (PostgreSQL when the worker runs
    on another machine; without it, the SQLite file in --data-dir). Run one per grading
    machine, with the same exercise pack as the server (--exercises).
    """
    settings = server_settings(
        data_dir,
        exercises_dir=(ctx.obj or {}).get("exercises_dir"),
        broker_url=broker,
        allow_reduced_isolation=allow_reduced or None,
    )
    try:
        from grader.leaderboard.celery_queue import run_worker
    except ImportError as exc:
        raise GraderError(
            f"the grading worker needs more packages ({exc.name} is missing); "
            "install them with: pip install 'grader-harness[server]'"
        ) from None
    from grader.leaderboard.db import open_database
    from grader.leaderboard.exercises import load_catalog

    load_catalog(settings.exercises_dir)  # a broken pack fails here, not per job
    open_database(settings.db_url).close()  # migrated, reachable: say so now
    runner = backend_with_warning(backend)
    require_server_isolation(runner, settings.allow_reduced_isolation)
    workers = concurrency or min(os.cpu_count() or 1, 4)
    click.echo(
        f"Grading jobs from {settings.broker_url} with {workers} processes "
        f"({runner.name} backend); Ctrl-C stops",
        err=True,
    )
    run_worker(
        settings, backend=runner.name, concurrency=workers, loglevel=loglevel.upper()
    )


__all__ = ["worker_command"]
