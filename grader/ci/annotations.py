"""Problems in a scorecard as file annotations: GitHub workflow commands, or plain lines.

A problem points at the student's file (relative to the repository root) and line when the
scorecard knows them. Problems of an exercise that did not pass are errors; those of one
that passed (a lint problem that cost a few points) are warnings. Titles and messages are in
the reader's language (GRADER_LANG); the level words stay as tools read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.ci.run import GradedWorkspace
from grader.i18n.catalog import ci_language, say, stored
from grader.i18n.message import Message, msg
from grader.i18n.outcomes import outcome_message, output_marker
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
# "path:line in function", "path:line" or "path:line:col: message" (a check's message). A
# path has no spaces: a sentence that mentions "(file.py:4 …)" is not placed by its words.
_LOCATION = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+)(?::(?P<col>\d+))?")
# "… could not import your code (file.py:4 in <module>): …": the place in parentheses.
_QUOTED_LOCATION = re.compile(r"\((?P<path>[^:\s()]+):(?P<line>\d+)(?P<col>)")


@dataclass(frozen=True)
class Annotation:
    level: str  # "error" | "warning"
    title: str
    message: str
    path: str = ""
    line: int | None = None
    col: int | None = None


def annotations_for(
    graded: GradedWorkspace, lang: str | None = None
) -> list[Annotation]:
    """The annotations of one graded workspace in `lang` (GRADER_LANG by default), at
    most MAX_PER_EXERCISE of them."""
    lang = lang or ci_language()
    level = "warning" if graded.card.status == "pass" else "error"
    # A run that stopped (timeout, crash) gives every check the same message: say it once.
    found, seen = [], set()
    for note in _problems(graded, level, lang):
        key = (note.path, note.line, note.message)
        if key not in seen:
            seen.add(key)
            found.append(note)
    if len(found) > MAX_PER_EXERCISE:
        rest = len(found) - MAX_PER_EXERCISE + 1
        slug = graded.card.exercise.slug
        more = msg(
            "{count} more problems in {folder}: see the job summary and the scorecard",
            count=rest,
            folder=graded.folder,
        )
        found = found[: MAX_PER_EXERCISE - 1] + [
            Annotation(
                level,
                say(msg("{slug}: more problems", slug=slug), lang),
                say(more, lang),
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


def _problems(graded: GradedWorkspace, level: str, lang: str) -> Iterator[Annotation]:
    card = graded.card
    slug = card.exercise.slug
    for check in card.checks:
        for problem in declaration(check.id).present.annotations(check, slug):
            yield _annotation(graded, level, problem, lang)
    if card.status == "error" and not any(c.status == "error" for c in card.checks):
        title = say(msg("{slug}: not graded", slug=slug), lang)
        yield _located(graded, level, title, stored(card, lang), where=card.message)


def _annotation(
    graded: GradedWorkspace, level: str, problem: Problem, lang: str
) -> Annotation:
    """A check's problem in `lang`, escaped and capped, at its place in the repository."""
    title, message = _say(problem.title, lang), _say(problem.message, lang)
    if problem.test is not None:
        return _test_note(graded, level, title, problem.test, lang)
    if problem.path:
        path = _in_workspace(graded, problem.path)
        return Annotation(level, title, message, path, problem.line, problem.col)
    # Placed by where the English text points ("path:line ..."), whatever the language.
    where = problem.where or _say(problem.message, "en")
    return _located(graded, level, title, message, where)


def _say(text: str | Message, lang: str) -> str:
    return say(text, lang) if isinstance(text, Message) else text


# A test's status, in the annotation of a test that has no message of its own.
TEST_WORDS = {
    "failed": msg("failed"),
    "error": msg("error"),
    "timeout": msg("timeout"),
    "skipped": msg("skipped"),
}


def _test_note(
    graded: GradedWorkspace, level: str, title: str, test: TestOutcome, lang: str
) -> Annotation:
    """pytest's whole explanation, where it happened when that is not in the workspace
    (the annotation cannot be placed there), what the student's code printed, and the
    test's id; at the test's location. grader's own words are in `lang`; pytest's and
    the student's stay as they are."""
    status = TEST_WORDS.get(test.status)
    ours = outcome_message(test.message)  # why grader stopped the test
    text = test.message.strip() or (say(status, lang) if status else test.status)
    if ours is not None:
        text = say(ours, lang)
    text = cap_text(text, MESSAGE_CHARS)
    match = _LOCATION.match(test.location)
    if test.location and (match is None or not _in_workspace(graded, match["path"])):
        # Shown as it is, never joined to the folder.
        text += "\n  " + say(msg("at {location}", location=test.location), lang)
    output = test.output.rstrip()
    if output:
        printed = say(msg("Your code printed:"), lang)
        output = cap_text(output, OUTPUT_CHARS)
        if lang != "en":  # grader's markers in the output, in the reader's words
            output = "\n".join(
                say(marker, lang) if (marker := output_marker(line)) else line
                for line in output.splitlines()
            )
        text += f"\n\n{printed}\n" + output
    message = f"{text}\n({cap_text(test.id, MESSAGE_CHARS, separator=' ')})"
    return _located(graded, level, title, message, test.location)


def _located(
    graded: GradedWorkspace, level: str, title: str, message: str, where: str = ""
) -> Annotation:
    """An annotation at `where` ("path:line …"), or at the place `message` starts with;
    else at the first "(path:line" `where` quotes."""
    message = cap_text(message, 2 * MESSAGE_CHARS + OUTPUT_CHARS)
    match = _LOCATION.match(where or message) or _QUOTED_LOCATION.search(
        where or message
    )
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
