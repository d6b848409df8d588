"""Mutation testing: how many small bugs in a reference solution its hidden suite catches.

A mutant is the reference with one small change (`<` for `<=`, a constant off by one, a
statement removed, ...). The hidden suite kills a mutant when it fails on it; the share of
mutants killed says how well the suite would catch a student's mistakes. Target: 85%.

The mutator is our own, on top of `ast`, rather than mutmut: mutmut works on a project
layout with its own config and runs the whole suite per mutant through its own runner. We
need mutants of the reference's solution files only, each run against the *hidden* suite
(which lives outside the reference) in a scratch copy, with a per-mutant time limit, and
many mutants in parallel.
"""

from __future__ import annotations

import ast
import copy
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import zip_longest
from pathlib import Path
from typing import Any, Callable, Iterator

from grader.catalog.model import Exercise
from grader.errors import ExerciseError
from grader.graders.hidden_tests import pytest_env

TARGET_PERCENT = 85.0
DEFAULT_MAX_MUTANTS = 60
MIN_TIMEOUT_SECONDS = 10.0
# A mutant may run this many times longer than the reference suite before it counts as
# killed (an endless loop is a bug the suite caught).
TIMEOUT_FACTOR = 4.0
# In the order the sampler takes them.
OPERATORS = tuple(
    "arithmetic comparison boolean constant return condition statement slice loop raise".split()
)
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
DEFINITIONS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
SIMPLE_STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Delete)
ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
ARITHMETIC.update({ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv})
# Each ordering gets its off-by-one boundary and its negation; the rest their opposite.
COMPARISON: dict[type, tuple[type, ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
}
for _pair in ((ast.Eq, ast.NotEq), (ast.Is, ast.IsNot), (ast.In, ast.NotIn)):
    COMPARISON.update({_pair[0]: _pair[1:], _pair[1]: _pair[:1]})
PYTEST_INI = "[pytest]\nmarkers =\n    task(n)\n    taskno(n)\n    points(p)\n"

Replace = Callable[[Any], ast.AST]


@dataclass(frozen=True)
class Mutation:
    """One mutant of one file: the whole mutated program, and where it differs."""

    file: str
    index: int  # of the changed node, in ast.walk order
    line: int
    operator: str
    mutated_line: str
    source: str = field(repr=False)


def find_mutations(source: str, file: str) -> list[Mutation]:
    """Every mutant of `source` that compiles and differs from it, in walk order.

    Raises SyntaxError if `source` itself does not parse."""
    tree = ast.parse(source)
    lines, skipped = source.splitlines(), _skipped(tree)
    parents = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    seen = {ast.unparse(tree)}
    found = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped or not hasattr(node, "lineno"):
            continue
        for operator, replace in _variants(node, parents.get(id(node))):
            program = _apply(tree, index, replace)
            try:  # e.g. removing `n = 0` leaves a `nonlocal n` with nothing to bind
                compile(program, file, "exec", dont_inherit=True)
            except SyntaxError:
                continue
            if program not in seen:
                seen.add(program)
                shown = _shown(lines, node, replace(node))
                found.append(
                    Mutation(file, index, node.lineno, operator, shown, program)
                )
    return found


def _apply(tree: ast.Module, index: int, replace: Replace) -> str:
    """The program with the node at `index` replaced, on a copy of `tree`."""
    copied = copy.deepcopy(tree)  # walks in the same order, so `index` is the same node
    target = list(ast.walk(copied))[index]
    new = ast.copy_location(replace(target), target)
    for parent in ast.walk(copied):
        for name, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, name, new)
            elif isinstance(value, list) and any(v is target for v in value):
                value[[v is target for v in value].index(True)] = new
            else:
                continue
            return ast.unparse(ast.fix_missing_locations(copied))
    raise ValueError(f"node {index} is not in this tree")


def sample_mutations(
    mutations: list[Mutation], limit: int, seed: int = 0
) -> list[Mutation]:
    """At most `limit`, taken round-robin across operators and, within one, across lines."""
    if len(mutations) <= limit:
        return list(mutations)
    rng = random.Random(seed)
    queues = []
    for operator in OPERATORS:
        by_line: dict[tuple[str, int], list[Mutation]] = {}
        for m in mutations:
            if m.operator == operator:
                by_line.setdefault((m.file, m.line), []).append(m)
        groups = list(by_line.values())
        rng.shuffle(groups)
        for group in groups:
            rng.shuffle(group)
        queues.append([m for row in zip_longest(*groups) for m in row if m])
    spread = [m for row in zip_longest(*queues) for m in row if m]
    return sorted(spread[:limit], key=lambda m: (m.file, m.line, m.index))


