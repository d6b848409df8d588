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
from typing import Any

from grader.ci.run import GradedWorkspace
from grader.scorecard.caps import cap_text
from grader.text_escape import log_text, workflow_data, workflow_property

# GitHub's escaping of a workflow command's data and properties (grader.text_escape).
escape_data = workflow_data
escape_property = workflow_property

MAX_PER_EXERCISE = 30
MESSAGE_CHARS = 1_000
FAILED_TESTS = ("failed", "error", "timeout")
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
    """`path:line:col: error: title: first line of the message`, as compilers print.
    The student's names and text in it are escaped as `log_text`: one line, no command.
    """
    where = log_text(note.path)
    if where and note.line is not None:
        where += f":{note.line}"
        if note.col is not None:
            where += f":{note.col}"
    first = note.message.splitlines()[0] if note.message else ""
    head = f"{where}: " if where else ""
    return f"{head}{note.level}: {log_text(note.title)}: {log_text(first)}"


def _problems(graded: GradedWorkspace, level: str) -> Iterator[Annotation]:
    card = graded.card
    slug = card.exercise.slug
    for check in card.checks:
        details = check.details
        if check.id == "tests":
            for test in details.get("tests", []):
                if test.get("status") in FAILED_TESTS:
                    yield _test_note(graded, level, f"{slug}: {test['title']}", test)
        elif check.id == "flake8":
            for v in details.get("violations", []):
                yield Annotation(
                    level,
                    f"flake8 {v['code']}",
                    v["text"],
                    _in_workspace(graded, v["path"]),
                    int(v["line"]),
                    int(v["col"]),
                )
        elif check.id == "black" and check.status != "pass":
            for name in details.get("files", []):
                yield Annotation(
                    level, "black", check.message, _in_workspace(graded, name)
                )
        elif check.id == "coverage" and check.status != "pass":
            yield from _coverage_notes(graded, level, details, check.message)
        if check.status == "error" and check.id != "coverage":
            yield _located(graded, level, f"{slug}: {check.title}", check.message)
    if card.status == "error" and not any(c.status == "error" for c in card.checks):
        yield _located(graded, level, f"{slug}: not graded", card.message)


def _test_note(
    graded: GradedWorkspace, level: str, title: str, test: dict[str, Any]
) -> Annotation:
    text = cap_text(test.get("message") or test["status"], MESSAGE_CHARS)
    message = f"{text}\n({cap_text(test['id'], MESSAGE_CHARS, separator=' ')})"
    return _located(graded, level, title, message, test.get("location", ""))


def _coverage_notes(
    graded: GradedWorkspace, level: str, details: dict[str, Any], message: str
) -> Iterator[Annotation]:
    for failure in details.get("student_tests", {}).get("failures", []):
        yield _test_note(graded, level, f"your test failed: {failure['id']}", failure)
    for name, facts in details.get("files", {}).items():
        missing = facts.get("missing_lines") or []
        if missing:
            yield Annotation(
                level,
                "coverage",
                f"not run by any of your tests: {line_ranges(missing)}\n{message}",
                _in_workspace(graded, name),
                int(missing[0]),
            )


def _located(
    graded: GradedWorkspace, level: str, title: str, message: str, where: str = ""
) -> Annotation:
    """An annotation at `where` ("path:line …"), or at the place `message` starts with."""
    message = cap_text(message, 2 * MESSAGE_CHARS)
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


def line_ranges(lines: list[int]) -> str:
    """[3, 4, 5, 9] -> "lines 3-5, 9"; [7] -> "line 7"."""
    spans: list[list[int]] = []
    for n in sorted(lines):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    words = "line" if len(lines) == 1 else "lines"
    return f"{words} " + ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans)
