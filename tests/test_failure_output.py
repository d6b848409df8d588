"""What the student's code printed is never lost: a call that timed out or whose process
died still shows what it printed before, and what the module printed while it was imported
is shown with the first test that did not pass. Run as the sandbox runs the hidden tests
(the trusted pytest, the results plugin, the proxy), then through a whole grading on the
local and the Docker backend."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from grader.catalog import ExercisePack
from grader.graders.hidden_tests import IMPORT_MARK, TEST_MARK
from grader.pipeline import grade_workspace
from grader.scorecard.model import outcomes_of
from tests.conftest import FIXTURE_PACK, WORD_COUNT

pytest_plugins = ["pytester"]

STUDENT = """
import os
import sys
import time

print("module loaded")


def stuck(n):
    print(f"looking at {n}")
    print("about to loop", file=sys.stderr)
    sys.stdout.flush()
    while True:
        time.sleep(0.01)


def dies(n):
    print(f"before the crash {n}")
    os._exit(3)


def flood():
    print("y" * 200_000)
    while True:
        time.sleep(0.01)


def fine():
    print("all good")
    return 1
"""

SUITE = """
from mod import stuck, dies, flood, fine


def test_fine():
    assert fine() == 1


def test_stuck():
    assert stuck(7) == 8


def test_dies():
    assert dies(5) == 6


def test_flood():
    assert flood() == 0


def test_after():
    assert fine() == 2
"""


@pytest.fixture(scope="module")
def records(pytester_module: Path) -> list[dict]:
    return [json.loads(line) for line in pytester_module.read_text().splitlines()]


@pytest.fixture(scope="module")
def pytester_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("failure-output")
    student = root / "student"
    student.mkdir()
    (student / "mod.py").write_text(textwrap.dedent(STUDENT))
    (root / "test_sample.py").write_text(SUITE)
    out = root / "out.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "grader.sandbox.pytest_plugin",
            "-p",
            "grader.sandbox.proxy.plugin",
            f"--grader-proxy-root={student}",
            "--grader-proxy-modules=mod",
            "--grader-proxy-seconds=1",
            "--grader-test-seconds=3",
            f"--grader-results={out}",
            f"--grader-student-root={student}",
            "test_sample.py",
        ],
        cwd=root,
        capture_output=True,
        timeout=120,
    )
    return out


def _result(records: list[dict], name: str) -> dict:
    return next(r for r in records if r["event"] == "result" and r["id"].endswith(name))


def test_a_call_that_times_out_keeps_what_it_printed(records) -> None:
    stuck = _result(records, "::test_stuck")
    assert stuck["status"] == "timeout"
    assert "looking at 7\n" in stuck["output"]
    assert "about to loop\n" in stuck["output"]


def test_a_process_that_dies_keeps_what_it_printed(records) -> None:
    dies = _result(records, "::test_dies")
    assert dies["status"] == "failed"
    assert "StudentCrashed" in dies["message"]
    # The process restarted after test_stuck imports the module again: its print too.
    assert dies["output"] == "module loaded\nbefore the crash 5\n"


def test_output_of_a_call_that_never_answered_is_capped_with_a_marker(
    records,
) -> None:
    flood = _result(records, "::test_flood")
    assert flood["status"] == "timeout"
    assert flood["output"].startswith("module loaded\n" + "y" * 100)
    assert "... [truncated: " in flood["output"]
    assert len(flood["output"]) < 4100


def test_each_test_keeps_only_its_own_output(records) -> None:
    # The restarted process imports the module again: that print is the test's own.
    after = _result(records, "::test_after")
    assert "all good\n" in after["output"]
    assert "looking at" not in after["output"] and "y" * 10 not in after["output"]
    assert _result(records, "::test_fine")["output"] == "all good\n"


def test_what_the_import_printed_is_a_record_of_its_own(records) -> None:
    printed = [r for r in records if r["event"] == "import_output"]
    assert printed == [{"event": "import_output", "text": "module loaded\n"}]


# A whole grading: word-count whose module prints when imported, whose counting prints then
# never returns, and whose ranking prints then kills its process.
NOISY_SOLUTION = '''"""Counting words, with prints left in."""

import os
import re

WORD = re.compile(r"[a-z']+")
print("debug: word_count imported")


def count_words(text: str) -> dict[str, int]:
    """Lower-cased word -> number of occurrences."""
    print(f"counting {text!r}")
    while True:
        pass


def top_words(text: str, n: int) -> list[str]:
    """The n most common words."""
    print(f"ranking {n}")
    os._exit(1)
'''


def _graded(tmp_path: Path, backend: object):
    workspace = tmp_path / "submission"
    shutil.copytree(WORD_COUNT / "reference", workspace)
    (workspace / "word_count.py").write_text(NOISY_SOLUTION)
    exercise = ExercisePack(FIXTURE_PACK).get("word-count")
    card = grade_workspace(workspace, exercise=exercise, backend=backend)
    tests = next(c for c in card.checks if c.id == "tests")
    return {t.id.split("::")[-1]: t for t in outcomes_of(tests)}


def _assert_nothing_lost(outcomes: dict) -> None:
    first = outcomes["test_counts_each_word"]
    assert first.status == "timeout"
    # The import's print leads the first failing test's output, labelled; then its own.
    assert first.output.startswith(f"{IMPORT_MARK}\ndebug: word_count imported\n")
    assert f"{TEST_MARK}\ncounting 'to be or not to be'" in first.output
    # Later tests show their own prints (the restarted process's import among them).
    later = outcomes["test_empty_text"]
    assert IMPORT_MARK not in later.output and "counting ''" in later.output
    ranked = outcomes["test_top_words_order"]
    assert ranked.status == "failed" and "ranking 2" in ranked.output


def test_a_local_grading_keeps_every_print(tmp_path: Path, local_backend) -> None:
    _assert_nothing_lost(_graded(tmp_path, local_backend))


@pytest.mark.docker
@pytest.mark.slow
def test_a_docker_grading_keeps_every_print(tmp_path: Path, docker_backend) -> None:
    _assert_nothing_lost(_graded(tmp_path, docker_backend))


def test_a_test_the_watchdog_kills_keeps_what_its_code_printed(tmp_path: Path) -> None:
    """The test process itself is stopped from outside (here its own timer is off; in a
    loaded sandbox it may not act in time): what the code printed was streamed as it came.
    """
    import time

    from grader.sandbox.pytest_session import pytest_command, run_pytest_watched

    student = tmp_path / "student"
    student.mkdir()
    (student / "slow.py").write_text(
        "import time\n\n\ndef hang():\n    print('before the hang')\n"
        "    time.sleep(8)\n    return 1\n"
    )
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_slow.py").write_text(
        "from slow import hang\n\n\ndef test_hang():\n    assert hang() == 2\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    command = pytest_command(
        ini=tmp_path / "pytest.ini",
        rootdir=suite,
        test_seconds=0,  # no timer of its own: only the watchdog stops it
        student_root=student,
    ) + [
        "-p",
        "grader.sandbox.proxy.plugin",
        f"--grader-proxy-root={student}",
        "--grader-proxy-modules=slow",
        "--grader-proxy-seconds=60",
    ]
    run = run_pytest_watched(
        command,
        [str(suite)],
        cwd=tmp_path,
        log_path=tmp_path / "pytest.log",
        test_seconds=1.0,
        deadline=time.monotonic() + 60,
    )
    blamed = run.results["test_slow.py::test_hang"]
    assert blamed["status"] == "timeout" and "was stopped" in blamed["message"]
    assert blamed["output"] == "before the hang\n"