def _variants(node: ast.AST, parent: ast.AST | None) -> Iterator[tuple[str, Replace]]:
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITHMETIC:
        if not (isinstance(node, ast.BinOp) and _is_str(node.left)):  # "%s" % x
            yield "arithmetic", partial(_with, op=ARITHMETIC[type(node.op)]())
    elif isinstance(node, ast.Compare):
        for i, old in enumerate(node.ops):
            for op in COMPARISON.get(type(old), ()):
                yield "comparison", partial(_compare, i, op())
    elif isinstance(node, ast.BoolOp):
        swapped = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield "boolean", partial(_with, op=swapped())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "boolean", lambda n: n.operand
    elif isinstance(node, ast.Constant):
        for value in _constant_values(node.value):
            yield "constant", partial(_with, value=value)
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield "return", lambda n: ast.Return(ast.Constant(None))
    elif isinstance(node, ast.Slice):
        for bound in ("lower", "upper", "step"):
            value = getattr(node, bound)
            if value is None:
                continue
            yield "slice", partial(_with, **{bound: None})
            if bound != "step" and not isinstance(value, ast.Constant):
                for op in (ast.Add, ast.Sub):  # constants are covered by "constant"
                    yield "slice", partial(_shift, bound, op())
    elif isinstance(node, (ast.Break, ast.Continue)):
        yield "loop", lambda n: (
            ast.Continue() if isinstance(n, ast.Break) else ast.Break()
        )
    elif isinstance(node, ast.Raise):
        yield "raise", lambda n: ast.Pass()
    if _removable(node):
        yield "statement", lambda n: ast.Pass()
    if isinstance(parent, (ast.If, ast.While, ast.IfExp)) and node is parent.test:
        if not (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            yield "condition", lambda n: ast.UnaryOp(ast.Not(), n)


def _with(node: ast.AST, /, **changes: Any) -> ast.AST:
    """A shallow copy of `node` with some fields changed: the original stays intact."""
    fields = {name: getattr(node, name, None) for name in node._fields}
    return type(node)(**{**fields, **changes})


def _compare(i: int, op: ast.cmpop, node: ast.Compare) -> ast.AST:
    return _with(node, ops=[*node.ops[:i], op, *node.ops[i + 1 :]])


def _shift(bound: str, op: ast.operator, node: ast.Slice) -> ast.AST:
    return _with(node, **{bound: ast.BinOp(getattr(node, bound), op, ast.Constant(1))})


def _constant_values(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, (int, float)):
        return list(dict.fromkeys(v for v in (value + 1, value - 1, 0) if v != value))
    return [""] if isinstance(value, str) and value else []


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, (ast.JoinedStr, ast.Constant)) and isinstance(
        getattr(node, "value", ""), str
    )


def _removable(node: ast.AST) -> bool:
    if isinstance(node, ast.AnnAssign):
        return node.value is not None
    # A bare constant (`...`) does nothing: removing it is not a change.
    return isinstance(node, SIMPLE_STATEMENTS) and not (
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    )


def _skipped(tree: ast.Module) -> set[int]:
    """Ids of nodes never mutated: docstrings, annotations, the __main__ block, log text."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, DEFINITIONS) and ast.get_docstring(node, clean=False):
            roots.append(node.body[0])
        if isinstance(node, ast.arg) and node.annotation:
            roots.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        elif isinstance(node, ast.If) and _is_main_guard(node.test):
            roots.append(node)
        elif isinstance(node, ast.JoinedStr):  # f-string text: "" parts unparse badly
            roots.extend(v for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in LOG_METHODS:
                roots.extend(a for a in node.args if _is_str(a))
    return {id(n) for root in roots for n in ast.walk(root)}


def _is_main_guard(test: ast.expr) -> bool:
    return ast.unparse(test).replace('"', "'") == "__name__ == '__main__'"


def _shown(lines: list[str], node: Any, new: ast.AST) -> str:
    """The source line with the node's text replaced, as an author would read it."""
    text, first = ast.unparse(new), lines[node.lineno - 1]
    if isinstance(new, ast.Pass):  # "pass" alone would not say what went missing
        return f"pass  # was: {first.strip()}"
    if node.lineno != node.end_lineno:
        return (
            f"{text.splitlines()[0]}  # replaces lines {node.lineno}-{node.end_lineno}"
        )
    raw = first.encode()  # col offsets count UTF-8 bytes
    changed: bytes = raw[: node.col_offset] + text.encode() + raw[node.end_col_offset :]
    return changed.decode().strip()


@dataclass(frozen=True)
class MutantResult:
    file: str
    line: int
    operator: str
    mutated_line: str
    killed: bool
    timed_out: bool
    seconds: float


