"""`grader serve`: the class server, with no other service needed."""

from __future__ import annotations

import os
from pathlib import Path

import click

from grader.catalog import ExercisePack
from grader.cli.class_cmd import data_dir_option, server_settings
from grader.cli.student import backend_with_warning, require_server_isolation
from grader.cli.options import allow_reduced_option, backend_option

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command(
    "serve",
    epilog="Example: grader serve --host 0.0.0.0 --port 8000 --workers 2\n\n"
    "First: grader class init; grader class import roster.csv. Students sign in at "
    "http://HOST:8000/ and run grader submit --server http://HOST:8000 --token TOKEN",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 for the whole network).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Submissions graded at once (default: the number of CPUs, at most 4).",
)
@backend_option(help="Where to grade: docker, bwrap, local (not a sandbox), or auto.")
@allow_reduced_option()
@data_dir_option
@click.option(
    "--pseudonyms",
    is_flag=True,
    help="Show only pseudonyms on the page and in the API, to the teacher too.",
)
@click.option(
    "--public-board",
    is_flag=True,
    help="Let anyone read the board without signing in (pseudonyms only; env: "
    "GRADER_PUBLIC_BOARD=1). By default every page needs a signed-in user.",
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="Send the sign-in cookie without Secure, for plain HTTP on a trusted LAN "
    "(env: GRADER_INSECURE_COOKIES=1); behind HTTPS, leave it off.",
)
@click.pass_context
def serve_command(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int | None,
    backend: str,
    allow_reduced: bool,
    data_dir: Path,
    pseudonyms: bool,
    public_board: bool,
    insecure_cookies: bool,
) -> None:
    """Run the class server: submissions API, grading queue and leaderboard page.

    Create the class first with `grader class init` (a first start in an empty data dir
    makes one and says where its teacher token is). The database (SQLite in --data-dir,
    or DATABASE_URL) is migrated at start, and submissions queued or being graded when
    the server last stopped are graded now.
    """
    settings = server_settings(
        data_dir,
        exercises_dir=(ctx.obj or {}).get("exercises_dir"),
        backend=backend,
        workers=workers if workers is not None else min(os.cpu_count() or 1, 4),
        force_pseudonyms=pseudonyms or None,
        allow_reduced_isolation=allow_reduced or None,
        public_board=public_board or None,
        secure_cookies=False if insecure_cookies else None,
    )
    # The server grades with the hidden suites: refuse a students' edition before a class
    # is made or anything listens.
    ExercisePack(settings.exercises_dir).require_full("grade on the class server")
    import uvicorn

    from grader.leaderboard.app import create_app
    from grader.leaderboard.classroom import ensure_class

    runner = backend_with_warning(backend)
    if settings.queue != "celery" and settings.workers:
        require_server_isolation(runner, settings.allow_reduced_isolation)
    if not runner.sandboxed and host not in LOOPBACK:
        click.secho(
            "WARNING: grading without a sandbox on a network address: student code "
            "runs with your permissions",
            fg="yellow",
            bold=True,
            err=True,
        )
    token_file = ensure_class(settings)
    if token_file is not None:
        click.secho(
            f"A new, empty class in {settings.data_dir.resolve()}: the teacher token is "
            f"in {token_file}. Not the class you meant? Stop, and pass --data-dir (or "
            "GRADER_DATA_DIR) of your class.",
            fg="yellow",
            err=True,
        )
    app = create_app(settings, backend=runner)
    from grader.leaderboard.private import exposure_warnings

    for line in exposure_warnings(settings):
        click.secho(line, fg="yellow", err=True)
    grading = (
        "grading on `grader worker` machines (GRADER_QUEUE=celery)"
        if settings.queue == "celery"
        else f"{settings.workers} workers, {runner.name} backend"
    )
    click.echo(
        f"Serving the leaderboard on http://{host}:{port}/ ({grading}); Ctrl-C stops"
    )
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["serve_command"]
