"""Commands for exercise authors: `grader exercises validate`, `new` and `wheels`."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import click

from grader.authoring.scaffold import new_exercise
from grader.authoring.validate import validate_exercise_dir
from grader.cli.options import backend_option
from grader.cli.student import pack_from
from grader.errors import EXIT_FAIL, EXIT_PASS, ExerciseError
from grader.graders.dockerfile_wheels import WheelsMissing, allowed_wheels
from grader.runner import get_backend


@click.group("exercises")
def exercises_group() -> None:
    """Author and check exercise packs."""


@exercises_group.command(
    "validate", epilog="Example: grader exercises validate grade-book"
)
@click.argument("slugs", nargs=-1)
@backend_option(default="local", help="Where the reference and starter are graded.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Exercises validated at once (each grading waits on its sandbox much of the "
    "time, so 2 fills two cores).",
)
@click.pass_context
def validate_command(
    ctx: click.Context, slugs: tuple[str, ...], backend: str, jobs: int
) -> None:
    """Prove each exercise (all when no SLUG is given): valid metadata, every file present,
    the reference gets full marks on every check, the starter fails the hidden suite,
    test ids and titles are unique. Exit code 0 only when every exercise holds."""
    pack = pack_from(ctx)
    pack.require_full("validate exercises (it has no reference solutions to grade)")
    dirs = [pack.get(s).root for s in slugs] if slugs else pack.exercise_dirs()
    runner = get_backend(backend)
    failed = 0
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="validate") as pool:
        # Reported in the pack's order, each as soon as it and those before it are done.
        for report in pool.map(lambda root: validate_exercise_dir(root, runner), dirs):
            mark = (
                click.style("ok", fg="green")
                if report.ok
                else click.style("FAIL", fg="red")
            )
            facts = f" ({', '.join(report.facts)})" if report.facts else ""
            click.echo(f"{mark}  {report.slug}{facts}")
            for problem in report.problems:
                click.echo(f"      - {problem}")
            failed += not report.ok
    click.echo(f"{len(dirs) - failed} of {len(dirs)} exercises valid")
    sys.exit(EXIT_FAIL if failed else EXIT_PASS)


@exercises_group.command(
    "new",
    epilog="Example: grader --exercises ./my-pack exercises new word-count --stage 1 "
    "--title-en 'Word count' --title-zh '单词计数'",
)
@click.argument("slug")
@click.option("--stage", type=click.IntRange(1, 4), required=True, help="Stage 1-4.")
@click.option("--title-en", required=True, help="The title in English.")
@click.option("--title-zh", required=True, help="The title in Chinese.")
@click.pass_context
def new_command(
    ctx: click.Context, slug: str, stage: int, title_en: str, title_zh: str
) -> None:
    """Create stage<N>/SLUG in the exercise pack (--exercises DIR, or the bundled pack of a
    grader checkout): exercise.toml, both instruction files, starter, reference and a
    hidden suite around an example function that already validates but for its size."""
    pack = pack_from(ctx)
    if "_bundled_exercises" in pack.root.parts:
        raise ExerciseError(
            "the bundled pack of an installed grader is not for editing: "
            "pass --exercises DIR to write into your own pack"
        )
    root = new_exercise(
        pack, slug=slug, stage=stage, title_en=title_en, title_zh=title_zh
    )
    click.echo(f"created {root}")
    click.echo(
        "next: replace the example in reference/, starter/ and hidden/, describe the "
        f"tasks in both instruction files, then run: grader exercises validate {slug}"
    )


@exercises_group.command(
    "wheels", epilog="Example: grader exercises wheels stage3/fastapi-service"
)
@click.argument("slug")
@click.pass_context
def wheels_command(ctx: click.Context, slug: str) -> None:
    """The distributions and versions an exercise's Dockerfile build may install: the
    wheel index it reaches holds these and nothing else (pin them with ==)."""
    exercise = pack_from(ctx).get(slug)
    config = next((c for c in exercise.checks if c.id == "dockerfile"), None)
    names = list(config.options.get("wheels") or []) if config else []
    if not names:
        raise ExerciseError(
            f"{slug}: its Dockerfile build installs nothing (no `wheels` in "
            "[checks.dockerfile]): the build has no network at all"
        )
    try:
        wheels = allowed_wheels(names)
    except WheelsMissing as exc:
        raise ExerciseError(f"{slug}: {exc}") from None
    for wheel in wheels:
        click.echo(f"{wheel.name}=={wheel.version}")
