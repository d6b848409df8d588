"""The student's commands: list, start, test, submit, schema."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.cli.checklist import print_checklist
from grader.cli.feedback import next_step, start_lines
from grader.cli.live_progress import grading_progress
from grader.cli.exercise_list import print_exercises
from grader.cli.render import FAILURES_SHOWN, print_scorecard
from grader.errors import EXIT_FAIL, EXIT_PASS, GraderError
from grader.i18n.catalog import reader_language, translator
from grader.i18n.message import Message
from grader.progress.collect import collect_progress
from grader.pipeline import grade_workspace
from grader.cli.options import backend_option
from grader.runner import Backend, NoSandboxWarning, get_backend, require_isolation
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard
from grader.self_check import practice_run, self_check
from grader.workspace import (
    Workspace,
    find_workspace,
    run_visible_tests,
    save_scorecard,
    start_workspace,
    wait_for_change,
)


def backend_with_warning(name: str) -> Backend:
    """The backend; a fall-back to no sandbox is said loudly on stderr, once."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NoSandboxWarning)
        runner = get_backend(name)
    for warning in caught:
        click.secho(f"WARNING: {warning.message}", fg="yellow", bold=True, err=True)
    return runner


def require_server_isolation(runner: Backend, allow_reduced: bool) -> None:
    """Refuse a server's grading below full isolation unless allowed; say so when allowed."""
    level, _ = require_isolation(runner, None, allow_reduced=allow_reduced)
    if level != "full":
        click.secho(
            f"Grading with {level} isolation, allowed by --allow-reduced-isolation: "
            "every such score is marked on the board and in the export",
            fg="yellow",
            err=True,
        )


def pack_from(ctx: click.Context) -> ExercisePack:
    return ExercisePack(ctx.obj.get("exercises_dir") if ctx.obj else None)


@click.command("list", epilog="Example: grader list --stage 2 --json")
@click.option("--stage", type=click.IntRange(1, 4), help="Only this stage (1-4).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON array instead of a table."
)
@click.pass_context
def list_command(ctx: click.Context, stage: int | None, as_json: bool) -> None:
    """List the exercises in the order of the learning path: title (English and
    Chinese), difficulty, and topics on a wide terminal."""
    exercises = [
        e for e in pack_from(ctx).exercises() if stage is None or e.stage == stage
    ]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "slug": e.slug,
                        "qualified_slug": e.qualified_slug,
                        "stage": e.stage,
                        "title": e.title_en,
                        "title_zh": e.title_zh,
                        "difficulty": e.difficulty,
                        "topics": list(e.topics),
                        "tasks": len(e.tasks),
                    }
                    for e in exercises
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    print_exercises(Console(), exercises)


@click.command("start", epilog="Example: grader start stage1/grade-book ~/grade-book")
@click.argument("slug")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.pass_context
def start_command(ctx: click.Context, slug: str, directory: Path | None) -> None:
    """Create a workspace for SLUG in DIRECTORY (default: ./<slug>).

    It holds the starter files, your visible tests and the instructions in English and
    Chinese. Existing work is never overwritten.
    """
    exercise = pack_from(ctx).get(slug)
    workspace = start_workspace(exercise, directory or Path(exercise.slug))
    lines = start_lines(exercise.qualified_slug, str(workspace.root), reader_language())
    click.echo("\n".join(lines))


