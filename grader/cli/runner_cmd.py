"""`grader runner …`: create the offline base, build the runner image, say what is missing."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import click

from grader.errors import EXIT_FAIL, EXIT_PASS, GraderError


class ImageBuildError(GraderError):
    """Building the base or runner image failed; the message says how to fix it."""


def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    from grader.runner.image_base import ImageError

    try:
        return function(*args, **kwargs)
    except ImageError as exc:
        raise ImageBuildError(str(exc)) from None


@contextlib.contextmanager
def _build_context() -> Iterator[Path]:
    """image.build_context, with its errors as one clear line."""
    from grader.runner import image

    try:
        with image.build_context() as context:
            yield context
    except image.ImageError as exc:
        raise ImageBuildError(str(exc)) from None


def _progress(line: str) -> None:
    click.echo(line, err=True)


@click.group("runner")
def runner_group() -> None:
    """The Docker runner image: bootstrap its base offline, build it, check the machine."""


@runner_group.command("bootstrap", epilog="Example: grader runner bootstrap")
@click.option(
    "--tag", default=None, help="Tag of the base image (default: python:3.11-slim)."
)
def bootstrap_command(tag: str | None) -> None:
    """Create the base image with no container registry (debootstrap + docker import)."""
    from grader.runner import image_base

    click.echo(
        _call(
            image_base.bootstrap_base,
            tag or image_base.DEFAULT_BASE,
            progress=_progress,
        )
    )


STAGE_OPTION = click.option(
    "--stage",
    "stages",
    type=click.IntRange(1, 4),
    multiple=True,
    help="Only this stage's image (repeatable; default: every stage).",
)


@runner_group.command(
    "build", epilog="Examples: grader runner build; grader runner build --stage 2"
)
@STAGE_OPTION
@click.option("--base", default=None, help="Base image (default: python:3.11-slim).")
def build_command(stages: tuple[int, ...], base: str | None) -> None:
    """Build the runner images: the core, then each stage's on it (grader-runner:stageN),
    bootstrapping the base offline when it cannot be pulled."""
    from grader.runner import docker_backend, image

    with _build_context() as context:
        built = _call(
            image.build_images,
            stages or docker_backend.STAGES,
            base=base or image.DEFAULT_BASE,
            progress=_progress,
            context=context,
        )
    for tag, image_id in built.items():
        click.echo(f"{tag} {image_id}")


@runner_group.command("doctor", epilog="Example: grader runner doctor --stage 1")
@STAGE_OPTION
def doctor_command(stages: tuple[int, ...]) -> None:
    """Say what stands between this machine and sandboxed grading, and how to fix it."""
    from grader.runner import docker_backend, image_doctor

    with _build_context() as context:
        findings = image_doctor.doctor(stages or docker_backend.STAGES, context=context)
    for finding in findings:
        mark = (
            click.style("ok ", fg="green")
            if finding.ok
            else click.style("BAD", fg="red")
        )
        click.echo(f"{mark} {finding.name}: {finding.detail}")
        if finding.fix and not finding.ok:
            click.echo(f"    fix: {finding.fix}")
    sys.exit(EXIT_PASS if all(f.ok for f in findings) else EXIT_FAIL)
