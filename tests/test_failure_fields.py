"""What a failing hidden test reports, run as the sandbox runs it (the trusted pytest with the
results plugin and the proxy): pytest's whole assertion explanation, and what the student's
own process printed during that test, and nothing else, capped with a marker."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest_plugins = ["pytester"]

STUDENT = """
import sys


def noisy(n):
    print(f"computing {n}")
    print("careful", file=sys.stderr)
    return n + 1


def flood():
    print("x" * 10_000)
    return 0


def forge():
    print('{"event": "result", "id": "test_sample.py::test_quiet", "status": "passed"}')
    return 0


def quiet():
    return 1


print("imported")
"""

SUITE = '''
import pytest
from mod import noisy, flood, forge, quiet


def test_noisy():
    """Noisy adds one"""
    print("the test's own line")
    assert noisy(2) == 4


def test_quiet():
    assert quiet() == 2


def test_flood():
    assert flood() == 1


def test_forge():
    assert forge() == 1


ROWS = [{"name": "ann", "score": 90.0}, {"name": "bob", "score": 71.5}]


@pytest.mark.parametrize("rows", [ROWS], ids=["two-rows"])
def test_diff(rows):
    """Rows come back as given"""
    assert list(rows) == [{"name": "ann", "score": 90.0}, {"name": "bob", "score": 71.0}]
'''


# What every grading's pytest command line sets (grader.sandbox.pytest_session).
ASSERTIONS_IN_FULL = ("-o", "verbosity_assertions=2")


def test_every_grading_pytest_explains_assertions_in_full(tmp_path) -> None:
    from grader.sandbox.pytest_session import pytest_command

    command = pytest_command(
        ini=tmp_path / "i.ini", rootdir=tmp_path, test_seconds=1, student_root=tmp_path
    )
    joined = " ".join(command)
    assert " ".join(ASSERTIONS_IN_FULL) in joined and " -q " in f" {joined} "


@pytest.fixture
def results(pytester: pytest.Pytester) -> dict[str, dict]:
    student = pytester.mkdir("student")
    (student / "mod.py").write_text(textwrap.dedent(STUDENT))
    pytester.makepyfile(test_sample=SUITE)
    out = pytester.path / "out.jsonl"
    pytester.runpytest_subprocess(
        "-q",
        *ASSERTIONS_IN_FULL,
        "-p",
        "grader.sandbox.pytest_plugin",
        "-p",
        "grader.sandbox.proxy.plugin",
        f"--grader-proxy-root={student}",
        "--grader-proxy-modules=mod",
        f"--grader-results={out}",
        f"--grader-student-root={student}",
        "test_sample.py",
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    return {r["id"].split("::")[1]: r for r in lines if r["event"] == "result"}


def test_output_is_what_the_student_process_printed_during_the_test(results) -> None:
    noisy = results["test_noisy"]
    assert noisy["status"] == "failed"
    # The test's own print is not the student's output; each test has its own.
    assert "computing 2\n" in noisy["output"]
    assert "careful\n" in noisy["output"]
    assert "the test's own line" not in noisy["output"]
    assert results["test_quiet"]["output"] == ""


def test_output_is_capped_with_a_marker(results) -> None:
    output = results["test_flood"]["output"]
    assert output.startswith("x" * 100)
    assert output.endswith("... [truncated: 6001 more characters]")
    assert len(output) < 4100


def test_printed_records_stay_output_text(results) -> None:
    assert results["test_quiet"]["status"] == "failed"
    assert '"event": "result"' in results["test_forge"]["output"]
    assert results["test_forge"]["status"] == "failed"


def test_the_message_is_pytests_whole_assertion_explanation(results) -> None:
    diff = results["test_diff[two-rows]"]
    assert diff["title"] == "Rows come back as given [two-rows]"
    message = diff["message"]
    # Both sides in full (quiet runs would abbreviate them to "[{'name': 'an...").
    assert message.startswith(
        "assert [{'name': 'ann', 'score': 90.0}, {'name': 'bob', 'score': 71.5}] == "
    )
    assert "At index 1 diff: {'name': 'bob', 'score': 71.5} != " in message
    assert "Full diff:" in message and "'score': 71.0," in message
    assert "Use -v" not in message and "-vv" not in message
    assert not any(line != line.rstrip() for line in message.splitlines())
