"""The cost of the process split on the stage-1 hidden suites.

For each stage-1 exercise, the median wall time of grading its reference with only the hidden
tests check, with the submission behind the proxy in its own process (`isolation = "process"`,
the default) and imported into the test process (`"in-process"`), and the ratio.
Target: ratio <= 1.25.   Run: python bench/process_split.py [--rounds N]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

from grader.catalog import ExercisePack
from grader.catalog.model import CheckConfig, Exercise
from grader.grading import grade_workspace
from grader.runner import LocalBackend


def tests_only(exercise: Exercise, isolation: str) -> Exercise:
    tests = exercise.check("tests")
    assert tests is not None
    options = {**tests.options, "isolation": isolation}
    return dataclasses.replace(
        exercise, checks=(CheckConfig("tests", tests.weight, options),)
    )


def median_seconds(exercise: Exercise, rounds: int) -> float:
    backend = LocalBackend()
    grade_workspace(
        exercise.reference_dir, exercise=exercise, backend=backend
    )  # warm up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        card = grade_workspace(
            exercise.reference_dir, exercise=exercise, backend=backend
        )
        samples.append(time.perf_counter() - start)
        assert card.status == "pass", card.message
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ratios = []
    print(f"{'exercise':<32} {'in-process':>10} {'split':>8} {'ratio':>6}")
    for exercise in ExercisePack().exercises():
        if exercise.stage != 1:
            continue
        direct = median_seconds(tests_only(exercise, "in-process"), args.rounds)
        split = median_seconds(tests_only(exercise, "process"), args.rounds)
        ratios.append(split / direct)
        print(
            f"{exercise.qualified_slug:<32} {direct:>9.3f}s {split:>7.3f}s {split / direct:>6.2f}"
        )
    print(f"median ratio {statistics.median(ratios):.2f}  (target <= 1.25)")


if __name__ == "__main__":
    main()