@dataclass
class MutationReport:
    slug: str
    candidates: int  # mutants found before sampling
    results: list[MutantResult]
    duration: float
    reference_seconds: float
    timeout_seconds: float

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def killed(self) -> int:
        return sum(r.killed for r in self.results)

    @property
    def survived(self) -> list[MutantResult]:
        return [r for r in self.results if not r.killed]

    @property
    def score(self) -> float:
        """Percent killed; 0 when there was nothing to mutate (nothing was measured)."""
        return round(100.0 * self.killed / self.total, 1) if self.total else 0.0


def mutation_score(
    exercise: Exercise,
    *,
    max_mutants: int = DEFAULT_MAX_MUTANTS,
    jobs: int | None = None,
    seed: int = 0,
) -> MutationReport:
    """Run up to `max_mutants` mutants of the reference against the hidden suite."""
    clock = time.monotonic()
    not_python = [f for f in exercise.solution_files if not f.endswith(".py")]
    if exercise.repository is not None or not_python:
        answer = "a Git repository" if exercise.repository else ", ".join(not_python)
        raise ExerciseError(
            f"{exercise.qualified_slug}: its answer is not Python code ({answer}), so "
            "mutants of it mean nothing; its strength is the wrong answers kept with "
            "it in wrong/, each of which the hidden suite must reject"
        )
    mutations: list[Mutation] = []
    for rel in exercise.solution_files:
        path = exercise.reference_dir / rel
        try:
            source = path.read_text(encoding="utf-8")
            mutations += find_mutations(source, rel)
        except (OSError, SyntaxError, UnicodeDecodeError) as exc:
            raise ExerciseError(f"{path}: cannot be mutated: {exc}") from None
    if not exercise.hidden_dir.is_dir():
        raise ExerciseError(
            f"{exercise.hidden_dir}: missing; there is no suite to measure"
        )
    chosen = sample_mutations(mutations, max_mutants, seed)
    with tempfile.TemporaryDirectory(prefix="grader-mutate-") as tmp:
        root = Path(tmp)
        # A copy keeps pytest's caches out of the pack, and our ini keeps its settings out.
        shutil.copytree(exercise.hidden_dir, root / "hidden")
        (root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        code, baseline, output = _run_suite(exercise, root, "reference", {}, None)
        if code != 0:
            why = f"pytest exit code {code}" if code is not None else "out of time"
            raise ExerciseError(
                f"{exercise.qualified_slug}: the reference fails its hidden suite "
                f"({why}); fix that first: {output[-800:]}"
            )
        timeout = max(MIN_TIMEOUT_SECONDS, TIMEOUT_FACTOR * baseline)

        def run(item: tuple[int, Mutation]) -> MutantResult:
            number, m = item
            files = {m.file: m.source}
            code, seconds, _ = _run_suite(exercise, root, f"m{number}", files, timeout)
            where = (m.file, m.line, m.operator, m.mutated_line)
            return MutantResult(*where, code != 0, code is None, seconds)

        workers = max(1, jobs or os.cpu_count() or 1)
        pool = ThreadPoolExecutor(workers)  # threads suffice: each mutant is a process
        try:
            results = list(pool.map(run, enumerate(chosen)))
        finally:  # on Ctrl-C, start no more mutants
            pool.shutdown(cancel_futures=True)
    elapsed, slug = time.monotonic() - clock, exercise.qualified_slug
    return MutationReport(slug, len(mutations), results, elapsed, baseline, timeout)


def _run_suite(
    ex: Exercise, root: Path, name: str, files: dict[str, str], timeout: float | None
) -> tuple[int | None, float, str]:
    """(pytest's exit code or None on timeout, seconds, output) on a copy of the solution
    files with `files` replaced, next to a copy of the exercise's data/."""
    work, basetemp = root / name, root / f"{name}-tmp"
    for rel in ex.solution_files + ex.extra_files:
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel in files:
            (work / rel).write_text(files[rel], encoding="utf-8")
        elif (ex.reference_dir / rel).is_file():
            shutil.copy(ex.reference_dir / rel, work / rel)
    if ex.data_dir.is_dir():
        shutil.copytree(ex.data_dir, work / "data")
    hidden = root / "hidden"
    command = [
        *(sys.executable, "-I", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"),
        *("--import-mode=importlib", "-c", str(root / "pytest.ini")),
        *(f"--rootdir={hidden}", "-o", f"pythonpath={work}", f"--basetemp={basetemp}"),
        str(hidden),
    ]
    start = time.monotonic()
    # A session of its own, so that a timeout kills whatever the tests started too.
    process = subprocess.Popen(
        command,
        cwd=work,
        env=pytest_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout or ex.limits.run_seconds)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        code = None
    seconds = time.monotonic() - start
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(basetemp, ignore_errors=True)
    return code, seconds, output.decode("utf-8", "replace")
