"""`grader exercism-run` against Exercism's own Python test runner, field by field.

Both runners grade the same inputs: every `test/example-*` fixture of the reference runner,
and every practice and concept exercise of the Python track twice (its example or exemplar
solution in place of the stub, then the untouched stub). The two `results.json` are compared
in status, error message, test names and order, and each test's status, `task_id`, message
and output. Nothing is fetched: both snapshots are folders given on the command line.

The reference runs as Exercism's infrastructure invokes it (`bin/run.py SLUG IN OUT` from the
runner's folder, IN outside it), with the Python of a virtual environment holding its pinned
requirements (`python -m venv V && V/bin/pip install -r RUNNER/requirements.txt`).

    python bench/exercism_conformance.py --runner RUNNER --track TRACK \
        --reference-python V/bin/python [--backend local --backend docker] [--timing]

Paths differ between the two runs (where the solution folder and the interpreter live): a
message's solution folder is read as `<solution>` and the interpreter's own frames (the
standard library, site-packages, frozen modules) are dropped from both before comparing.
Ours is compared through `python -m grader.exercism_runner` (the same `run_exercism` as
`grader exercism-run`, without loading the rest of the CLI). `--timing` times cold gradings
(one process per grading; with `--backend docker`, one `docker run` each) of the reference
and of ours through both entries, side by side and interleaved in one run, on two fixtures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parent.parent
GRADER = REPO / ".venv" / "bin" / "grader"
PYTHON = str(REPO / ".venv" / "bin" / "python")
MODULE = "grader.exercism_runner"
TIMING_FIXTURES = ("example-partial-fail", "example-success-with-subtests")
# A frame of the interpreter or an installed package: a line naming the file, then its code.
_ENV_FRAME = re.compile(
    r"^\S*(site-packages|lib[./]python3|<frozen |importlib)\S*:\d+: in .*$"
)


_ADDRESS = re.compile(r"0x[0-9a-f]{6,}")
_CUT_ADDRESS = re.compile(r"(\[\d+ chars\])[0-9a-f]+>")


@dataclass(frozen=True)
class Case:
    name: str
    slug: str
    source: Path
    # Files copied over the stub before grading: (from, to) relative to `source`.
    replace: tuple[tuple[str, str], ...] = ()


def fixture_cases(runner: Path) -> Iterator[Case]:
    for folder in sorted((runner / "test").glob("example-*")):
        yield Case(f"fixture/{folder.name}", folder.name, folder)


def track_cases(track: Path) -> Iterator[Case]:
    for kind in ("concept", "practice"):
        for folder in sorted((track / "exercises" / kind).iterdir()):
            config = folder / ".meta" / "config.json"
            if not config.is_file():
                continue
            files = json.loads(config.read_text(encoding="utf-8")).get("files", {})
            model = files.get("exemplar") or files.get("example") or []
            solution = files.get("solution") or []
            if len(model) == len(solution):
                yield Case(
                    f"{kind}/{folder.name}/example",
                    folder.name,
                    folder,
                    tuple(zip(model, solution)),
                )
            yield Case(f"{kind}/{folder.name}/stub", folder.name, folder)


def lay_out(case: Case, target: Path) -> Path:
    """The input folder as Exercism hands it to a runner: the files and .meta/config.json."""
    shutil.copytree(
        case.source,
        target,
        ignore=shutil.ignore_patterns(".docs", ".meta", "results.json", "__pycache__"),
    )
    config = case.source / ".meta" / "config.json"
    if config.is_file():
        (target / ".meta").mkdir()
        shutil.copyfile(config, target / ".meta" / "config.json")
    for origin, name in case.replace:
        shutil.copyfile(case.source / origin, target / name)
    return target


def run_reference(
    runner: Path, python: str, case: Case, tmp: Path
) -> tuple[dict[str, Any], Path]:
    solution = lay_out(case, tmp / "ref" / "solution")
    out = tmp / "ref" / "output"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(runner)}
    subprocess.run(
        [python, "bin/run.py", case.slug, str(solution), str(out)],
        cwd=runner,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    return _read(out), solution


def run_ours(
    backend: str, case: Case, tmp: Path, entry: str = "module"
) -> tuple[dict[str, Any], Path]:
    """`grader exercism-run` (entry "cli") or `python -m grader.exercism_runner`."""
    solution = lay_out(case, tmp / backend / "solution")
    out = tmp / backend / "output"
    command = (
        [str(GRADER), "exercism-run"] if entry == "cli" else [PYTHON, "-m", MODULE]
    )
    subprocess.run(
        command + [case.slug, str(solution), str(out), "--backend", backend],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=180,
    )
    return _read(out), solution


def _read(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"status": "missing", "message": f"no results.json: {exc}", "tests": []}
    return data if isinstance(data, dict) else {"status": "invalid", "tests": []}


def normalise(text: str | None, solution: Path) -> str | None:
    """A message without what only says where things were installed or copied."""
    if text is None:
        return None
    for form in (str(solution), str(solution).replace("/", ".")):
        text = text.replace(form, "<solution>")
    # An object's default repr names its address: it differs between any two runs.
    text = _ADDRESS.sub("0x...", text)
    text = _CUT_ADDRESS.sub(r"\1...>", text)  # unittest cut the repr inside an address
    kept: list[str] = []
    skipping = False
    for line in text.split("\n"):
        if _ENV_FRAME.match(line.strip()):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or line.startswith("???")):
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept)


def differences(
    ref: dict[str, Any], ours: dict[str, Any], ref_dir: Path, our_dir: Path
) -> list[str]:
    found = []
    if ref.get("status") != ours.get("status"):
        found.append(f"status: {ref.get('status')!r} != {ours.get('status')!r}")
    a = normalise(ref.get("message"), ref_dir)
    b = normalise(ours.get("message"), our_dir)
    if a != b:
        found.append(f"message:\n    ref: {a!r}\n    our: {b!r}")
    ref_tests, our_tests = ref.get("tests", []), ours.get("tests", [])
    ref_names = [t.get("name") for t in ref_tests]
    our_names = [t.get("name") for t in our_tests]
    if ref_names != our_names:
        found.append(
            f"test names ({len(ref_names)} vs {len(our_names)}):\n"
            f"    ref: {ref_names[:8]}{' ...' if len(ref_names) > 8 else ''}\n"
            f"    our: {our_names[:8]}{' ...' if len(our_names) > 8 else ''}"
        )
        return found
    for r, o in zip(ref_tests, our_tests):
        for key in ("status", "task_id", "message", "output"):
            x, y = r.get(key), o.get(key)
            if key in ("message", "output"):
                x, y = normalise(x, ref_dir), normalise(y, our_dir)
            if x != y:
                found.append(f"{r.get('name')}: {key}: {x!r} != {y!r}")
    return found


def compare(args: argparse.Namespace, cases: list[Case]) -> dict[str, list[int]]:
    tally: dict[str, list[int]] = {}
    for case in cases:
        group = case.name.split("/")[0]
        with tempfile.TemporaryDirectory(
            prefix="exercism-conformance-", dir=args.tmp_base
        ) as name:
            tmp = Path(name)
            ref, ref_dir = run_reference(args.runner, args.reference_python, case, tmp)
            for backend in args.backend:
                ours, our_dir = run_ours(backend, case, tmp)
                found = differences(ref, ours, ref_dir, our_dir)
                counts = tally.setdefault(f"{group} ({backend})", [0, 0])
                counts[0 if not found else 1] += 1
                mark = "identical" if not found else "DIFFERENT"
                print(f"{mark:<9} {backend:<6} {case.name}", flush=True)
                for line in found[: args.show]:
                    print(f"    {line}")
                if len(found) > args.show:
                    print(f"    ... {len(found) - args.show} more differences")
    return tally


def timing(args: argparse.Namespace) -> None:
    """Cold gradings, interleaved so that the machine's load falls on each runner alike."""
    cases = [c for c in fixture_cases(args.runner) if c.slug in TIMING_FIXTURES]
    samples: dict[tuple[str, str], list[float]] = {}
    runners: list[tuple[str, Any]] = [
        (
            "reference (host venv)",
            lambda c, t: run_reference(args.runner, args.reference_python, c, t),
        )
    ]
    if args.reference_image:
        runners.append(
            (
                "reference (docker)",
                lambda c, t: run_reference_image(args.reference_image, c, t),
            )
        )
    for backend in args.backend:
        for entry in ("cli", "module"):
            label = f"ours {entry} --backend {backend}"
            runners.append((label, _ours_runner(backend, entry)))
    for _ in range(args.rounds):
        for case in cases:
            for label, run in runners:
                with tempfile.TemporaryDirectory(
                    prefix="exercism-timing-", dir=args.tmp_base
                ) as name:
                    start = time.perf_counter()
                    run(case, Path(name))
                    elapsed = time.perf_counter() - start
                samples.setdefault((label, case.slug), []).append(elapsed)
    print(f"\ncold seconds per grading, median of {args.rounds}:")
    base = {c.slug: statistics.median(samples[(runners[0][0], c.slug)]) for c in cases}
    for label, _ in runners:
        for case in cases:
            median = statistics.median(samples[(label, case.slug)])
            ratio = median / base[case.slug]
            print(f"  {label:<30} {case.slug:<32} {median:6.2f} s  {ratio:4.2f}x")


