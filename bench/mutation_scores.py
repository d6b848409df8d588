"""Hidden-suite strength: the mutation score of every exercise of the bundled pack.

One line per exercise (slug, mutants run, killed, score, seconds, and how many of the kills
were by the time limit), then the mean score.
An exercise that cannot be measured (broken exercise.toml, a reference that fails its own
hidden suite) prints its reason instead and is left out of the mean.
Target: >= 85% each.   Run: python bench/mutation_scores.py [SLUG ...] [--max-mutants N]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from grader.catalog import ExercisePack, load_exercise
from grader.authoring.mutation import (
    DEFAULT_MAX_MUTANTS,
    TARGET_PERCENT,
    mutation_score,
)
from grader.errors import ExerciseError


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("slugs", nargs="*", help="only these exercises (default: all)")
    parser.add_argument("--max-mutants", type=int, default=DEFAULT_MAX_MUTANTS)
    parser.add_argument("--jobs", type=int, default=None, help="default: all CPUs")
    parser.add_argument(
        "--exercises", type=Path, default=None, help="default: the bundled pack"
    )
    args = parser.parse_args()
    pack = ExercisePack(args.exercises)
    try:
        roots = [pack.get(s).root for s in args.slugs] or pack.exercise_dirs()
    except ExerciseError as exc:
        parser.error(exc.message)
    print(f"{'exercise':<28} {'mutants':>7} {'killed':>6} {'score':>7} {'seconds':>8}")
    scores = []
    for root in roots:
        name = f"{root.parent.name}/{root.name}"
        try:
            report = mutation_score(
                load_exercise(root), max_mutants=args.max_mutants, jobs=args.jobs
            )
        except ExerciseError as exc:
            print(f"{name:<28} not measured: {exc.message[:200]}", flush=True)
            continue
        scores.append(report.score)
        timeouts = sum(r.timed_out for r in report.results)
        mark = f"  ({timeouts} by timeout)" if timeouts else ""
        mark += "" if report.score >= TARGET_PERCENT else "  < target"
        print(
            f"{report.slug:<28} {report.total:>7} {report.killed:>6} "
            f"{report.score:>6.1f}% {report.duration:>8.1f}{mark}",
            flush=True,
        )
    mean = f"{statistics.mean(scores):.1f}%" if scores else "n/a"
    print(
        f"{'mean':<28} {mean} over {len(scores)} exercises (target >= {TARGET_PERCENT:g}%)"
    )


if __name__ == "__main__":
    main()
