"""Grading latency: `grader submit --backend local` against the same four tools run bare.

Prints the median wall time of each over N rounds on the grade-book reference, and the ratio.
Target: ratio <= 1.3.   Run: python bench/grade_latency.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise

SLUG = "grade-book"


# Both sides run pytest without third-party plugin autoload, as the grader does.
ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def timed(commands: list[tuple[list[str], Path]]) -> float:
    start = time.perf_counter()
    for command, cwd in commands:
        subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=ENV)
    return time.perf_counter() - start


def bare_commands(exercise: Exercise, tmp: Path) -> list[tuple[list[str], Path]]:
    """The four tools run bare on a copy of the reference, as a person would type them."""
    py = sys.executable
    bare_dir = tmp / "bare"
    shutil.copytree(exercise.reference_dir, bare_dir)
    files = [str(bare_dir / f) for f in exercise.solution_files + exercise.test_files]
    solution = ",".join(str(bare_dir / f) for f in exercise.solution_files)
    pythonpath = f"pythonpath={bare_dir}"
    return [
        (
            [
                py,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                pythonpath,
                str(exercise.hidden_dir),
            ],
            bare_dir,
        ),
        ([py, "-m", "flake8", "--max-line-length=88", *files], bare_dir),
        ([py, "-m", "black", "--check", "-q", *files], bare_dir),
        (
            [
                py,
                "-m",
                "coverage",
                "run",
                f"--include={solution}",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                "pythonpath=.",
                *exercise.test_files,
            ],
            bare_dir,
        ),
        ([py, "-m", "coverage", "json", "-q", "-o", str(tmp / "cov.json")], bare_dir),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    exercise = ExercisePack().get(SLUG)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        subprocess.run(
            [py, "-m", "grader", "start", SLUG, str(ws)],
            check=True,
            capture_output=True,
        )
        for rel in exercise.solution_files + exercise.test_files:
            shutil.copy(exercise.reference_dir / rel, ws / rel)
        bare = bare_commands(exercise, Path(tmp))
        grader = [
            (
                [py, "-m", "grader", "submit", str(ws), "--backend", "local", "--json"],
                ws,
            )
        ]
        timed(bare), timed(grader)  # warm the page cache and bytecode caches
        bare_times, grader_times = [], []
        for _ in range(args.rounds):
            bare_times.append(timed(bare))
            grader_times.append(timed(grader))
    bare_median = statistics.median(bare_times)
    grader_median = statistics.median(grader_times)
    print(
        f"exercise            {exercise.qualified_slug} (reference), {args.rounds} rounds"
    )
    print(
        f"bare tools median   {bare_median:.3f} s  (pytest hidden, flake8, black, coverage)"
    )
    print(f"grader submit       {grader_median:.3f} s  (--backend local)")
    print(f"ratio               {grader_median / bare_median:.2f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
