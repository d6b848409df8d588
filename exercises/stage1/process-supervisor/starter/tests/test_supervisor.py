"""Your own tests. Extend this file until it covers at least 70% of supervisor.py.

Use small real child processes (`[sys.executable, "-c", "..."]`) and pass a fake
`sleep` to supervise, so your tests stay fast.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import sys

from supervisor import describe, run


def test_describe_a_clean_exit():
    assert describe(0) == "ok"


def test_run_captures_the_output():
    result = run([sys.executable, "-c", "print('hello')"], timeout=10)
    assert result.returncode == 0
    assert result.stdout == "hello\n"
