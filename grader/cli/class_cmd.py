"""The teacher's class commands: init, add-student, tokens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from grader.errors import GraderError

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(command: F) -> F:
    """--data-dir, the same for `grader serve` and `grader class`."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="GRADER_DATA_DIR",
        default=Path("grader-data"),
        show_default=True,
        help="Where the class's database and archives live (env: GRADER_DATA_DIR; "
        "DATABASE_URL overrides the database).",
    )(command)


def server_settings(data_dir: Path, **overrides: Any) -> Any:
    """Settings for the server, or one clear line when the server extra is missing."""
    try:
        from grader.leaderboard.settings import settings_from_env
        import grader.leaderboard.db  # noqa: F401  (SQLAlchemy and Alembic present?)
    except ImportError as exc:
        raise GraderError(
            f"the class server needs more packages ({exc.name} is missing); "
            "install them with: pip install 'grader[server]'"
        ) from None
    return settings_from_env(data_dir=data_dir, **overrides)


def echo_tokens(tokens: list[Any], what: str) -> None:
    click.echo(f"{what} (shown only now; the server keeps only a hash):")
    for issued in tokens:
        click.echo(f"  {issued.name}\t{issued.token}")


@click.group(
    "class", epilog="Example: grader class add-student 'Li Wei' --pseudonym owl"
)
def class_group() -> None:
    """Manage the class of `grader serve`: the teacher's token, students and their tokens."""


@class_group.command("init", epilog="Example: grader class init --data-dir ~/cs101")
@data_dir_option
def init_command(data_dir: Path) -> None:
    """Create the class and its teacher token (`grader serve` does this on first start)."""
    from grader.leaderboard.classroom import init_class

    issued = init_class(server_settings(data_dir))
    echo_tokens([issued], "Teacher token")


@class_group.command(
    "add-student", epilog="Example: grader class add-student 'Li Wei' --pseudonym owl"
)
@click.argument("name")
@click.option(
    "--pseudonym", help="Shown instead of the name where pseudonyms are asked for."
)
@data_dir_option
def add_student_command(name: str, pseudonym: str | None, data_dir: Path) -> None:
    """Add a student NAME and print their token (once)."""
    from grader.leaderboard.classroom import add_student

    issued = add_student(server_settings(data_dir), name=name, pseudonym=pseudonym)
    echo_tokens([issued], "Student token")


@class_group.command(
    "tokens", epilog="Example: grader class tokens --rotate 'Li Wei' --rotate-teacher"
)
@click.option(
    "--rotate",
    "names",
    multiple=True,
    metavar="NAME",
    help="Issue a new token for this student (the old one stops working); repeatable.",
)
@click.option("--rotate-all", is_flag=True, help="Issue new tokens for every student.")
@click.option("--rotate-teacher", is_flag=True, help="Issue a new teacher token.")
@data_dir_option
def tokens_command(
    names: tuple[str, ...], rotate_all: bool, rotate_teacher: bool, data_dir: Path
) -> None:
    """List the students, or issue new tokens. Tokens are shown once, when issued."""
    from grader.leaderboard.classroom import list_students, rotate_tokens

    settings = server_settings(data_dir)
    if names or rotate_all or rotate_teacher:
        issued = rotate_tokens(
            settings, names=names, every_student=rotate_all, teacher=rotate_teacher
        )
        echo_tokens(issued, "New tokens")
        return
    rows = list_students(settings)
    if not rows:
        click.echo("No students yet; add one with `grader class add-student NAME`.")
        return
    click.echo("student\tpseudonym\ttoken issued (UTC)\tsubmissions")
    for row in rows:
        issued_at = row.token_issued_at.strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{row.name}\t{row.pseudonym or '-'}\t{issued_at}\t{row.submissions}"
        )


__all__ = ["class_group", "data_dir_option", "server_settings"]
