"""Options shared by several commands, defined once so their names, defaults and help agree."""

from __future__ import annotations

from collections.abc import Callable
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
