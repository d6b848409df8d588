"""A submission that uses up the sandbox's processes before its own process can start
fails the hidden tests (its doing), rather than making the grading an error."""

from __future__ import annotations

import pytest

from grader.graders.hidden_tests import exhausted_at_start


@pytest.mark.parametrize(
    "message, what",
    [
        (
            "OSError: the entrypoint refused: BlockingIOError: [Errno 11] busy",
            "processes",
        ),
        ("OSError: the entrypoint refused: MemoryError: ", "memory"),
        (
            "StudentCrashed: the process that runs your code did not start within 60 s",
            "processes or CPU time",
        ),
    ],
)
def test_a_refused_start_for_want_of_a_resource_names_it(
    message: str, what: str
) -> None:
    found = exhausted_at_start(message)
    assert found is not None and found.text == what


@pytest.mark.parametrize(
    "message",
    [
        "OSError: the entrypoint refused: PermissionError: no",
        "ModuleNotFoundError: No module named 'yaml'",
        "BlockingIOError: [Errno 11] raised by the student's own import",
    ],
)
def test_any_other_import_failure_stays_an_import_error(message: str) -> None:
    assert exhausted_at_start(message) is None