def _ours_runner(backend: str, entry: str) -> Any:
    return lambda case, tmp: run_ours(backend, case, tmp, entry)


def run_reference_image(image: str, case: Case, tmp: Path) -> dict[str, Any]:
    """The reference runner's image, invoked as Exercism's infrastructure does."""
    solution = lay_out(case, tmp / "solution")
    out = tmp / "output"
    out.mkdir()
    subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--read-only"]
        + ["--mount", f"type=bind,src={solution},dst=/solution"]
        + ["--mount", f"type=bind,src={out},dst=/output"]
        + [
            "--mount",
            "type=tmpfs,dst=/tmp",
            image,
            case.slug,
            "/solution/",
            "/output/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    return _read(out)


def outside(runner: Path) -> str:
    """A temporary folder that shares only `/` with the runner's folder, as `/solution`
    shares only `/` with `/opt/test-runner` in Exercism's image: the reference rewrites the
    common part of the two paths in its messages."""
    for base in (tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        if os.path.commonpath([runner, base]) == "/" and os.access(base, os.W_OK):
            return base
    sys.exit(f"no temporary folder outside {runner}: move the runner's snapshot")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runner", type=Path, required=True, help="python-test-runner")
    parser.add_argument("--track", type=Path, help="the Python track (exercism/python)")
    parser.add_argument(
        "--reference-python",
        required=True,
        help="a Python with the runner's requirements.txt installed",
    )
    parser.add_argument(
        "--backend", action="append", choices=("local", "docker", "bwrap")
    )
    parser.add_argument(
        "--only",
        action="append",
        help="only the cases whose name contains this (repeat)",
    )
    parser.add_argument("--show", type=int, default=6, help="differences per case")
    parser.add_argument("--timing", action="store_true", help="time cold gradings")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reference-image", help="the reference runner's image, timed")
    parser.add_argument("--no-compare", action="store_true")
    args = parser.parse_args()
    args.backend = args.backend or ["local"]
    args.tmp_base = outside(args.runner.resolve())
    for folder in (args.runner, args.track):
        if folder is not None and not folder.is_dir():
            sys.exit(f"{folder} is not a folder: give the snapshot's checkout")
    if not args.no_compare:
        cases = list(fixture_cases(args.runner))
        if args.track is not None:
            cases += list(track_cases(args.track))
        if args.only:
            cases = [c for c in cases if any(o in c.name for o in args.only)]
        tally = compare(args, cases)
        print("\nidentical / compared:")
        for group, (same, different) in tally.items():
            print(f"  {group:<24} {same} of {same + different}")
    if args.timing:
        timing(args)


if __name__ == "__main__":
    main()
