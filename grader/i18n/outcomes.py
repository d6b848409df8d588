"""grader's own words in a test's outcome, as messages: a view in Chinese renders them.

A test outcome's `message` and `output` are text without an id (the scorecard keeps pytest's
explanation and what the student's code printed as they were written). A few of those texts
are grader's own, though: why a test was stopped (its time limit, the student's process
dying, the run's time), and the markers in an output (what was cut, what the module printed
on import). `outcome_message` and `output_marker` recognise exactly those texts and give
them back as messages; anything else (pytest's, the student's) is None and shown as it is.
Standard library only, like `grader.i18n.message`.
"""

from __future__ import annotations

import re

from grader.i18n.message import Message, msg

# Around what the submission printed at import time, in the output of the test that shows
# it (grader.graders.hidden_tests); the output keeps the English text.
IMPORT_MARK = msg("[printed while your code was imported]")
TEST_MARK = msg("[printed during this test]")
# After what the student's code printed, when more came than a test's output keeps and its
# count is not known (the test's process was killed while it printed).
CUT_MARK = msg("... [truncated: more was printed]")

_NUMBER = r"(?P<{}>[0-9.]+)"
# Each text the sandbox writes into a test's message (grader.sandbox.pytest_plugin,
# .pytest_session, .proxy.client, grader.graders.hidden_tests), as a pattern and its
# message; the pattern's groups are the message's fields.
_OUTCOMES: list[tuple[re.Pattern[str], Message]] = [
    (
        re.compile(
            rf"the test ran past its time limit of {_NUMBER.format('seconds')} s"
        ),
        msg("the test ran past its time limit of {seconds} s"),
    ),
    (
        re.compile(
            rf"the test ran past its time limit of {_NUMBER.format('seconds')} s and "
            "was stopped"
        ),
        msg("the test ran past its time limit of {seconds} s and was stopped"),
    ),
    (
        re.compile(
            rf"StudentTimeout: your code did not return within "
            rf"{_NUMBER.format('seconds')} s"
        ),
        msg("your code did not return within {seconds} s"),
    ),
    (
        re.compile(
            r"StudentCrashed: your code was killed \(SIGKILL\): it probably ran out of "
            "memory"
        ),
        msg("your code was killed (SIGKILL): it probably ran out of memory"),
    ),
    (
        re.compile(r"StudentCrashed: your code was killed by signal (?P<signal>\d+)"),
        msg("your code was killed by signal {signal}"),
    ),
    (
        re.compile(
            r"StudentCrashed: your code ended the process \(exit code (?P<code>-?\d+|None)"
            r"\); do not call sys\.exit\(\) or os\._exit\(\)"
        ),
        msg(
            "your code ended the process (exit code {code}); do not call sys.exit() or "
            "os._exit()"
        ),
    ),
    (
        re.compile(
            r"StudentCrashed: the process that runs your code did not start within "
            rf"{_NUMBER.format('seconds')} s"
        ),
        msg("the process that runs your code did not start within {seconds} s"),
    ),
    (
        re.compile(r"the grading run ran out of time during this test"),
        msg("the grading run ran out of time during this test"),
    ),
    (
        re.compile(
            r"the test process was killed \(SIGKILL\) during this test: it may have run "
            "out of memory"
        ),
        msg(
            "the test process was killed (SIGKILL) during this test: it may have run out "
            "of memory"
        ),
    ),
    (
        re.compile(r"the test process was killed by (?P<signal>\w+) during this test"),
        msg("the test process was killed by {signal} during this test"),
    ),
    (
        re.compile(
            r"the test process exited \(code (?P<code>-?\d+|None)\) during this test: do "
            r"not call sys\.exit\(\) or os\._exit\(\)"
        ),
        msg(
            "the test process exited (code {code}) during this test: do not call "
            "sys.exit() or os._exit()"
        ),
    ),
    (
        re.compile(r"not run: the grading run stopped before this test"),
        msg("not run: the grading run stopped before this test"),
    ),
    (
        re.compile(r"not run: the test process stopped before this test"),
        msg("not run: the test process stopped before this test"),
    ),
]
_WHERE = re.compile(r"^(?P<message>.+) \(it was at (?P<where>[^()\n]+)\)$")
_CUT = re.compile(r"^\.\.\. \[truncated: (?P<count>\d+) more characters\]$")


def outcome_message(text: str) -> Message | None:
    """The message of a test outcome's text when it is grader's own (all of it), with the
    place the student's code was at when it names one; None for any other text."""
    text = text.strip()
    where = _WHERE.match(text)
    inner = where["message"] if where else text
    for pattern, template in _OUTCOMES:
        found = pattern.fullmatch(inner)
        if found:
            message = Message(template.id, found.groupdict())
            if where is None:
                return message
            return msg(
                "{message} (it was at {where})", message=message, where=where["where"]
            )
    return None


def output_marker(line: str) -> Message | None:
    """The message of a line of a test's output that is one of grader's markers (what
    was cut, what the module printed on import); None for a line the code printed."""
    if line == IMPORT_MARK.text:
        return IMPORT_MARK
    if line == TEST_MARK.text:
        return TEST_MARK
    if line == CUT_MARK.text:
        return CUT_MARK
    cut = _CUT.match(line)
    if cut:
        return msg("... [truncated: {count} more characters]", count=int(cut["count"]))
    return None
