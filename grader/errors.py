"""Errors a user can cause: one line on stderr, exit code 2, never a traceback.

A student's failing code is not an error here: it is data in the scorecard. These are for
things the person running the command can fix (a wrong slug, a folder that is not a workspace,
a broken exercise.toml, an unreachable Docker engine).
"""

from __future__ import annotations

import click

from grader.i18n.message import Message

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


class GraderError(click.ClickException):
    """A problem the user can fix; the message says what is wrong and what to do.

    Given as a message (`msg(...)`), it is shown in the reader's language; `.message`
    keeps the English text for logs and callers that read it.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: Message | str) -> None:
        self.said = message if isinstance(message, Message) else None
        super().__init__(message.text if isinstance(message, Message) else message)

    def format_message(self) -> str:
        if self.said is None:
            return self.message
        from grader.i18n.catalog import reader_language, say

        return say(self.said, reader_language())


class ExerciseError(GraderError):
    """An exercise folder or exercise.toml is missing or invalid."""


class WorkspaceError(GraderError):
    """A directory is not a grader workspace, or would be overwritten."""


class BackendUnavailable(GraderError):
    """The requested sandbox backend cannot run on this machine."""
