"""The `grader` command line. Commands are thin: parse, call one function, render."""

from __future__ import annotations

from pathlib import Path

import click

from grader import __version__
from grader.cli.authoring import exercises_group
from grader.cli.ci_cmd import ci_command, init_group
from grader.cli.class_cmd import class_group
from grader.cli.class_course_cmd import COURSE_COMMANDS
from grader.cli.export_cmd import exercism_run_command, export_command
from grader.cli.mutate_cmd import mutate_command
from grader.cli.pack_cmd import pack_group
from grader.cli.progress_cmd import progress_command
from grader.cli.runner_cmd import runner_group
from grader.cli.serve_cmd import serve_command
from grader.cli.stage_cmd import stage_group
from grader.cli.status_cmd import status_command
from grader.cli.teacher import batch_command
from grader.cli.worker_cmd import worker_command
from grader.cli.student import (
    list_command,
    schema_command,
    start_command,
    submit_command,
    test_command,
)
from grader.errors import EXIT_USAGE, GraderError
from grader.files import FileWriteError

# `grader --help` lists a student's commands first, in the order of their work; the rest
# (teaching, running a class, CI and other tools) after. A command in neither is listed last.
STUDENT_COMMANDS = ("list", "start", "test", "submit", "status", "progress", "stage")
TEACHER_COMMANDS = (
    "batch",
    "class",
    "serve",
    "worker",
    "exercises",
    "pack",
    "runner",
    "ci",
    "init",
    "export",
    "exercism-run",
    "schema",
)


class GraderGroup(click.Group):
    """The command group: a refused or failed write (a link in the way, a full disk) is a
    user's error (one line, exit 2)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except FileWriteError as exc:
            raise GraderError(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = STUDENT_COMMANDS + TEACHER_COMMANDS
        rest = sorted(n for n in self.commands if n not in known)
        return [n for n in known if n in self.commands] + rest

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        width = formatter.width - 6 - max(len(n) for n in self.commands)
        sections = (
            ("Student commands", [n for n in STUDENT_COMMANDS if n in self.commands]),
            (
                "Teacher, class and CI commands",
                [n for n in self.list_commands(ctx) if n not in STUDENT_COMMANDS],
            ),
        )
        for title, names in sections:
            rows = [
                (name, self.commands[name].get_short_help_str(limit=width))
                for name in names
                if not self.commands[name].hidden
            ]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


@click.group(
    cls=GraderGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: grader list --stage 1; grader start grade-book; grader submit",
)
@click.option(
    "--exercises",
    "exercises_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GRADER_EXERCISES",
    default=None,
    help="Exercise pack to use instead of the bundled one (env: GRADER_EXERCISES).",
)
@click.version_option(__version__, prog_name="grader")
@click.pass_context
def cli(ctx: click.Context, exercises_dir: Path | None) -> None:
    """Grade Python exercises: hidden tests, flake8, black and coverage, in a sandbox.

    \b
    Exit codes: 0 passed (or nothing to grade), 1 graded and not passed,
    2 usage error or harness fault (nothing was graded).
    """
    ctx.obj = {"exercises_dir": exercises_dir}


for command in (
    list_command,
    start_command,
    test_command,
    submit_command,
    schema_command,
):
    cli.add_command(command)
exercises_group.add_command(mutate_command)
cli.add_command(exercises_group)
cli.add_command(pack_group)
cli.add_command(runner_group)
cli.add_command(batch_command)
cli.add_command(ci_command)
cli.add_command(init_group)
cli.add_command(serve_command)
cli.add_command(worker_command)
for command in COURSE_COMMANDS:
    class_group.add_command(command)
cli.add_command(class_group)
cli.add_command(status_command)
cli.add_command(export_command)
cli.add_command(exercism_run_command)
cli.add_command(progress_command)
cli.add_command(stage_group)


def main() -> None:
    cli(prog_name="grader")


__all__ = ["EXIT_USAGE", "cli", "main"]
