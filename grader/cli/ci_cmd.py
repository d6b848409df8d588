"""`grader ci` (grade a repository's workspaces in CI) and `grader init ci` (its workflow)."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from grader.ci import (
    DEFAULT_OUT,
    CiRun,
    annotations_for,
    append_summary,
    default_repo,
    github_command,
    grade_repository,
    plain_line,
    write_workflow,
)
from grader.ci.summary import append_error
from grader.ci.install_source import install_source
from grader.cli.student import backend_with_warning, pack_from
from grader.errors import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, GraderError
from grader.i18n.catalog import ci_language, say
from grader.text_escape import inert_lines
from grader.cli.options import backend_option, repo_option

CI_EPILOG = """\b
Examples:
  grader ci                          grade every workspace in this repository
  grader ci --changed origin/main    only those changed since origin/main

\b
Exit codes: 0 every graded exercise passed, or nothing needed grading;
1 an exercise did not pass; 2 usage error or harness fault.
Under GitHub Actions (GITHUB_ACTIONS=true) problems are printed as annotations and a
summary is appended to $GITHUB_STEP_SUMMARY."""


@click.command("ci", epilog=CI_EPILOG)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The repository whose exercise workspaces are graded.",
)
@click.option(
    "--changed",
    "changed_since",
    metavar="REF",
    default=None,
    help="Only workspaces with files changed since the git ref REF "
    "(git diff REF...HEAD, plus uncommitted and new files).",
)
@backend_option()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for a copy of every scorecard, to upload as an artifact "
    "(default: REPO/grader-scorecards).",
)
@click.option(
    "--server", metavar="URL", default=None, help="Let the class server grade instead."
)
@click.option(
    "--token",
    envvar="GRADER_TOKEN",
    default=None,
    help="Your token for --server (env: GRADER_TOKEN).",
)
@click.pass_context
def ci_command(
    ctx: click.Context,
    repo: Path,
    changed_since: str | None,
    backend: str,
    out: Path | None,
    server: str | None,
    token: str | None,
) -> None:
    """Grade the exercise workspaces of a repository: for GitHub Actions and any CI.

    Each scorecard is saved in its workspace and copied into --out.
    """
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    try:
        run = grade_repository(
            repo=repo,
            changed_since=changed_since,
            out=out,
            pack=pack_from(ctx),
            backend=lambda: backend_with_warning(backend),
            server=server or None,
            token=token,
            progress=lambda line: click.echo(inert_lines(line), err=True),
        )
    except GraderError as exc:
        # In the CI's language (GRADER_LANG), as the summary and annotations speak.
        text = exc.message if exc.said is None else say(exc.said, ci_language())
        if summary:
            append_error(Path(summary), text)
        # The message may quote the student (an exercise named in their marker): no line
        # of it may be a workflow command.
        exc.message, exc.said = inert_lines(text), None
        raise
    except Exception:
        # A harness fault, not a failing exercise: exit 2 so CI can tell them apart.
        click.echo(inert_lines(traceback.format_exc()), err=True, nl=False)
        if summary:
            append_error(Path(summary), "grader crashed; see the job log")
        click.secho("grader ci: internal error (above)", fg="red", err=True)
        sys.exit(EXIT_USAGE)
    out_name = _shown(out or repo / DEFAULT_OUT, run.root)
    if summary:
        append_summary(Path(summary), run, out_name=out_name)
    if not run.graded:
        since = f" changed since {changed_since}" if changed_since else ""
        click.echo(
            f"Nothing to grade: no exercise workspace{since} ({run.found} found)."
        )
        sys.exit(EXIT_PASS)
    _print_annotations(run, github=os.environ.get("GITHUB_ACTIONS") == "true")
    passed = sum(g.card.status == "pass" for g in run.graded)
    click.echo(
        f"{passed} of {len(run.graded)} exercises passed; scorecards in {out_name}/"
    )
    sys.exit(EXIT_PASS if run.passed else EXIT_FAIL)


def _print_annotations(run: CiRun, *, github: bool) -> None:
    for graded in run.graded:
        for note in annotations_for(graded):
            click.echo(github_command(note) if github else plain_line(note))


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


@click.group("init")
def init_group() -> None:
    """Set a repository up for grader."""


@init_group.command(
    "ci",
    epilog="Examples:\n\n\b\n  grader init ci && git add .github .gitignore\n"
    "  grader init ci --gitlab --install-from 'grader-harness==0.1.0'",
)
@repo_option(
    help="Repository root (default: the git repository holding the current folder)."
)
@click.option(
    "--install-from",
    "spec",
    metavar="SPEC",
    default=None,
    help="The pip requirement CI installs grader from (default: where this grader "
    "came from: NAME==VERSION from PyPI, or the git or wheel URL it was installed from).",
)
@click.option(
    "--gitlab", is_flag=True, help="Write .gitlab-ci.yml for GitLab CI instead."
)
@click.option("--force", is_flag=True, help="Replace an existing workflow file.")
def init_ci_command(
    repo: Path | None, spec: str | None, gitlab: bool, force: bool
) -> None:
    """Write .github/workflows/grader.yml (GitHub Actions) or .gitlab-ci.yml (--gitlab):
    CI runs `grader ci` on every push; grader-scorecards/ goes into .gitignore."""
    path = write_workflow(
        repo=repo or default_repo(Path.cwd()),
        force=force,
        spec=install_source() if spec is None else spec,
        gitlab=gitlab,
    )
    click.echo(f"Wrote {path}")
    added = ".gitlab-ci.yml" if gitlab else ".github/workflows/grader.yml"
    click.echo(
        f"  git add {added} .gitignore && git commit -m 'Grade in CI' && git push"
    )


__all__ = ["ci_command", "init_group"]
