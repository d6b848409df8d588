"""Problems in a scorecard as file annotations: GitHub workflow commands, or plain lines.

A problem points at the student's file (relative to the repository root) and line when the
scorecard knows them. Problems of an exercise that did not pass are errors; those of one
that passed (a lint problem that cost a few points) are warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.ci.run import GradedWorkspace
from grader.registry.declaration import Problem
from grader.registry.checks import declaration
from grader.scorecard.caps import cap_text
from grader.scorecard.model import TestOutcome
from grader.text_escape import log_text, workflow_data, workflow_property

# GitHub's escaping of a workflow command's data and properties (grader.text_escape).
escape_data = workflow_data
escape_property = workflow_property

MAX_PER_EXERCISE = 30
MESSAGE_CHARS = 2_000
# What a failing test's code printed, in its annotation (the scorecard has the rest).
OUTPUT_CHARS = 1_000
# "path:line in function", "path:line" or "path:line:col: message" (a check's message).
_LOCATION = re.compile(r"^(?P<path>[^:\s][^:]*?):(?P<line>\d+)(?::(?P<col>\d+))?")


@dataclass(frozen=True)
class Annotation:
    level: str  # "error" | "warning"
    title: str
    message: str
    path: str = ""
    line: int | None = None
    col: int | None = None


def annotations_for(graded: GradedWorkspace) -> list[Annotation]:
    """The annotations of one graded workspace, at most MAX_PER_EXERCISE of them."""
    level = "warning" if graded.card.status == "pass" else "error"
    # A run that stopped (timeout, crash) gives every check the same message: say it once.
    found, seen = [], set()
    for note in _problems(graded, level):
        key = (note.path, note.line, note.message)
        if key not in seen:
            seen.add(key)
            found.append(note)
    if len(found) > MAX_PER_EXERCISE:
        rest = len(found) - MAX_PER_EXERCISE + 1
        found = found[: MAX_PER_EXERCISE - 1] + [
            Annotation(
                level,
                f"{graded.card.exercise.slug}: more problems",
                f"{rest} more problems in {graded.folder}: see the job summary "
                "and the scorecard",
            )
        ]
    return found


def github_command(note: Annotation) -> str:
    """`::error file=…,line=…,col=…,title=…::message`, escaped as the runner expects."""
    properties = []
    if note.path:
        properties.append(f"file={workflow_property(note.path)}")
        if note.line is not None:
            properties.append(f"line={note.line}")
            if note.col is not None:
                properties.append(f"col={note.col}")
    properties.append(f"title={workflow_property(note.title)}")
    return f"::{note.level} {','.join(properties)}::{workflow_data(note.message)}"


def plain_line(note: Annotation) -> str:
    """`path:line:col: error: title: message`, as compilers print; the message's other
    lines follow, indented. The student's names and text in it are escaped as `log_text`:
    each line is one line, no command."""
    where = log_text(note.path)
    if where and note.line is not None:
        where += f":{note.line}"
        if note.col is not None:
            where += f":{note.col}"
    first, *rest = note.message.splitlines() or [""]
    head = f"{where}: " if where else ""
    line = f"{head}{note.level}: {log_text(note.title)}: {log_text(first)}"
    # The rest of the message on lines of its own, indented, each escaped alike.
    return "\n".join([line, *(f"    {log_text(more)}" for more in rest)])


def _problems(graded: GradedWorkspace, level: str) -> Iterator[Annotation]:
    card = graded.card
    slug = card.exercise.slug
    for check in card.checks:
        for problem in declaration(check.id).present.annotations(check, slug):
            yield _annotation(graded, level, problem)
    if card.status == "error" and not any(c.status == "error" for c in card.checks):
        yield _located(graded, level, f"{slug}: not graded", card.message)


def _annotation(graded: GradedWorkspace, level: str, problem: Problem) -> Annotation:
    """A check's problem, escaped and capped, at its place in the repository."""
    if problem.test is not None:
        return _test_note(graded, level, problem.title, problem.test)
    if problem.path:
        path = _in_workspace(graded, problem.path)
        return Annotation(
            level, problem.title, problem.message, path, problem.line, problem.col
        )
    return _located(graded, level, problem.title, problem.message, problem.where)


def _test_note(
    graded: GradedWorkspace, level: str, title: str, test: TestOutcome
) -> Annotation:
    """pytest's whole explanation, where it happened when that is not in the workspace
    (the annotation cannot be placed there), what the student's code printed, and the
    test's id; at the test's location."""
    text = cap_text(test.message.strip() or test.status, MESSAGE_CHARS)
    match = _LOCATION.match(test.location)
    if test.location and (match is None or not _in_workspace(graded, match["path"])):
        text += f"\n  at {test.location}"  # shown as it is, never joined to the folder
    output = test.output.rstrip()
    if output:
        text += "\n\nYour code printed:\n" + cap_text(output, OUTPUT_CHARS)
    message = f"{text}\n({cap_text(test.id, MESSAGE_CHARS, separator=' ')})"
    return _located(graded, level, title, message, test.location)


def _located(
    graded: GradedWorkspace, level: str, title: str, message: str, where: str = ""
) -> Annotation:
    """An annotation at `where` ("path:line …"), or at the place `message` starts with."""
    message = cap_text(message, 2 * MESSAGE_CHARS + OUTPUT_CHARS)
    match = _LOCATION.match(where or message)
    if match is None:
        return Annotation(level, title, message)
    path = _in_workspace(graded, match["path"])
    if not path:
        return Annotation(level, title, message)
    col = int(match["col"]) if match["col"] else None
    return Annotation(level, title, message, path, int(match["line"]), col)


def _in_workspace(graded: GradedWorkspace, name: str) -> str:
    """`name` (relative to the workspace) relative to the repository root; "" when it
    points outside the workspace (an absolute path, `..`)."""
    relative = PurePosixPath(name.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return ""
    if graded.folder == ".":
        return relative.as_posix()
    return (PurePosixPath(graded.folder) / relative).as_posix()
