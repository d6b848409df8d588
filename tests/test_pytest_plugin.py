"""The reporting plugin, driven through pytester as a user's pytest run would load it."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def run_plugin(
    pytester: pytest.Pytester, source: str, seconds: float = 0
) -> list[dict]:
    pytester.makepyfile(test_sample=source)
    out = pytester.path / "out.jsonl"
    pytester.runpytest_subprocess(
        "-p",
        "grader.sandbox.pytest_plugin",
        f"--grader-results={out}",
        f"--grader-test-seconds={seconds}",
        f"--grader-student-root={pytester.path}",
    )
    return records(out)


def test_titles_tasks_points_and_core_come_from_docstrings_and_markers(
    pytester,
) -> None:
    recs = run_plugin(
        pytester,
        '''
import pytest

@pytest.mark.task(2)
@pytest.mark.points(3)
def test_a():
    """Adds two numbers
    more text"""

@pytest.mark.task(taskno=1)
@pytest.mark.core
@pytest.mark.parametrize("n", [1, 2])
def test_b(n):
    """Handles n"""
''',
    )
    (collected,) = [r for r in recs if r["event"] == "collected"]
    assert collected["items"] == [
        {
            "id": "test_sample.py::test_a",
            "title": "Adds two numbers",
            "task": 2,
            "points": 3.0,
            "core": False,
        },
        {
            "id": "test_sample.py::test_b[1]",
            "title": "Handles n [1]",
            "task": 1,
            "points": 1.0,
            "core": True,
        },
        {
            "id": "test_sample.py::test_b[2]",
            "title": "Handles n [2]",
            "task": 1,
            "points": 1.0,
            "core": True,
        },
    ]
    assert [r["status"] for r in recs if r["event"] == "result"] == ["passed"] * 3


def test_failure_points_at_the_students_file_and_line(pytester) -> None:
    pytester.makepyfile(student="def f():\n    return 1 / 0\n")
    recs = run_plugin(pytester, "from student import f\n\ndef test_f():\n    f()\n")
    (result,) = [r for r in recs if r["event"] == "result"]
    assert result["status"] == "failed"
    assert result["message"] == "ZeroDivisionError: division by zero"
    assert result["location"].startswith("student.py:2 in f")


def test_per_test_timeout_fails_only_that_test(pytester) -> None:
    recs = run_plugin(
        pytester,
        "def test_loop():\n    while True:\n        pass\n\ndef test_after():\n    pass\n",
        seconds=0.5,
    )
    results = {r["id"]: r for r in recs if r["event"] == "result"}
    assert results["test_sample.py::test_loop"]["status"] == "timeout"
    assert "0.5 s" in results["test_sample.py::test_loop"]["message"]
    assert results["test_sample.py::test_after"]["status"] == "passed"


def test_timeout_is_not_caught_by_except_exception(pytester) -> None:
    recs = run_plugin(
        pytester,
        "def test_loop():\n    try:\n        while True:\n            pass\n"
        "    except Exception:\n        pass\n",
        seconds=0.3,
    )
    (result,) = [r for r in recs if r["event"] == "result"]
    assert result["status"] == "timeout"


def test_captured_output_is_capped(pytester) -> None:
    recs = run_plugin(
        pytester, "def test_noisy():\n    print('x' * 10000)\n    assert False\n"
    )
    (result,) = [r for r in recs if r["event"] == "result"]
    assert len(result["output"]) < 4100
    assert "[truncated:" in result["output"]


def test_import_error_is_a_collect_error_with_location(pytester) -> None:
    pytester.makepyfile(student="import not_a_module_anywhere\n")
    recs = run_plugin(pytester, "import student\n\ndef test_x():\n    pass\n")
    (error,) = [r for r in recs if r["event"] == "collect_error"]
    assert "No module named 'not_a_module_anywhere'" in error["message"]
    assert error["location"].startswith("student.py:1")


def test_unittest_methods_take_their_task_from_taskno(pytester) -> None:
    recs = run_plugin(
        pytester,
        """
import unittest
import pytest

class SampleTest(unittest.TestCase):
    @pytest.mark.task(taskno=3)
    def test_one(self):
        self.assertEqual(1, 1)
""",
    )
    (result,) = [r for r in recs if r["event"] == "result"]
    assert (result["task"], result["status"]) == (3, "passed")


def test_a_failing_subtest_fails_its_test_and_prints_no_progress_letters(
    pytester,
) -> None:
    recs = run_plugin(
        pytester,
        """
import unittest

class SampleTest(unittest.TestCase):
    def test_variations(self):
        for n in (1, 2, 3):
            with self.subTest(f"variation #{n}", n=n):
                print("checking", n)
                self.assertNotEqual(n, 2)
""",
    )
    (result,) = [r for r in recs if r["event"] == "result"]
    assert result["status"] == "failed"
    assert result["message"] == "2 == 2"
    assert result["output"] == "checking 1\nchecking 2\nchecking 3\n"
