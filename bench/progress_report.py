"""`grader progress --html` on a large student repository: 24 workspaces, 20 scorecards each.

The repository is built from one real scorecard (the grade-book reference graded with the
local backend, or `--scorecard FILE`): one workspace per exercise of the bundled pack
(`start_workspace`), each with 20 attempts of rising score saved as scorecards. Prints the
median wall and CPU time of the command in a fresh process (as a student runs it), the
start-up cost of a bare `grader --version`, the in-process phases: collecting (finding
workspaces, loading and validating every scorecard), rendering the HTML, writing it; and
`grader stage check 1` on the same repository.

Run: python bench/progress_report.py [--rounds N] [--scorecard FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import copy
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from grader.catalog import ExercisePack
from grader.pipeline import grade_workspace
from grader.progress import collect_progress
from grader.progress.html_report import render_html, write_html_report
from grader.runner import LocalBackend
from grader.scorecard import serialize
from grader.scorecard.model import ExerciseRef, Scorecard
from grader.workspace import save_scorecard, start_workspace

ATTEMPTS = 20
REFERENCE = "grade-book"


def real_scorecard(pack: ExercisePack, tmp: Path) -> Scorecard:
    """Grade the reference of a stage 1 exercise with the local backend."""
    exercise = pack.get(REFERENCE)
    workspace = start_workspace(exercise, tmp / "graded")
    shutil.copytree(exercise.reference_dir, workspace.root, dirs_exist_ok=True)
    return grade_workspace(workspace.root, exercise=exercise, backend=LocalBackend())


def build_repository(pack: ExercisePack, card: Scorecard, repo: Path) -> int:
    """One workspace per exercise, ATTEMPTS scorecards each; returns the scorecards saved."""
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    saved = 0
    for index, exercise in enumerate(pack.exercises()):
        workspace = start_workspace(
            exercise, repo / f"stage{exercise.stage}" / exercise.slug
        )
        for attempt in range(ATTEMPTS):
            variant = copy.deepcopy(card)
            variant.exercise = ExerciseRef(
                slug=exercise.qualified_slug,
                stage=exercise.stage,
                version=exercise.version,
            )
            variant.score = round(
                card.max_score * (0.3 + 0.7 * attempt / (ATTEMPTS - 1)), 1
            )
            variant.status = (
                "pass"
                if variant.score >= card.max_score * card.pass_percent / 100
                else "fail"
            )
            when = start + timedelta(days=index, hours=attempt)
            variant.started_at = variant.finished_at = when.strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            save_scorecard(workspace, variant)
            saved += 1
    return saved


def median_seconds(action: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `action`; CPU counts this process and its children,
    which matters on a machine shared with other jobs."""
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), _cpu()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _figure(name: str, seconds: tuple[float, float]) -> str:
    return f"{name}: {seconds[0]:.2f} s wall, {seconds[1]:.2f} s CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=5, help="Runs per figure (median)."
    )
    parser.add_argument(
        "--scorecard", type=Path, help="A saved scorecard to build from."
    )
    parser.add_argument(
        "--keep", type=Path, help="Build the repository here and keep it."
    )
    args = parser.parse_args()
    pack = ExercisePack()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        card = (
            serialize.load(args.scorecard)
            if args.scorecard
            else real_scorecard(pack, tmp)
        )
        repo = args.keep or tmp / "repo"
        began = time.perf_counter()
        saved = build_repository(pack, card, repo)
        print(
            f"repository: {len(pack.exercises())} workspaces, {saved} scorecards "
            f"(built in {time.perf_counter() - began:.1f} s)"
        )
        out = tmp / "progress.html"
        command = [sys.executable, "-m", "grader", "progress", "--repo", str(repo)]
        end_to_end = median_seconds(
            lambda: subprocess.run(
                [*command, "--html", str(out)], check=True, capture_output=True
            ),
            args.rounds,
        )
        startup = median_seconds(
            lambda: subprocess.run(
                [sys.executable, "-m", "grader", "--version"],
                check=True,
                capture_output=True,
            ),
            args.rounds,
        )
        stage_check = median_seconds(
            lambda: subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "grader",
                    "stage",
                    "check",
                    "1",
                    "--repo",
                    str(repo),
                ],
                check=False,
                capture_output=True,
            ),
            args.rounds,
        )
        report = collect_progress(repo=repo, pack=pack)
        collect = median_seconds(
            lambda: collect_progress(repo=repo, pack=pack), args.rounds
        )
        render = median_seconds(lambda: render_html(report), args.rounds)
        write = median_seconds(lambda: write_html_report(report, out), args.rounds)
        attempts = sum(len(e.attempts) for e in report.exercises)
        print(f"medians of {args.rounds} runs")
        print(_figure("grader progress --html, fresh process", end_to_end))
        print(_figure("  of which start-up (grader --version)", startup))
        print(
            _figure(f"  collect: find + load + validate {attempts} scorecards", collect)
            + f" ({1000 * collect[1] / max(attempts, 1):.1f} ms CPU per scorecard)"
        )
        print(_figure("  render HTML", render))
        print(_figure("  write HTML", write))
        print(f"  report size: {out.stat().st_size / 1024:.0f} KiB")
        print(_figure("grader stage check 1, fresh process", stage_check))


if __name__ == "__main__":
    main()
