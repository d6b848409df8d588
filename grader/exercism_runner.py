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
import tempfile
import textwrap
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from grader.catalog.loader import load_exercise
from grader.catalog.model import Exercise
from grader.errors import GraderError
from grader.pipeline import grade_workspace
from grader.runner import NoSandboxWarning, get_backend
from grader.scorecard.exports import exercism
from grader.scorecard.exports.exercism import TestSource
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
    """Which files are the solution, the tests and the read-only helpers; checked to exist."""
    if not SLUG.match(slug):
        raise ExercismInputError(
            f"{slug!r} is not an Exercism exercise slug (lowercase words joined by '-')"
        )
    if not input_dir.is_dir():
        raise ExercismInputError(f"the input folder {input_dir} does not exist")
    files = _config_files(input_dir)
    stem = slug.replace("-", "_")
    layout = ExercismLayout(
        solution=_names(files, "solution") or (f"{stem}.py",),
        tests=_names(files, "test") or (f"{stem}_test.py",),
        editor=tuple(n for n in _names(files, "editor") if (input_dir / n).is_file()),
    )
    for kind, names in (("solution", layout.solution), ("test", layout.tests)):
        for name in names:
            if not (input_dir / name).is_file():
                raise ExercismInputError(
                    f"the {kind} file {name} is missing from the input folder; "
                    f"it must sit there under that name (see .meta/config.json, "
                    f"files.{kind})"
                )
    return layout


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
    for name in filter(is_test_file, layout.tests):
        target = root / "hidden" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(input_dir / name, target)
    # Helper files (read-only `editor` files, test data listed with the tests) are imported
    # by the tests and the solution alike. The hidden suite cannot import its neighbours, so
    # they go with the solution, and the tests reach them the way they reach the solution.
    helpers = [*layout.editor, *(n for n in layout.tests if not is_test_file(n))]
    solution = [*layout.solution, *(n for n in helpers if n not in layout.solution)]
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


def is_test_file(name: str) -> bool:
    """Whether pytest collects `name` as a test module (its default file patterns)."""
    base = name.rsplit("/", 1)[-1]
    return base.endswith(".py") and (
        base.startswith("test_") or base.endswith("_test.py")
    )


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
    sources = read_test_sources(input_dir, layout.tests)
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
    return exercism.results(card, sources=sources)


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
                start = node.body[0].lineno - 1
                code = textwrap.dedent("\n".join(lines[start : node.end_lineno]))
                sources["::".join([*scope, node.name])] = TestSource(
                    file_index=file_index, line=node.lineno, code=code.strip("\n")
                )


__all__ = [
    "DEFAULT_RUN_SECONDS",
    "DEFAULT_TEST_SECONDS",
    "ExercismInputError",
    "ExercismLayout",
    "ExercismRun",
    "find_layout",
    "is_test_file",
    "run_exercism",
    "read_test_sources",
    "write_exercise",
]
