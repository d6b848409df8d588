"""A drop-in Exercism test runner for the Python track, built on our own grading.

`run_exercism(slug=..., input_dir=..., output_dir=...)` follows Exercism's test-runner
interface: the solution and its test file sit side by side in INPUT_DIR (named by
`.meta/config.json`, or by the `<slug_with_underscores>[_test].py` convention), and
OUTPUT_DIR/results.json (version 3) is always written. A missing file, a broken solution or
a machine without the requested backend is a `status: error` result with a message, never a
crash.

The tests run as any hidden suite does: a temporary exercise whose only check is the test
file, graded by `grade_workspace` in the chosen backend (per-test time limits, the
submission in its own process), then rendered by the Exercism exporter with each test's
code and file order read from the test file.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from grader.catalog.loader import load_exercise
from grader.catalog.model import Exercise
from grader.errors import GraderError
from grader.pipeline import grade_workspace
from grader.runner import NoSandboxWarning, get_backend
from grader.scorecard.caps import cap_text
from grader.scorecard.exports import exercism
from grader.scorecard.exports._shared import hidden_tests, tests_check
from grader.scorecard.exports.exercism import TestSource, source_key
from grader.scorecard.model import Scorecard, TestOutcome
from grader.files import write_atomic

DEFAULT_TEST_SECONDS = 5.0
DEFAULT_RUN_SECONDS = 20.0  # Exercism gives a test runner 20 s per solution
RESULTS_NAME = "results.json"
# Exercism's slugs (as their runners check them), and the file names an exercise may use.
SLUG = re.compile(r"^[a-z]+(-[0-9a-z]+)*$")
FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


class ExercismInputError(GraderError):
    """INPUT_DIR does not hold what the exercise needs (reported in results.json)."""


@dataclass(frozen=True)
class ExercismLayout:
    """The files of one Exercism exercise, relative to INPUT_DIR."""

    solution: tuple[str, ...]
    tests: tuple[str, ...]
    editor: tuple[str, ...] = ()


@dataclass
class ExercismRun:
    status: str
    path: Path
    warnings: list[str] = field(default_factory=list)


def run_exercism(
    *,
    slug: str,
    input_dir: Path,
    output_dir: Path,
    backend: str = "auto",
    test_seconds: float = DEFAULT_TEST_SECONDS,
    run_seconds: float = DEFAULT_RUN_SECONDS,
) -> ExercismRun:
    """Grade the solution in `input_dir` and write `output_dir`/results.json.

    Only an unwritable `output_dir` raises (GraderError); every other problem is a
    `status: error` result that says what to fix.
    """
    path = output_dir / RESULTS_NAME
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GraderError(
            f"cannot create the output folder {output_dir}: {exc.strerror or exc}"
        ) from None
    caught: list[str] = []
    try:
        document = _grade(
            slug=slug,
            input_dir=input_dir,
            backend=backend,
            test_seconds=test_seconds,
            run_seconds=run_seconds,
            warned=caught,
        )
    except GraderError as exc:
        document = error_results(exc.message)
    except Exception as exc:  # a harness fault: still a results file, and the traceback
        traceback.print_exc()
        document = error_results(f"the test runner failed: {type(exc).__name__}: {exc}")
    try:
        write_atomic(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        raise GraderError(f"cannot write {path}: {exc.strerror or exc}") from None
    return ExercismRun(status=document["status"], path=path, warnings=caught)


def error_results(message: str) -> dict[str, Any]:
    return {
        "version": exercism.VERSION,
        "status": "error",
        "message": message,
        "tests": [],
    }


def find_layout(input_dir: Path, slug: str) -> ExercismLayout:
    """Which files are the solution, the tests and the helpers; the tests checked to exist.

    As Exercism's runner: the tests are `files.test` (else `<slug>_test.py`) and are simply
    run. The solution is `files.solution`, else `<slug>.py`, else, when neither is there,
    every other module beside the tests: whatever the tests import is graded.
    """
    if not SLUG.match(slug):
        raise ExercismInputError(
            f"{slug!r} is not an Exercism exercise slug (lowercase words joined by '-')"
        )
    if not input_dir.is_dir():
        raise ExercismInputError(f"the input folder {input_dir} does not exist")
    files = _config_files(input_dir)
    stem = slug.replace("-", "_")
    tests = _names(files, "test") or (f"{stem}_test.py",)
    for name in tests:
        if not (input_dir / name).is_file():
            raise ExercismInputError(
                f"the test file {name} is missing from the input folder; it must sit "
                "there under that name (see .meta/config.json, files.test)"
            )
    solution = tuple(
        n for n in _names(files, "solution") if (input_dir / n).is_file()
    ) or tuple(n for n in (f"{stem}.py",) if (input_dir / n).is_file())
    if not solution:
        solution = tuple(
            sorted(
                p.name
                for p in input_dir.glob("*.py")
                if p.is_file() and p.name not in tests
            )
        )
    return ExercismLayout(
        solution=solution,
        tests=tests,
        editor=tuple(n for n in _names(files, "editor") if (input_dir / n).is_file()),
    )


def helper_modules(input_dir: Path, tests: Iterable[str]) -> set[str]:
    """The modules beside the tests that the tests import, other than the solution: a test
    file another one imports (paasio's `test_utils.py`) or an unlisted one
    (error-handling's `test_utils.py`). As in Exercism's runner, the tests import them
    from the input folder."""
    listed = {_module_name(n): n for n in tests if n.endswith(".py")}
    beside = {
        p.stem: p.name for p in input_dir.glob("*.py") if p.name not in listed.values()
    }
    imported: set[str] = set()
    for name in listed.values():
        try:
            tree = ast.parse((input_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
    return {listed[m] for m in imported if m in listed} | {
        beside[m] for m in imported if m in beside
    }


def read_test_sources(
    input_dir: Path, test_files: Iterable[str]
) -> dict[str, TestSource]:
    """Each test function's place and body, keyed like pytest ids (`file::Class::test`)."""
    sources: dict[str, TestSource] = {}
    for index, name in enumerate(test_files):
        try:
            text = (input_dir / name).read_text(encoding="utf-8")
            tree = ast.parse(text, filename=name)
        except (OSError, ValueError, SyntaxError):
            continue  # pytest reports a broken test file; only the code is missing here
        lines = text.splitlines()
        _collect_tests(tree.body, [name], index, lines, sources)
    return sources


def write_exercise(
    root: Path,
    *,
    slug: str,
    layout: ExercismLayout,
    input_dir: Path,
    test_seconds: float,
    run_seconds: float,
) -> Exercise:
    """A one-check exercise in `root`: the test files are its hidden suite."""
    helpers = helper_modules(input_dir, layout.tests)
    for name in layout.tests:
        if name in helpers or not name.endswith(".py"):
            continue
        target = root / "hidden" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(input_dir / name, target)
    # Helper files (read-only `editor` files, test data and helpers listed with the tests)
    # are imported by the tests and the solution alike. The hidden suite cannot import its
    # neighbours, so they go with the solution, and the tests reach them the way they reach
    # the solution.
    extra = [
        *layout.editor,
        *(n for n in layout.tests if n not in _suite(layout, helpers)),
        *sorted(n for n in helpers if n not in layout.tests),
    ]
    solution = list(dict.fromkeys([*layout.solution, *extra]))
    title = json.dumps(slug)
    (root / "exercise.toml").write_text(
        "\n".join(
            [
                f"slug = {title}",
                "stage = 1",
                'version = "0.0.0"',
                f"title = {{ en = {title}, zh = {title} }}",
                f"tasks = [{{ id = 1, title = {{ en = {title}, zh = {title} }} }}]",
                "[files]",
                f"solution = {json.dumps(solution)}",
                "[limits]",
                f"run_seconds = {run_seconds!r}",
                f"test_seconds = {test_seconds!r}",
                "[checks.tests]",
                "weight = 100",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return load_exercise(root)


def _suite(layout: ExercismLayout, helpers: set[str]) -> tuple[str, ...]:
    """The test files that run as the hidden suite: the listed tests but the helpers."""
    return tuple(n for n in layout.tests if n.endswith(".py") and n not in helpers)


def _module_name(name: str) -> str:
    return name[: -len(".py")].replace("/", ".") if name.endswith(".py") else name


def _grade(
    *,
    slug: str,
    input_dir: Path,
    backend: str,
    test_seconds: float,
    run_seconds: float,
    warned: list[str],
) -> dict[str, Any]:
    layout = find_layout(input_dir, slug)
    suite = _suite(layout, helper_modules(input_dir, layout.tests))
    if not suite:
        raise ExercismInputError(
            "no test file to run: .meta/config.json files.test lists only helper modules"
        )
    sources = read_test_sources(input_dir, suite)
    with tempfile.TemporaryDirectory(prefix="grader-exercism-") as tmp:
        exercise = write_exercise(
            Path(tmp),
            slug=slug,
            layout=layout,
            input_dir=input_dir,
            test_seconds=test_seconds,
            run_seconds=run_seconds,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NoSandboxWarning)
            runner = get_backend(backend)
        warned.extend(str(w.message) for w in caught)
        card = grade_workspace(input_dir, exercise=exercise, backend=runner)
    return exercism_results(card, sources=sources)


def _config_files(input_dir: Path) -> dict[str, Any]:
    path = input_dir / ".meta" / "config.json"
    if not path.is_file():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExercismInputError(f".meta/config.json cannot be read: {exc}") from None
    files = config.get("files") if isinstance(config, dict) else None
    return files if isinstance(files, dict) else {}


def _names(files: dict[str, Any], kind: str) -> tuple[str, ...]:
    names = files.get(kind) or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ExercismInputError(
            f".meta/config.json: files.{kind} must be a list of file names"
        )
    for name in names:
        if not FILE_NAME.match(name) or ".." in name.split("/"):
            raise ExercismInputError(
                f".meta/config.json: files.{kind} names {name!r}, which is not a "
                "file inside the input folder"
            )
    return tuple(names)


def _collect_tests(
    body: list[ast.stmt],
    scope: list[str],
    file_index: int,
    lines: list[str],
    sources: dict[str, TestSource],
) -> None:
    for node in body:
        if isinstance(node, ast.ClassDef):
            _collect_tests(node.body, [*scope, node.name], file_index, lines, sources)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name.startswith("test"):
                sources["::".join([*scope, node.name])] = TestSource(
                    file_index=file_index,
                    line=node.lineno,
                    code=_test_code(node, lines),
                )


def _test_code(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> str:
    """A test's body as Exercism's runner shows it: from the line after `def` to one line
    past the start of its last statement (the last statement inside a trailing loop, `if`
    or `with`), dedented."""
    last = node.body[-1]
    while isinstance(last, (ast.For, ast.While, ast.If, ast.With)):
        last = last.body[-1]
    shown = lines[node.lineno : last.lineno + 1]
    if shown and not shown[-1]:
        shown.pop()
    while shown and all(line.startswith(" ") for line in shown if line):
        shown = [line[1:] if line else line for line in shown]
    return "\n".join(shown)


def exercism_results(
    card: Scorecard, *, sources: Mapping[str, TestSource]
) -> dict[str, Any]:
    """The results document Exercism's Python runner writes for the same run.

    Its rules, followed here: every test has a `task_id` (0 outside a concept exercise's
    tasks); each subtest is an entry of its own (`Name > test [variation #1]`), before
    its test's; a test of a task is named with a trailing `~` and the tests are ordered by
    task, then name; otherwise by the line each test is defined on, whatever its file (on
    the same line, the file listed first). A skipped test passes. Messages start with the
    exception's type. `output` is what the reference finds in the test's captured output,
    which holds only pytest-subtests' progress letters here (see `_variation_outputs`).
    """
    ran = hidden_tests(card)
    if not ran:
        return error_results(_no_tests_message(card))
    entries: dict[str, _Entry] = {}
    for test in sorted(ran, key=lambda t: _line(sources.get(source_key(t.id)))):
        source = sources.get(source_key(test.id))
        _replay(test, source.code if source else "", entries)
    tests = [entry.as_json() for entry in entries.values()]
    concept = False
    for test in tests:
        if "[variation" not in test["name"] and test["task_id"] > 0:
            test["name"] += "~"
            concept = True
    if concept:
        tests.sort(key=lambda t: (t["task_id"], t["name"]))
    else:
        tests.sort(key=lambda t: t["task_id"])
    status = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    if any(t.status not in ("passed", "skipped") for t in ran):
        status = (
            "fail"  # a failed subtest fails the run, whatever its test's entry says
        )
    return {"version": exercism.VERSION, "status": status, "tests": tests}


def exercism_message(text: str) -> str:
    """A failure as the reference words it: the exception's type first, and every `/` a
    `.`. (It replaces the path the runner's folder and the failing file have in common
    with `.`; where Exercism runs it, `/opt/test-runner` and `/solution`, that is `/`.)
    """
    text = text.strip("\n")
    if text == "assertion failed":  # an assert without a message: only its type
        text = "AssertionError"
    elif not _TYPED.match(text):
        text = f"AssertionError: {text}"
    return text.replace("/", ".")


# A message that already names its exception (`ValueError: ...`, `StudentTimeout`).
_TYPED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Timeout)(:|$)")
_VARIATIONS_FAILED = (
    "One or more variations of this test failed. Details can be found under each "
    "[variant#]."
)
# pytest-subtests' progress letter for a subtest's outcome (passed, failed, skipped).
_LETTER = {"passed": ",", "skipped": "-"}
_TRIM_NAME = re.compile(r"^(.+)(Test\.test_)")


@dataclass
class _Entry:
    """One test of the reference's report, as its reporter builds it up."""

    name: str
    task_id: int
    status: str = "pass"
    message: str | None = None
    test_code: str = ""
    output: str | None = None

    @property
    def passing(self) -> bool:
        return self.status == "pass"

    def set(self, status: str, message: str | None) -> None:
        self.status = status
        if message:
            self.message = message

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": _TRIM_NAME.sub(r"\1 > ", self.name).replace("_", " "),
            "status": self.status,
        }
        if self.message not in (None, "", " "):
            entry["message"] = cap_text(self.message or "", exercism.MESSAGE_CHARS - 64)
        entry["test_code"] = self.test_code
        entry["task_id"] = self.task_id
        output = (self.output or "").strip()
        if len(output) > exercism.OUTPUT_CHARS:
            marker = exercism.OUTPUT_MARKER
            output = output[: exercism.OUTPUT_CHARS - len(marker)] + marker
        if output not in ("", " "):
            entry["output"] = output
        return entry


def _replay(test: TestOutcome, code: str, entries: dict[str, _Entry]) -> None:
    """Feed one test's reports (its subtests', then its own) to the reference's rules."""
    parts = test.id.split("::")
    parent = ".".join(parts[1:]) or test.id
    task_id = int(test.task) if test.task is not None else 0
    state = entries.setdefault(parent, _Entry(parent, task_id))
    subtests = test.subtests or []
    for sub in subtests:
        name = parent if sub["msg"] is None else f"{parent} [{sub['msg']}]"
        name = name.split(" (")[0]
        entry = entries.setdefault(name, _Entry(name, 0))
        if not entry.passing:
            entry.output = ""
            continue
        if sub["status"] not in ("passed", "skipped"):
            entry.set("fail", exercism_message(sub["message"]))
        entry.test_code = code
        if entry.task_id == 0 and "variation" in name:
            owner = entries.get(name.split(" ")[0])
            if owner is None:
                continue
            entry.task_id = owner.task_id
            if entry.passing:
                owner.status = entry.status
            else:
                owner.set("fail", _VARIATIONS_FAILED)
            owner.test_code = entry.test_code
    # The test's own reports: a test already failed by a subtest keeps only its output.
    if not state.passing:
        _variation_outputs(subtests, parts[-1], entries)
        state.output = ""
        return
    own_failed = not any(s["status"] not in ("passed", "skipped") for s in subtests)
    if own_failed and test.status in ("failed", "error", "timeout"):
        message = test.message
        if test.status in ("failed", "error") and message:
            message = exercism_message(message)
        state.set("fail" if test.status == "failed" else "error", message)
    state.test_code = code


def _variation_outputs(
    subtests: list[dict[str, Any]], method: str, entries: dict[str, _Entry]
) -> None:
    """The reference splits a failed test's captured output (what each subtest printed,
    then pytest-subtests' progress letter for it: `,` passed, `u` failed) where a line
    ends before a `u`, and gives variation N the Nth piece: rebuilt here from what each
    subtest printed."""
    captured = "".join(
        sub.get("output", "") + _LETTER.get(sub["status"], "u") for sub in subtests
    )
    if not captured:
        return
    pieces = captured.split("\nu")
    if pieces[0].startswith("u"):
        pieces[0] = pieces[0][1:]
    spaced: list[str] = []
    for piece in pieces:
        empties = len(piece) - len(piece.lstrip("u"))
        spaced += [" "] * empties + [piece.lstrip("u")] if empties else [piece]
    for number, piece in enumerate(spaced, start=1):
        label = f"[variation #{number}]"
        for name, entry in entries.items():
            if label in name and method in name:
                entry.output = piece


def _line(source: TestSource | None) -> tuple[float, float]:
    """Where the reference sorts a test: its line, whatever its file; on the same line, the
    file listed first."""
    if source is None:
        return (float("inf"), float("inf"))
    return (source.line, source.file_index)


def _no_tests_message(card: Scorecard) -> str:
    """Why no test ran: the error itself (a broken import), without our framing."""
    check = tests_check(card)
    params = (check.message_params or {}) if check else {}
    error = params.get("error")
    if isinstance(error, str) and error:
        return error.replace("/", ".")  # as exercism_message
    reason = card.message or (check.message if check else "") or "no test ran"
    return cap_text(reason, exercism.MESSAGE_CHARS - 64)


def main(argv: list[str] | None = None) -> int:
    """`python -m grader.exercism_runner SLUG INPUT_DIR OUTPUT_DIR`: `grader exercism-run`
    without loading every other command of the CLI (a third of a cold run's start-up).
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m grader.exercism_runner",
        description="Run Exercism's tests for SLUG on the solution in INPUT_DIR.",
    )
    parser.add_argument("slug")
    parser.add_argument("input_dir", type=Path)
    parser.add_argument("output_dir", type=Path)
    parser.add_argument(
        "--backend", choices=("auto", "docker", "bwrap", "local"), default="auto"
    )
    parser.add_argument("--test-seconds", type=float, default=DEFAULT_TEST_SECONDS)
    parser.add_argument("--run-seconds", type=float, default=DEFAULT_RUN_SECONDS)
    args = parser.parse_args(argv)
    try:
        outcome = run_exercism(
            slug=args.slug,
            input_dir=args.input_dir,
            output_dir=args.output_dir,
            backend=args.backend,
            test_seconds=args.test_seconds,
            run_seconds=args.run_seconds,
        )
    except GraderError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 2
    for line in outcome.warnings:
        print(f"WARNING: {line}", file=sys.stderr)
    print(f"{outcome.status}: results written to {outcome.path}", file=sys.stderr)
    return 0


__all__ = [
    "DEFAULT_RUN_SECONDS",
    "DEFAULT_TEST_SECONDS",
    "ExercismInputError",
    "ExercismLayout",
    "ExercismRun",
    "find_layout",
    "exercism_results",
    "helper_modules",
    "run_exercism",
    "read_test_sources",
    "write_exercise",
]


if __name__ == "__main__":
    sys.exit(main())
