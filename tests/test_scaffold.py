"""`grader exercises new`: a scaffold that already holds together."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.catalog import ExercisePack
from grader.authoring.validate import validate_exercise_dir
from grader.cli import cli
from grader.runner import LocalBackend


def _new(pack: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["--exercises", str(pack), "exercises", "new", *args]
    )
    return result.exit_code, result.output


@pytest.mark.slow
def test_a_new_exercise_validates_but_for_the_size_of_its_suite(tmp_path: Path) -> None:
    code, output = _new(
        tmp_path,
        "word-count",
        "--stage",
        "2",
        "--title-en",
        'Word "count" \\ tally',
        "--title-zh",
        "单词计数",
    )
    assert code == 0, output
    root = tmp_path / "stage2" / "word-count"
    assert f"created {root}" in output
    exercise = ExercisePack(tmp_path).get("word-count")
    assert (exercise.title_en, exercise.title_zh) == (
        'Word "count" \\ tally',
        "单词计数",
    )
    assert exercise.stage == 2 and exercise.solution_files == ("word_count.py",)
    report = validate_exercise_dir(root, LocalBackend())
    # Reference full marks, starter failing, layout and both instruction files: all hold.
    assert report.problems == [
        "hidden suite has 8 tests; at least 15 are needed"
    ], report.problems


@pytest.mark.parametrize(
    "args, message",
    [
        (["Word-Count", "--stage", "1"], "is not valid"),
        (["word--count", "--stage", "1"], "is not valid"),
        (["grade-book", "--stage", "2"], "already used"),
    ],
    ids=["uppercase", "double-hyphen", "slug-taken"],
)
def test_bad_slugs_are_refused_and_nothing_is_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    existing = tmp_path / "stage1" / "grade-book"
    existing.mkdir(parents=True)
    (existing / "exercise.toml").write_text('slug = "grade-book"\n')
    code, output = _new(tmp_path, *args, "--title-en", "T", "--title-zh", "题")
    assert code == 2
    assert message in output
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_dir()) == [
        "grade-book",
        "stage1",
    ]


def test_the_bundled_pack_of_an_install_is_not_edited(tmp_path: Path) -> None:
    installed = tmp_path / "site-packages" / "grader" / "_bundled_exercises"
    installed.mkdir(parents=True)
    code, output = _new(
        installed, "word-count", "--stage", "1", "--title-en", "T", "--title-zh", "题"
    )
    assert code == 2
    assert "--exercises DIR" in output
    assert list(installed.iterdir()) == []


def test_each_declared_check_is_scaffolded_and_types_is_off(tmp_path: Path) -> None:
    code, output = _new(
        tmp_path, "word-count", "--stage", "4", "--title-en", "T", "--title-zh", "题"
    )
    assert code == 0, output
    root = tmp_path / "stage4" / "word-count"
    exercise = ExercisePack(tmp_path).get("word-count")
    assert [c.id for c in exercise.checks] == ["tests", "flake8", "black", "coverage"]
    toml = (root / "exercise.toml").read_text(encoding="utf-8")
    assert "\n# [checks.types]" in toml and "\n# weight = 10\n" in toml
    instructions = (root / "instructions.md").read_text(encoding="utf-8")
    assert "| black | 10 |" in instructions and "| Types |" not in instructions
    assert "- flake8 ignores `# noqa` and `# flake8: noqa`;" in instructions

    # Switching the check on is data: uncomment its section.
    (root / "exercise.toml").write_text(
        toml.replace("# [checks.types]", "[checks.types]")
        .replace("# weight = 10", "weight = 10")
        .replace("# strict = false", "strict = false"),
        encoding="utf-8",
    )
    exercise = ExercisePack(tmp_path).get("word-count")
    assert exercise.check("types") is not None
    assert exercise.check("types").options == {"strict": False}  # type: ignore[union-attr]


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    code, output = _new(
        tmp_path,
        "doubler",
        "--stage",
        "1",
        "--title-en",
        "Doubler",
        "--title-zh",
        "加倍",
    )
    assert code == 0, output
    return tmp_path / "stage1" / "doubler"


def _problems(root: Path) -> list[str]:
    report = validate_exercise_dir(root, LocalBackend())
    return [p for p in report.problems if "at least 15 are needed" not in p]


@pytest.mark.slow
def test_validate_refuses_a_starter_that_already_earns(scaffolded: Path) -> None:
    """A starter that solves task 1 reaches its minimum and scores: both are refused."""
    starter = scaffolded / "starter" / "doubler.py"
    source = starter.read_text(encoding="utf-8")
    starter.write_text(
        source.replace(
            'raise NotImplementedError("Task 1 and Task 2")', "return value * 2"
        ),
        encoding="utf-8",
    )
    problems = _problems(scaffolded)
    assert any("already reaches task 1's minimum" in p for p in problems), problems
    assert any("the untouched starter scores" in p for p in problems), problems
    assert not any("task 2's minimum" in p for p in problems)


@pytest.mark.slow
def test_validate_wants_a_core_test_and_hints_for_every_task(scaffolded: Path) -> None:
    hidden = scaffolded / "hidden" / "test_doubler.py"
    text = hidden.read_text(encoding="utf-8")
    hidden.write_text(text.replace("@pytest.mark.core\n", "", 1), encoding="utf-8")
    problems = _problems(scaffolded)
    assert any("task 1 (" in p and "has no core test" in p for p in problems), problems
    hints = scaffolded / "hints.zh.md"
    hints.write_text(hints.read_text(encoding="utf-8").split("## 任务 2")[0])
    problems = _problems(scaffolded)
    assert any(
        p.endswith(
            "hints.zh.md: task 2 has no hint (a `## Task N` section; see "
            "docs/exercise-format.md)"
        )
        for p in problems
    ), problems
