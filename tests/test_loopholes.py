"""The passes that should not pass: each known loophole, applied to a bundled reference, fails
with its gate named in the verdict.

Each case starts from the exercise's own reference (so it follows the exercise as it changes)
and takes one lesson out of it: a whole task skipped, or SQL built with an f-string. The
engineering loopholes (coverage under the threshold, flake8 and black both failing) are the
`low-coverage` and `unformatted` golden scorecards; an untouched starter scoring 0 is proved
for every exercise by `grader exercises validate`.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.catalog import ExercisePack
from grader.catalog.loader import bundled_pack_root
from grader.catalog.model import Exercise
from grader.pipeline import grade_workspace
from grader.scorecard.model import Scorecard


def stub_functions(*names: str) -> Callable[[str], str]:
    """Replace the body of each named function or method (`Class.method`) with
    `raise NotImplementedError`, keeping its docstring: the task left undone."""

    def transform(source: str) -> str:
        lines = source.splitlines(keepends=True)
        spans: list[tuple[int, int, int]] = []
        for node, qualified in _functions(ast.parse(source)):
            if qualified not in names:
                continue
            body = node.body
            first = body[1] if _has_docstring(node) and len(body) > 1 else body[0]
            if first is body[0] and _has_docstring(node):
                continue
            spans.append((first.lineno - 1, node.end_lineno or 0, node.col_offset))
        found = len(spans)
        assert found == len(names), f"expected {names} in the reference, found {found}"
        for start, end, col in sorted(spans, reverse=True):
            lines[start:end] = [" " * (col + 4) + "raise NotImplementedError\n"]
        return "".join(lines)

    return transform


def _functions(tree: ast.Module) -> list[tuple[ast.FunctionDef, str]]:
    found: list[tuple[ast.FunctionDef, str]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found.append((node, node.name))
        elif isinstance(node, ast.ClassDef):
            found.extend(
                (item, f"{node.name}.{item.name}")
                for item in node.body
                if isinstance(item, ast.FunctionDef)
            )
    return found


def _has_docstring(node: ast.FunctionDef) -> bool:
    first = node.body[0]
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)


def interpolate_search(source: str) -> str:
    """`search_products` with the text put into the SQL by an f-string: injectable."""
    tree = ast.parse(source)
    node = next(n for n, name in _functions(tree) if name == "search_products")
    lines = source.splitlines(keepends=True)
    injectable = (
        "def search_products(db_path, text, max_price_cents=None, limit=20):\n"
        '    """Products whose name contains text (the SQL is built by hand)."""\n'
        "    if not isinstance(text, str):\n"
        '        raise ValueError(f"text must be a str, got {text!r}")\n'
        '    _positive_int(limit, "limit")\n'
        "    price = '' if max_price_cents is None else "
        'f"AND price_cents <= {max_price_cents}"\n'
        '    sql = f"SELECT id, name, price_cents FROM products WHERE name LIKE '
        "'%{text}%' {price} ORDER BY name, id LIMIT {limit}\"\n"
        "    return [tuple(row) for row in _query(db_path, sql)]\n"
    )
    lines[node.lineno - 1 : node.end_lineno] = [injectable]
    return "".join(lines)


# (exercise, file in the reference, what is taken out, words of the task that must fail)
CASES = {
    "grade-book-without-its-cli": (
        "stage1/grade-book",
        "grade_book.py",
        stub_functions("main"),
        "command line",
    ),
    "stream-aggregator-without-checkpoint-and-restore": (
        "stage4/stream-aggregator",
        "stream_aggregator.py",
        stub_functions("WindowAggregator.checkpoint", "WindowAggregator.restore"),
        "Checkpoint",
    ),
    "sqlite-queries-with-f-string-sql": (
        "stage2/sqlite-queries",
        "sqlite_queries.py",
        interpolate_search,
        "SQL injection",
    ),
}


@pytest.fixture(scope="module")
def bundled() -> ExercisePack:
    return ExercisePack(bundled_pack_root())


def loophole_workspace(exercise: Exercise, tmp_path: Path) -> Path:
    workspace = tmp_path / "submission"
    shutil.copytree(exercise.reference_dir, workspace)
    return workspace


def failed_task_gate(card: Scorecard, exercise: Exercise, words: str) -> int:
    """The id of the task titled with `words`, after checking its gate did not hold."""
    task = next(t for t in exercise.tasks if words in t.title_en)
    gate = next(g for g in card.gates if g.id == f"task-{task.id}")
    assert not gate.held, f"task {task.id} ({words}) held its gate: {gate}"
    return task.id


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_skipped_lesson_fails_with_its_task_named(
    case: str, bundled: ExercisePack, local_backend, tmp_path: Path
) -> None:
    slug, file, take_out, words = CASES[case]
    exercise = bundled.get(slug)
    workspace = loophole_workspace(exercise, tmp_path)
    target = workspace / file
    target.write_text(take_out(target.read_text(encoding="utf-8")), encoding="utf-8")

    card = grade_workspace(workspace, exercise=exercise, backend=local_backend)

    assert card.status == "fail", card.message
    task = failed_task_gate(card, exercise, words)
    assert f"task {task}" in card.message, card.message


@pytest.mark.docker
def test_the_starter_dockerfile_fails_its_gate_under_a_working_service(
    bundled: ExercisePack, docker_backend, tmp_path: Path
) -> None:
    """fastapi-service's reference code with the starter's Dockerfile left untouched."""
    exercise = bundled.get("stage3/fastapi-service")
    workspace = loophole_workspace(exercise, tmp_path)
    shutil.copy2(exercise.starter_dir / "Dockerfile", workspace / "Dockerfile")

    card = grade_workspace(workspace, exercise=exercise, backend=docker_backend)

    assert card.status == "fail", card.message
    gate = next(g for g in card.gates if g.id == "dockerfile")
    assert not gate.held
    assert "Dockerfile" in card.message, card.message
