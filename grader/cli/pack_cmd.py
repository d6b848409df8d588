"""`grader pack build --student OUT`: the students' edition of a pack, for a class."""

from __future__ import annotations

from pathlib import Path

import click

from grader.authoring.student_edition import build_student_edition
from grader.cli.student import pack_from
from grader.errors import GraderError


@click.group("pack")
def pack_group() -> None:
    """Build what a class hands out from an exercise pack."""


@pack_group.command(
    "build",
    epilog="Example: grader --exercises ~/cs101-pack pack build --student ~/cs101-students",
)
@click.option(
    "--student",
    "out",
    metavar="OUT",
    type=click.Path(path_type=Path),
    help="Write the students' edition (no hidden/, no reference/) to this new or empty "
    "folder.",
)
@click.pass_context
def build_command(ctx: click.Context, out: Path | None) -> None:
    """Build the students' edition of the pack (--exercises DIR, or the bundled one):
    instructions, hints, starters and visible tests, without the hidden suites and the
    reference solutions. Hand it out; grade with the full pack on the class server."""
    if out is None:
        raise GraderError(
            "say what to build: grader pack build --student OUT (the students' edition, "
            "written to the new or empty folder OUT)"
        )
    pack = pack_from(ctx)
    built = build_student_edition(pack, out)
    click.echo(
        f"Students' edition of {pack.root} written to {built.root}: "
        f"{built.exercises} exercises, no hidden suites, no reference solutions."
    )
    click.echo(
        f"  students: grader --exercises {built.root} start SLUG  (or GRADER_EXERCISES)"
    )
    click.echo(f"  server:   grader --exercises {pack.root} serve  (the full pack)")
