"""Per-submission wall time of each backend against the bare tools, and batch throughput.

Median of N rounds on the grade-book reference: the four tools run bare (pytest on the hidden
suite, flake8, black --check, coverage of the student's tests), then `grade_workspace` with the
local, bwrap and docker backends (those available), and the ratio of each to the bare tools.
Then `grader batch` on 8 copies with every core. Targets: docker <= 1.6x, bwrap <= 1.2x.
Run: python bench/sandbox_latency.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from grade_latency import bare_commands, timed  # type: ignore[import-not-found]

from grader.batch import grade_batch
from grader.catalog import ExercisePack
from grader.errors import BackendUnavailable
from grader.pipeline import grade_workspace
from grader.runner import get_backend

SLUG = "grade-book"
BATCH_SIZE = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    exercise = ExercisePack().get(SLUG)
    backends = {}
    for name in ("local", "bwrap", "docker"):
        try:
            backends[name] = get_backend(name)
        except BackendUnavailable as exc:
            print(f"{name:<8} unavailable: {exc.message}")
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        shutil.copytree(exercise.reference_dir, workspace)
        bare = bare_commands(exercise, Path(tmp))
        timed(bare)
        for backend in backends.values():
            grade_workspace(workspace, exercise=exercise, backend=backend)  # warm up
        samples: dict[str, list[float]] = {"bare": [], **{n: [] for n in backends}}
        for _ in range(args.rounds):
            samples["bare"].append(timed(bare))
            for name, backend in backends.items():
                start = time.perf_counter()
                card = grade_workspace(workspace, exercise=exercise, backend=backend)
                samples[name].append(time.perf_counter() - start)
                assert card.status == "pass", (name, card.message)
        bare_median = statistics.median(samples["bare"])
        print(f"exercise  {exercise.qualified_slug} (reference), {args.rounds} rounds")
        print(f"bare      {bare_median:.3f} s")
        for name in backends:
            median = statistics.median(samples[name])
            print(f"{name:<8}  {median:.3f} s  ratio {median / bare_median:.2f}")
        batch_root = Path(tmp) / "class"
        for i in range(BATCH_SIZE):
            shutil.copytree(exercise.reference_dir, batch_root / f"student{i:02d}")
        for name, backend in backends.items():
            start = time.perf_counter()
            grade_batch(
                batch_root,
                exercise=exercise,
                backend=backend,
                out_dir=Path(tmp) / f"out-{name}",
                jobs=os.cpu_count() or 1,
                # Throughput only: nothing here counts for anyone.
                allow_reduced=True,
            )
            seconds = time.perf_counter() - start
            print(
                f"batch {name:<8} {BATCH_SIZE} submissions in {seconds:.1f} s: "
                f"{60 * BATCH_SIZE / seconds:.1f} per minute"
            )


if __name__ == "__main__":
    main()
