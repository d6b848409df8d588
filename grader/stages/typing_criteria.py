"""The type-hints criterion: how many of the student's functions state their types."""

from __future__ import annotations

import ast
from pathlib import Path

from grader.graders.types_check import DECLARATION as TYPES
from grader.progress.collect import ExerciseProgress
from grader.scorecard.caps import cap_text
from grader.stages.exercise_criteria import MESSAGE_CHARS, fix_step, workspace_of
from grader.stages.file_criteria import SHOWN, TEST_DIRS, is_test_file
from grader.stages.model import Evaluate, Finding, StageContext

MAX_SOURCE_FILES = 2_000
_Function = ast.FunctionDef | ast.AsyncFunctionDef


def type_hints(threshold: float) -> Evaluate:
    """The package's functions state their types.

    Where exercises of the stage switch the types check on, mypy decides: the check passes
    on the latest scorecard of each of them. Otherwise at least `threshold` % of the
    functions outside tests annotate every parameter and their return (`self`/`cls` need
    none; `__init__` needs no return type).
    """

    def evaluate(ctx: StageContext) -> Finding:
        typed = [e for e in ctx.exercises if TYPES.id in ctx.checks.get(e.slug, ())]
        if typed:
            return types_checked(ctx, typed)
        return annotated_share(ctx, threshold)

    return evaluate


def types_checked(ctx: StageContext, typed: list[ExerciseProgress]) -> Finding:
    """The types check passes on the latest scorecard of each exercise in `typed`."""
    details, failing, unchecked = [], [], []
    for entry in typed:
        check = entry.last.card.check(TYPES.id) if entry.last else None
        if check is None:
            unchecked.append(entry)
            details.append(f"{entry.slug}: no scorecard with the types check yet")
        elif check.status != "pass":
            failing.append(entry)
            why = cap_text(check.message, MESSAGE_CHARS) or "no message"
            details.append(f"{entry.slug}: {check.status}: {why}")
        else:
            details.append(f"{entry.slug}: {check.message}")
    passed = len(typed) - len(failing) - len(unchecked)
    evidence = (
        f"mypy passes on the latest scorecard of {passed} of {len(typed)} stage "
        f"{ctx.stage} exercise(s) graded with the types check"
    )
    if not failing and not unchecked:
        return Finding(True, evidence, details=tuple(details))
    if failing:
        step = fix_step(ctx, failing[0], TYPES.id)
    else:
        step = f"grader submit {workspace_of(ctx, unchecked[0])}"
    return Finding(False, evidence, step, tuple(details))


def annotated_share(ctx: StageContext, threshold: float) -> Finding:
    """At least `threshold` % of the functions outside tests are fully annotated."""
    sources = [p for p in ctx.files.files if _is_source(p)][:MAX_SOURCE_FILES]
    total = annotated = unparsed = 0
    missing: list[str] = []
    for path in sources:
        try:
            tree = ast.parse(ctx.files.read(path), filename=str(path))
        except (SyntaxError, ValueError):
            unparsed += 1
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                total += 1
                if fully_annotated(node):
                    annotated += 1
                else:
                    missing.append(f"{path}:{node.lineno} {node.name}()")
    if total == 0:
        return Finding(
            False,
            "no Python functions outside tests",
            "write your package's code with type hints, "
            "e.g. def load(path: Path) -> dict[str, int]:",
        )
    share = 100.0 * annotated / total
    evidence = (
        f"{annotated} of {total} functions ({share:.0f}%) fully annotated in "
        f"{len(sources) - unparsed} file(s); {threshold:g}% needed"
        + (f"; {unparsed} file(s) could not be parsed" if unparsed else "")
    )
    if share >= threshold:
        return Finding(True, evidence)
    return Finding(
        False,
        evidence,
        f"annotate parameters and returns, starting with {missing[0]}; "
        "check with `mypy --disallow-untyped-defs .`",
        tuple(missing[:SHOWN]),
    )


def fully_annotated(node: _Function) -> bool:
    arguments = node.args
    params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    if params and params[0].arg in ("self", "cls"):
        params = params[1:]
    params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    if any(p.annotation is None for p in params):
        return False
    return node.returns is not None or node.name == "__init__"


def _is_source(path: Path) -> bool:
    return (
        path.suffix == ".py"
        and not is_test_file(path)
        and path.name != "conftest.py"
        and not set(path.parts[:-1]) & set(TEST_DIRS)
    )
