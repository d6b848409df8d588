"""The cost of the process split on the hidden suites.

For each exercise of the chosen stages, the median wall time of its hidden suite against its
reference, run by pytest two ways side by side: with the reference imported into the test
process (plain pytest: the baseline), and behind the proxy in a process of its own (the
plugin the sandbox uses), and the ratio. Target: median ratio <= 1.25.

Run: python bench/process_split.py [--rounds N] [--stages 1,4]
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
from grader.graders.hidden_tests import pytest_env
from grader.sandbox.proxy.client import module_names


def _command(exercise: Exercise, work: Path, split: bool) -> list[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [f"--basetemp={work / 'tmp'}", f"--rootdir={exercise.root / 'hidden'}"]
    if split:
        command += [
            "-p",
            "grader.sandbox.proxy.plugin",
            f"--grader-proxy-root={work / 'submission'}",
            "--grader-proxy-modules=" + ",".join(module_names(exercise.solution_files)),
            f"--grader-proxy-seconds={exercise.limits.test_seconds}",
        ]
    return [*command, str(exercise.root / "hidden")]


def median_seconds(exercise: Exercise, rounds: int, split: bool) -> float:
    samples = []
    for round_ in range(rounds + 1):  # the first run warms the caches and is dropped
        with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
            work = Path(tmp)
            shutil.copytree(exercise.reference_dir, work / "submission")
            if exercise.data_dir.is_dir():  # as the job lays it out
                shutil.copytree(exercise.data_dir, work / "submission" / "data")
            env = pytest_env()
            if not split:  # the reference importable in the test process itself
                env["PYTHONPATH"] = str(work / "submission")
            start = time.perf_counter()
            done = subprocess.run(
                _command(exercise, work, split),
                cwd=work / "submission",
                env={**env, "PATH": os.environ["PATH"]},
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(
                f"{exercise.qualified_slug} ({'split' if split else 'plain'}) failed:\n"
                + done.stdout[-2000:]
            )
        if round_:
            samples.append(elapsed)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stages", default="1", help="comma-separated, e.g. 1,4")
    args = parser.parse_args()
    stages = {int(s) for s in args.stages.split(",")}
    ratios = []
    print(f"{'exercise':<32} {'plain':>8} {'split':>8} {'ratio':>6}")
    for exercise in ExercisePack().exercises():
        if exercise.stage not in stages:
            continue
        plain = median_seconds(exercise, args.rounds, split=False)
        split = median_seconds(exercise, args.rounds, split=True)
        ratios.append(split / plain)
        print(
            f"{exercise.qualified_slug:<32} {plain:>7.3f}s {split:>7.3f}s "
            f"{split / plain:>6.2f}"
        )
    print(f"median ratio {statistics.median(ratios):.2f}  (target <= 1.25)")


if __name__ == "__main__":
    main()
