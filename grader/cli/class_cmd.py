"""The teacher's class commands: init, the roster (import, students, add, disable, rename,
remove) and tokens. Every command but `init` works on an existing class only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from grader.errors import GraderError

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(command: F) -> F:
    """--data-dir, the same for `grader serve`, `grader worker` and `grader class`."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="GRADER_DATA_DIR",
        default=Path("grader-data"),
        show_default=True,
        help="Where the class's database and archives live (env: GRADER_DATA_DIR; "
        "DATABASE_URL overrides the database).",
    )(command)


def tokens_out_options(command: F) -> F:
    """Where newly issued tokens go: a CSV, or one file per student (never only stdout)."""
    command = click.option(
        "--tokens-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write one file per student (<student id>.txt) into this folder instead.",
    )(command)
    return click.option(
        "--tokens",
        "tokens_csv",
        type=click.Path(dir_okay=False, path_type=Path),
        help="CSV file for the new tokens (student_id,name,token); default: "
        "DATA_DIR/tokens/tokens-<time>.csv. Readable by you only.",
    )(command)


def server_settings(data_dir: Path, **overrides: Any) -> Any:
    """Settings for the server, or one clear line when the server extra is missing."""
    try:
        from grader.leaderboard.settings import settings_from_env
        import grader.leaderboard.db  # noqa: F401  (SQLAlchemy and Alembic present?)
    except ImportError as exc:
        raise GraderError(
            f"the class server needs more packages ({exc.name} is missing); "
            "install them with: pip install 'grader-harness[server]'"
        ) from None
    return settings_from_env(data_dir=data_dir, **overrides)


def hand_out(
    settings: Any, issued: list[Any], tokens_csv: Path | None, tokens_dir: Path | None
) -> None:
    """Write issued tokens to files only the teacher can read, and say where."""
    from grader.leaderboard.classroom import default_tokens_file
    from grader.leaderboard.roster import write_tokens

    if not issued:
        click.echo("No new tokens.")
        return
    if tokens_csv is None and tokens_dir is None:
        tokens_csv = default_tokens_file(settings)
    written = write_tokens(issued, csv_path=tokens_csv, folder=tokens_dir)
    where = written[0] if tokens_csv else tokens_dir
    click.echo(
        f"{len(issued)} new token{'s' if len(issued) > 1 else ''} written to {where} "
        "(readable by you only; the server keeps only hashes): hand each student theirs."
    )


@click.group(
    "class",
    epilog="Example: grader class init --timezone Asia/Shanghai; "
    "grader class import roster.csv",
)
def class_group() -> None:
    """Manage the class of `grader serve`: roster, tokens, deadlines, regrades, exports."""


@class_group.command(
    "init", epilog="Example: grader class init --data-dir ~/cs101 --timezone UTC"
)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="The class's time zone (an IANA name, e.g. Asia/Shanghai): deadlines are "
    "written and shown in it.",
)
@data_dir_option
def init_command(timezone: str, data_dir: Path) -> None:
    """Create the class and its teacher token (written to a file only you can read)."""
    from grader.leaderboard.classroom import init_class

    path = init_class(server_settings(data_dir), timezone=timezone)
    click.echo(
        f"Class created in {data_dir.resolve()}; the teacher token is in {path}."
    )


@class_group.command(
    "import", epilog="Example: grader class import roster.csv --tokens tokens.csv"
)
@click.argument("roster_csv", type=click.Path(dir_okay=False, path_type=Path))
@tokens_out_options
@data_dir_option
def import_command(
    roster_csv: Path, tokens_csv: Path | None, tokens_dir: Path | None, data_dir: Path
) -> None:
    """Import ROSTER_CSV (student_id, name, email, optional section).

    Again and again as the roster changes: known students (by id) keep their token and get
    their details updated; only new students get a token. Nobody is removed.
    """
    from grader.leaderboard.classroom import import_roster_file

    settings = server_settings(data_dir)
    report = import_roster_file(settings, roster_csv)
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged"
        + (f", {len(report.re_enabled)} enrolled again" if report.re_enabled else "")
    )
    if report.not_in_file:
        click.echo(
            f"{len(report.not_in_file)} enrolled students are not in this file "
            f"({', '.join(report.not_in_file[:5])}{'…' if len(report.not_in_file) > 5 else ''}); "
            "`grader class remove ID` takes one off the roster"
        )
    hand_out(settings, report.added, tokens_csv, tokens_dir)


