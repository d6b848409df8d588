"""Options shared by several commands, defined once so their names, defaults and help agree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.runner import BACKEND_NAMES

BACKEND_HELP = (
    "Where to run: docker, bwrap, local (not a sandbox), "
    "or auto (the strongest available)."
)


def backend_option(
    default: str = "auto", help: str = BACKEND_HELP
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--backend NAME`: one of the runner backends."""
    return click.option(
        "--backend",
        type=click.Choice(BACKEND_NAMES),
        default=default,
        show_default=True,
        help=help,
    )


REPO_HELP = (
    "The student's repository (default: the git top level of the current folder, "
    "else the current folder)."
)


def repo_option(
    help: str = REPO_HELP,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--repo DIR`: the repository holding the exercise workspaces."""
    return click.option(
        "--repo",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=help,
    )


ALLOW_REDUCED_HELP = (
    "Grade for others below full isolation (bwrap without a cgroup, or the local backend); "
    "every such score is marked. Without it such grading is refused."
)


def allow_reduced_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--allow-reduced-isolation`: the teacher's explicit leave to grade below full."""
    return click.option(
        "--allow-reduced-isolation",
        "allow_reduced",
        is_flag=True,
        default=False,
        help=ALLOW_REDUCED_HELP,
    )
