"""`grader progress`: every exercise of the pack with the student's best score and attempts."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader.cli.student import pack_from
from grader.errors import GraderError
from grader.progress import collect_progress, resolve_repo
from grader.progress.html_report import write_html_report
from grader.cli.options import repo_option
from grader.progress.terminal import print_progress


class ReportWriteError(GraderError):
    """The HTML report could not be written where asked."""


@click.command(
    "progress",
    epilog="Example: grader progress --html progress.html\n\n"
    "Exit codes: 0 the report was shown, 2 the repository or the report file is unusable.",
)
@repo_option()
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a self-contained HTML report with charts (works offline).",
)
@click.pass_context
def progress_command(
    ctx: click.Context, repo: Path | None, html_path: Path | None
) -> None:
    """Show best score, attempts, last status and time per exercise, stage by stage."""
    report = collect_progress(repo=resolve_repo(repo), pack=pack_from(ctx))
    print_progress(Console(), report)
    if sum(len(e.workspaces) for e in report.exercises) <= 1:
        click.echo(
            f"Only {'one workspace was' if report.exercises else 'no workspace was'} "
            f"found under {report.repo}. Run `grader progress` in the folder that holds "
            "your exercise folders (the one you ran `grader start` in), or pass --repo.",
            err=True,
        )
    if html_path is not None:
        try:
            write_html_report(report, html_path)
        except OSError as exc:
            raise ReportWriteError(
                f"cannot write {html_path} ({exc.strerror or exc}); choose another file"
            ) from None
        click.echo(f"HTML report written: {html_path}")


__all__ = ["progress_command"]
