"""`grader status --server URL --token T`: a student's grades, deadlines and regrades."""

from __future__ import annotations

import json

import click


@click.command(
    "status",
    epilog="Example: grader status --server http://class.lan:8000 --token grt_...",
)
@click.option(
    "--server",
    envvar="GRADER_SERVER",
    required=True,
    help="Your class's server (env: GRADER_SERVER).",
)
@click.option(
    "--token",
    envvar="GRADER_TOKEN",
    required=True,
    help="Your token, from your teacher (env: GRADER_TOKEN).",
)
@click.option("--json", "as_json", is_flag=True, help="The server's answer as JSON.")
def status_command(server: str, token: str, as_json: bool) -> None:
    """Your work on the class server: each exercise's grade and deadline, your
    submissions, and any regrade that changed a score (with its reason)."""
    from grader.leaderboard.client import fetch_status, status_lines

    view = fetch_status(server=server, token=token)
    if as_json:
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    for line in status_lines(view):
        click.echo(line)


__all__ = ["status_command"]