@click.command(
    "test",
    context_settings={"ignore_unknown_options": True},
    epilog="Examples: grader test; grader test --fix; grader test --watch; "
    "grader test -- -k ranking (only pytest, with its own options)\n\n"
    "Exit codes: 0 every check passed, 1 a check did not pass, 2 usage error.",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--fix", is_flag=True, help="Let black format your files first.")
@click.option(
    "--watch", is_flag=True, help="Run the checks again each time you save a file."
)
@click.pass_context
def test_command(
    ctx: click.Context, args: tuple[str, ...], fix: bool, watch: bool
) -> None:
    """Check your own work: your tests, flake8, black and coverage, as `grader submit`
    does, but locally and without the hidden tests. Options after `--` go to pytest,
    which then runs your tests alone."""
    directory, pytest_args = _directory_and_pytest_args(args)
    workspace = find_workspace(directory)
    exercise = workspace.exercise(pack_from(ctx))
    if pytest_args:
        code = run_visible_tests(workspace, exercise, pytest_args)
        sys.exit(EXIT_PASS if code == 0 else EXIT_FAIL)
    console = Console()
    while True:
        with grading_progress(enabled=True) as on_progress:
            card = self_check(
                workspace.root, exercise, fix=fix, on_progress=on_progress
            )
        ready = print_checklist(console, card, reader_language())
        if not watch:
            sys.exit(EXIT_PASS if ready else EXIT_FAIL)
        _ = translator(reader_language())
        console.print(
            Text(_("Waiting for a file to change (Ctrl+C stops) …"), style="dim")
        )
        wait_for_change(workspace.root, exercise.submitted_files)


def _directory_and_pytest_args(
    args: tuple[str, ...],
) -> tuple[Path, tuple[str, ...]]:
    """`[DIRECTORY] [-- PYTEST_ARGS]`: a first argument that is a folder is the workspace."""
    if args and not args[0].startswith("-") and Path(args[0]).is_dir():
        return Path(args[0]), tuple(a for a in args[1:] if a != "--")
    return Path("."), tuple(a for a in args if a != "--")


@click.command(
    "submit",
    epilog="Example: grader submit --json > scorecard.json\n\n"
    "Exit codes: 0 passed, 1 not passed (the scorecard says why), 2 usage or harness error.",
)
@click.argument(
    "directory", required=False, default=".", type=click.Path(path_type=Path)
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print only the scorecard JSON on stdout."
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Show every failing test in full (by default the first 20).",
)
@backend_option()
@click.option(
    "--server",
    envvar="GRADER_SERVER",
    metavar="URL",
    help="Grade on your class's server instead of here (env: GRADER_SERVER).",
)
@click.option(
    "--token",
    envvar="GRADER_TOKEN",
    metavar="TOKEN",
    help="Your token for --server, from your teacher (env: GRADER_TOKEN).",
)
@click.pass_context
def submit_command(
    ctx: click.Context,
    directory: Path,
    as_json: bool,
    show_all: bool,
    backend: str,
    server: str | None,
    token: str | None,
) -> None:
    """Grade the workspace: hidden tests, flake8, black, coverage of your tests.

    With --server the class server grades it (and it counts on the leaderboard); the
    scorecard is saved under .grader/scorecards/ in the workspace either way. On a
    students' edition of a pack (no hidden suite) it grades a practice run: your tests
    and the engineering checks, never counted as a grade.
    """
    workspace = find_workspace(directory)
    pack = pack_from(ctx)
    if server:
        card = _submit_to_server(workspace, server=server, token=token)
    elif pack.is_student_edition:
        with grading_progress(enabled=not as_json) as on_progress:
            card = practice_run(
                workspace.root, workspace.exercise(pack), on_progress=on_progress
            )
    else:
        exercise = workspace.exercise(pack)
        runner = backend_with_warning(backend)
        with grading_progress(enabled=not as_json) as on_progress:
            card = grade_workspace(
                workspace.root,
                exercise=exercise,
                backend=runner,
                on_progress=on_progress,
            )
    path = save_scorecard(workspace, card)
    if as_json:
        click.echo(serialize.dumps(card), nl=False)
    else:
        console = Console()
        lang = reader_language()
        known = _exercise_or_none(workspace, pack)
        print_scorecard(
            console,
            card,
            failures_shown=None if show_all else FAILURES_SHOWN,
            lang=lang,
            exercise=known,
            next_step=(
                _next_step(workspace, pack, known)
                if card.status == "pass" and not card.practice
                else None
            ),
        )
        _ = translator(lang)
        saved = _("scorecard saved: {path}").format(path=path)
        console.print(Text(saved, style="dim"))
    sys.exit(EXIT_PASS if card.status == "pass" else EXIT_FAIL)


def _exercise_or_none(workspace: Workspace, pack: ExercisePack) -> Exercise | None:
    try:
        return workspace.exercise(pack)
    except GraderError:
        return None


def _next_step(
    workspace: Workspace, pack: ExercisePack, exercise: Exercise | None
) -> Message | None:
    """What comes after a pass, from the saved scorecards of the workspaces beside this one."""
    if exercise is None:
        return None
    try:
        report = collect_progress(
            repo=workspace.root.parent, pack=pack, stage=exercise.stage
        )
        passed = {e.slug for e in report.exercises if any(a.passed for a in e.attempts)}
    except (OSError, GraderError):
        passed = set()
    return next_step(exercise, pack.exercises(), passed)


def _submit_to_server(
    workspace: Workspace, *, server: str, token: str | None
) -> Scorecard:
    """The server's scorecard, with its progress on stderr (stdout stays the result)."""
    if not token:
        raise GraderError(
            "--server needs your token: pass --token TOKEN or set GRADER_TOKEN "
            "(your teacher gives it to you)"
        )
    from grader.leaderboard.client import submit_to_server

    def progress(line: str) -> None:
        click.echo(f"  {line}", err=True)

    return submit_to_server(
        server=server,
        token=token,
        slug=workspace.slug,
        workspace=workspace.root,
        progress=progress,
    )


@click.command("schema", epilog="Example: grader schema > scorecard.schema.json")
def schema_command() -> None:
    """Print the JSON Schema of the scorecard."""
    click.echo(json.dumps(serialize.scorecard_schema(), indent=2))


__all__ = [
    "list_command",
    "schema_command",
    "start_command",
    "submit_command",
    "test_command",
]
