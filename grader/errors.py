"""Errors a user can cause: one line on stderr, exit code 2, never a traceback.

A student's failing code is not an error here: it is data in the scorecard. These are for
things the person running the command can fix (a wrong slug, a folder that is not a workspace,
a broken exercise.toml, an unreachable Docker engine).
"""

from __future__ import annotations

import click

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


class GraderError(click.ClickException):
    """A problem the user can fix; the message says what is wrong and what to do."""

    exit_code = EXIT_USAGE


class ExerciseError(GraderError):
    """An exercise folder or exercise.toml is missing or invalid."""


class WorkspaceError(GraderError):
    """A directory is not a grader workspace, or would be overwritten."""


class BackendUnavailable(GraderError):
    """The requested sandbox backend cannot run on this machine."""
