"""Mutation testing of a reference against its hidden suite: operators, sampling, scores, CLI."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.catalog import load_exercise
from grader.catalog.model import Exercise
from grader.authoring.mutation import (
    OPERATORS,
    PYTEST_INI,
    MutationReport,
    _run_suite,
    find_mutations,
    mutation_score,
    sample_mutations,
)
from grader.cli.mutate_cmd import mutate_command
from grader.errors import ExerciseError
from tests.conftest import FIXTURE_PACK, WORD_COUNT

# operator -> (snippet, a line one of its mutants must read as)
SNIPPETS = {
    "arithmetic": ("def f(a, b):\n    a += 1\n    return a + b * 2\n", "a -= 1"),
    "comparison": (
        "def f(a, b):\n    return a < b, a == b, a is None, a in b\n",
        "return a < b, a == b, a is not None, a in b",
    ),
    "boolean": (
        "def f(a, b):\n    return (a and b) or not a\n",
        "return (a or b) or not a",
    ),
    "constant": ("X = 1\nY = True\nZ = 'text'\nW = 2.5\n", "Y = False"),
    "return": ("def f(x):\n    return x * 2\n", "return None"),
    "condition": (
        "def f(x):\n    if x:\n        return 1\n    return 2\n",
        "if not x:",
    ),
    "statement": (
        "def f(x):\n    y = x\n    print(y)\n    return y\n",
        "pass  # was: print(y)",
    ),
    "slice": ("def f(x, n):\n    return x[1:], x[:n]\n", "return x[:], x[:n]"),
    "loop": (
        "def f(xs):\n    for x in xs:\n        if x:\n            break\n",
        "continue",
    ),
    "raise": (
        "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x\n",
        "pass  # was: raise ValueError('negative')",
    ),
}

SKIPPED = '''"""Module doc."""
import logging

log = logging.getLogger(__name__)


def f(x: int = 1, *rest: "str") -> "list[int]":
    """Function doc."""
    y: dict[str, int] = {"a": 2}
    log.info("value %s", x)
    return [x, y]


if __name__ == "__main__":
    print(f(3))
'''


@pytest.mark.parametrize("operator", OPERATORS)
def test_each_operator_makes_valid_different_programs(operator: str) -> None:
    source, expected = SNIPPETS[operator]
    tree = ast.parse(source)
    mutations = [m for m in find_mutations(source, "s.py") if m.operator == operator]
    assert mutations
    for m in mutations:
        compile(m.source, "s.py", "exec")
        assert ast.dump(ast.parse(m.source)) != ast.dump(tree), m
    assert len({m.source for m in mutations}) == len(mutations)
    assert expected in {m.mutated_line for m in mutations}


def test_docstrings_annotations_main_block_and_log_text_are_not_mutated() -> None:
    tree = ast.parse(SKIPPED)
    module_doc, _, _, func, main = tree.body
    assert isinstance(func, ast.FunctionDef)
    annotated, log_call = func.body[1], func.body[2]
    assert isinstance(annotated, ast.AnnAssign) and isinstance(log_call, ast.Expr)
    protected = [
        module_doc,
        func.body[0],
        *(a.annotation for a in (*func.args.args, func.args.vararg) if a),
        func.returns,
        annotated.annotation,
        log_call.value.args[0],  # type: ignore[attr-defined]
        main,
    ]
    protected_ids = {id(n) for p in protected if p for n in ast.walk(p)}
    nodes = list(ast.walk(tree))
    mutations = find_mutations(SKIPPED, "s.py")
    assert not [m for m in mutations if id(nodes[m.index]) in protected_ids]
    # The code around them still is: the default value and the annotated value.
    shown = {m.mutated_line for m in mutations}
    assert 'def f(x: int = 2, *rest: "str") -> "list[int]":' in shown
    assert 'y: dict[str, int] = {"a": 3}' in shown


def test_mutants_that_do_not_compile_are_left_out() -> None:
    source = "def f():\n    n = 0\n\n    def g():\n        nonlocal n\n\n    return g\n"
    shown = {m.mutated_line for m in find_mutations(source, "s.py")}
    assert "pass  # was: n = 0" not in shown
    assert "n = 1" in shown


def test_sample_is_seeded_and_spread_across_operators() -> None:
    source = "\n".join(snippet for snippet, _ in SNIPPETS.values())
    mutations = find_mutations(source, "s.py")
    first = sample_mutations(mutations, 10, seed=3)
    assert first == sample_mutations(mutations, 10, seed=3)
    assert len(first) == 10
    assert {m.operator for m in first} == set(OPERATORS)
    assert sample_mutations(mutations, 1000) == mutations


def weaken(dest: Path) -> Exercise:
    """A copy of word-count whose hidden suite is one trivial test."""
    shutil.copytree(WORD_COUNT, dest)
    for test in (dest / "hidden").glob("test_*.py"):
        test.unlink()
    (dest / "hidden" / "test_trivial.py").write_text(
        "import pytest\n\nfrom word_count import count_words\n\n\n"
        "@pytest.mark.task(1)\n"
        "def test_returns_a_dict():\n"
        '    """count_words returns a dict"""\n'
        '    assert isinstance(count_words("a"), dict)\n'
    )
    return load_exercise(dest)


@pytest.fixture(scope="module")
def weak_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weak") / "pack"
    weaken(root / "stage1" / "word-count")
    return root


@pytest.fixture(scope="module")
def full_report() -> MutationReport:
    return mutation_score(load_exercise(WORD_COUNT), max_mutants=12, jobs=2)


@pytest.mark.slow
def test_word_count_score_and_weak_suite_scores_lower(
    full_report: MutationReport, weak_pack: Path
) -> None:
    assert full_report.total == 12 and full_report.candidates > 12
    assert 0 < full_report.killed <= full_report.total
    assert full_report.score == round(100 * full_report.killed / 12, 1)
    assert all(r.line > 0 and r.mutated_line for r in full_report.results)
    weak = mutation_score(
        load_exercise(weak_pack / "stage1" / "word-count"), max_mutants=12, jobs=2
    )
    assert weak.total == 12
    assert weak.score < full_report.score
    assert len(weak.survived) > len(full_report.survived)


def test_a_mutant_that_hangs_is_stopped_and_counts_as_killed(tmp_path: Path) -> None:
    exercise = load_exercise(WORD_COUNT)
    shutil.copytree(exercise.hidden_dir, tmp_path / "hidden")
    (tmp_path / "pytest.ini").write_text(PYTEST_INI)
    hang = {"word_count.py": "while True:\n    pass\n"}
    code, seconds, _ = _run_suite(exercise, tmp_path, "m0", hang, 1.0)
    assert code is None and seconds < 10


def test_reference_failing_its_suite_is_a_usage_error(tmp_path: Path) -> None:
    exercise = weaken(tmp_path / "word-count")
    (exercise.reference_dir / "word_count.py").write_text(
        "def count_words(t):\n    1 / 0\n"
    )
    with pytest.raises(click.ClickException) as info:
        mutation_score(exercise, max_mutants=1)
    assert info.value.exit_code == 2
    assert "reference fails its hidden suite" in info.value.message


@click.group()
@click.option("--exercises", "exercises_dir", type=click.Path(path_type=Path))
@click.pass_context
def group(ctx: click.Context, exercises_dir: Path) -> None:
    """Stands in for `grader exercises`, where the command is wired in."""
    ctx.obj = {"exercises_dir": exercises_dir}


group.add_command(mutate_command)


def invoke(pack: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(group, ["--exercises", str(pack), "mutate", *args])


@pytest.mark.slow
def test_cli_json_exit_code_follows_the_score() -> None:
    result = invoke(FIXTURE_PACK, "word-count", "--max-mutants", "6", "--json")
    report = json.loads(result.output)
    assert report["slug"] == "stage1/word-count" and report["total"] == 6
    assert set(report) >= {"killed", "score", "survived", "operators", "duration"}
    assert result.exit_code == (0 if report["score"] >= 85 else 1)


@pytest.mark.slow
def test_cli_prints_table_and_survivors_and_fails_below_target(weak_pack: Path) -> None:
    result = invoke(weak_pack, "word-count", "--max-mutants", "6")
    assert result.exit_code == 1, result.output
    assert "Mutation score of stage1/word-count" in result.output
    assert "target 85%" in result.output
    assert "Surviving mutants" in result.output and "word_count.py:" in result.output


def test_cli_unknown_slug_is_a_usage_error() -> None:
    result = invoke(FIXTURE_PACK, "no-such-exercise")
    assert result.exit_code == 2
    assert "unknown exercise" in result.output


def test_a_git_exercise_is_not_mutated_and_says_where_its_strength_is() -> None:
    from grader.catalog import ExercisePack

    exercise = ExercisePack().get("stage1/git-merge")
    with pytest.raises(ExerciseError, match="not Python code.*wrong/"):
        mutation_score(exercise, max_mutants=1, jobs=1)