@class_group.command(
    "add-student",
    epilog="Example: grader class add-student 'Li Wei' --student-id 2024001 "
    "--email li.wei@uni.edu",
)
@click.argument("name")
@click.option("--student-id", help="The student's id (default: the next free s<N>).")
@click.option("--email", help="The student's email address.")
@click.option("--section", help="The student's section or group.")
@click.option("--pseudonym", help="Shown on the board instead of a random pseudonym.")
@tokens_out_options
@data_dir_option
def add_student_command(
    name: str,
    student_id: str | None,
    email: str | None,
    section: str | None,
    pseudonym: str | None,
    tokens_csv: Path | None,
    tokens_dir: Path | None,
    data_dir: Path,
) -> None:
    """Add one student NAME; their token goes to a file (see --tokens)."""
    from grader.leaderboard.classroom import add_student

    settings = server_settings(data_dir)
    issued = add_student(
        settings,
        name=name,
        pseudonym=pseudonym,
        student_id=student_id,
        email=email,
        section=section,
    )
    hand_out(settings, [issued], tokens_csv, tokens_dir)


@class_group.command("students", epilog="Example: grader class students")
@data_dir_option
def students_command(data_dir: Path) -> None:
    """List the roster: id, name, email, section, pseudonym, state, submissions."""
    from grader.leaderboard.classroom import list_students

    rows = list_students(server_settings(data_dir))
    if not rows:
        click.echo("No students yet; add them with `grader class import roster.csv`.")
        return
    click.echo(
        "id\tname\temail\tsection\tpseudonym\tstate\ttoken issued (UTC)\tsubmissions"
    )
    for r in rows:
        issued = r.token_issued_at.strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{r.student_id}\t{r.name}\t{r.email or '-'}\t{r.section or '-'}\t"
            f"{r.pseudonym}\t{r.state}\t{issued}\t{r.submissions}"
        )


@class_group.command(
    "tokens", epilog="Example: grader class tokens --rotate 2024001 --rotate-teacher"
)
@click.option(
    "--rotate",
    "keys",
    multiple=True,
    metavar="ID",
    help="Issue a new token for this student (id, or a name only one student has); "
    "the old one stops working at once. Repeatable.",
)
@click.option(
    "--rotate-all", is_flag=True, help="New tokens for every enrolled student."
)
@click.option(
    "--rotate-teacher", is_flag=True, help="A new teacher token (to its file)."
)
@tokens_out_options
@data_dir_option
def tokens_command(
    keys: tuple[str, ...],
    rotate_all: bool,
    rotate_teacher: bool,
    tokens_csv: Path | None,
    tokens_dir: Path | None,
    data_dir: Path,
) -> None:
    """Issue new tokens (to files); without an option, list the students."""
    from grader.leaderboard.classroom import rotate_tokens

    if not (keys or rotate_all or rotate_teacher):
        students_command.callback(data_dir=data_dir)  # type: ignore[misc]
        return
    settings = server_settings(data_dir)
    issued, teacher_file = rotate_tokens(
        settings, keys=keys, every_student=rotate_all, teacher=rotate_teacher
    )
    if issued:
        hand_out(settings, issued, tokens_csv, tokens_dir)
    if teacher_file is not None:
        click.echo(f"The new teacher token is in {teacher_file}.")


def _student_command(name: str, action: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text, epilog=f"Example: grader class {name} 2024001")
    @click.argument("student")
    @data_dir_option
    def command(student: str, data_dir: Path) -> None:
        from grader.leaderboard import roster
        from grader.leaderboard.classroom import change_student

        def act(session: Any, key: str) -> Any:
            return roster.set_state(session, key, action)

        click.echo(change_student(server_settings(data_dir), student, act))

    return command


for _name, _state, _help in (
    ("disable", "disabled", "Lock STUDENT (id) out: no sign-in, no submissions."),
    ("enable", "active", "Let a disabled or removed STUDENT (id) in again."),
    (
        "remove",
        "removed",
        "Take STUDENT (id) off the roster, the board and the gradebook; their "
        "submissions are kept for the record.",
    ),
):
    class_group.add_command(_student_command(_name, _state, _help))


@class_group.command("rename", epilog="Example: grader class rename 2024001 'Li Wei'")
@click.argument("student")
@click.argument("new_name")
@data_dir_option
def rename_command(student: str, new_name: str, data_dir: Path) -> None:
    """Give STUDENT (id) the name NEW_NAME."""
    from grader.leaderboard import roster
    from grader.leaderboard.classroom import change_student

    def act(session: Any, key: str) -> Any:
        return roster.rename(session, key, new_name)

    click.echo(change_student(server_settings(data_dir), student, act))


__all__ = ["class_group", "data_dir_option", "server_settings"]
