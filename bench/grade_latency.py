"""Grading latency: `grader submit --backend local` against the same four tools run bare.

Prints the median wall time of each over N rounds on the grade-book reference, and the ratio.
Target: ratio <= 1.3.   Run: python bench/grade_latency.py [--rounds N] [--against COMMIT]

With `--against COMMIT`, the grader of that commit (checked out into a temporary git
worktree, run with this virtualenv) grades the same workspace in the same rounds, turn about
with this one, and the ratio of this grader to that one is printed too (target <= 1.05 for a
change that should not cost time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from grader.catalog import ExercisePack
from grader.catalog.loader import EXERCISES_ENV
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


def worktree(commit: str, where: Path) -> Path:
    """`commit` of this repository checked out at `where` (removed by the caller's cleanup)."""
    repo = Path(__file__).resolve().parent.parent
    subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "--detach", str(where), commit],
        check=True,
        capture_output=True,
    )
    return where


def remove_worktree(where: Path) -> None:
    repo = Path(__file__).resolve().parent.parent
    subprocess.run(
        ["git", "-C", str(repo), "worktree", "remove", "--force", str(where)],
        check=False,
        capture_output=True,
    )


def baseline_python(code: Path, where: Path) -> Path:
    """A virtualenv whose `grader` is the checkout at `code`, with this one's libraries.

    The grader starts its sandbox entrypoint with `python -I`, which ignores PYTHONPATH:
    the checkout must be on the interpreter's own path, through a .pth file.
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True
    )
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = Path(
        subprocess.run(
            [str(where / "bin" / "python"), "-c", PURELIB],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # .pth lines are added in file-name order: the baseline's grader before our libraries.
    (theirs / "00_baseline_grader.pth").write_text(f"{code}\n", encoding="utf-8")
    (theirs / "01_libraries.pth").write_text(f"{ours}\n", encoding="utf-8")
    return where / "bin" / "python"


PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def submit_command(ws: Path, python: str) -> list[tuple[list[str], Path]]:
    """`grader submit` on `ws` with the grader that `python` imports."""
    command = [python, "-m", "grader", "submit", str(ws), "--backend", "local"]
    return [(command + ["--json"], ws)]


def require_pass(name: str, commands: list[tuple[list[str], Path]]) -> None:
    """Grade once and stop unless the reference passes: a broken run is fast, not a result."""
    ((command, cwd),) = commands
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENV)
    try:
        status = json.loads(done.stdout)["status"]
    except (ValueError, KeyError, TypeError):
        status = f"no scorecard (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    if status != "pass":
        sys.exit(f"{name} did not pass the reference: {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--against", metavar="COMMIT", help="also time the grader of this commit"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        baseline_code = (
            worktree(args.against, Path(tmp) / "baseline") if args.against else None
        )
        try:
            if baseline_code is not None:
                # Both graders grade the same exercise: the baseline's, which both read
                # (a newer pack may hold fields an older grader refuses).
                os.environ[EXERCISES_ENV] = str(baseline_code / "exercises")
                ENV[EXERCISES_ENV] = os.environ[EXERCISES_ENV]
            exercise = ExercisePack().get(SLUG)
            result = measure(exercise, Path(tmp), args.rounds, baseline_code)
        finally:
            if baseline_code is not None:
                remove_worktree(baseline_code)
    report(exercise, args.rounds, args.against, *result)


def measure(
    exercise: Exercise, tmp: Path, rounds: int, baseline_code: Path | None
) -> tuple[list[float], list[float], list[float]]:
    """Wall times of the bare tools, this grader and the baseline grader, round by round."""
    py = sys.executable
    ws = Path(tmp) / "ws"
    subprocess.run(
        [py, "-m", "grader", "start", SLUG, str(ws)],
        check=True,
        capture_output=True,
    )
    for rel in exercise.solution_files + exercise.test_files:
        shutil.copy(exercise.reference_dir / rel, ws / rel)
    bare = bare_commands(exercise, tmp)
    grader = submit_command(ws, py)
    baseline = []
    if baseline_code is not None:
        python = baseline_python(baseline_code, tmp / "baseline-venv")
        baseline = submit_command(ws, str(python))
    timed(bare)  # warm the caches
    for name, command in (("this grader", grader), ("the baseline", baseline)):
        if command:
            require_pass(name, command)
    bare_times: list[float] = []
    grader_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(rounds):
        bare_times.append(timed(bare))
        grader_times.append(timed(grader))
        if baseline:
            baseline_times.append(timed(baseline))
    return bare_times, grader_times, baseline_times


def report(
    exercise: Exercise,
    rounds: int,
    against: str | None,
    bare_times: list[float],
    grader_times: list[float],
    baseline_times: list[float],
) -> None:
    bare_median = statistics.median(bare_times)
    grader_median = statistics.median(grader_times)
    print(f"exercise            {exercise.qualified_slug} (reference), {rounds} rounds")
    print(
        f"bare tools median   {bare_median:.3f} s  (pytest hidden, flake8, black, coverage)"
    )
    print(f"grader submit       {grader_median:.3f} s  (--backend local)")
    print(f"ratio               {grader_median / bare_median:.2f}  (target <= 1.3)")
    if baseline_times:
        baseline_median = statistics.median(baseline_times)
        print(f"grader at {against[:12]:<12} {baseline_median:.3f} s  (same rounds)")
        print(
            f"ratio to baseline   {grader_median / baseline_median:.2f}  (target <= 1.05)"
        )


if __name__ == "__main__":
    main()
