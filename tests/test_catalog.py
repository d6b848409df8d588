from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grader.catalog import ExercisePack, load_exercise
from grader.catalog.loader import bundled_pack_root
from grader.errors import ExerciseError
from tests.conftest import FIXTURE_PACK, WORD_COUNT


def test_bundled_pack_has_three_stage1_exercises_with_unique_slugs() -> None:
    exercises = ExercisePack(bundled_pack_root()).exercises()
    slugs = [e.slug for e in exercises]
    assert {"grade-book", "decorators", "alternate-constructors"} <= set(slugs)
    assert len(slugs) == len(set(slugs))


def test_slug_may_name_the_stage(pack: ExercisePack) -> None:
    assert pack.get("word-count").root == pack.get("stage1/word-count").root


def test_wrong_stage_prefix_is_unknown(pack: ExercisePack) -> None:
    with pytest.raises(ExerciseError, match="unknown exercise 'stage2/word-count'"):
        pack.get("stage2/word-count")


def test_unknown_slug_names_the_known_ones(pack: ExercisePack) -> None:
    with pytest.raises(ExerciseError, match="grader list.*word-count"):
        pack.get("nope")


def test_exercise_fields_come_from_toml() -> None:
    exercise = load_exercise(WORD_COUNT)
    assert exercise.qualified_slug == "stage1/word-count"
    assert exercise.submitted_files == ("word_count.py", "tests/test_word_count.py")
    assert [c.id for c in exercise.checks] == ["tests", "flake8", "black", "coverage"]
    assert exercise.check("coverage").options == {"threshold": 70}
    assert exercise.limits.test_seconds == 5
    assert exercise.title_zh == "词频统计"


def copy_exercise(tmp_path: Path) -> Path:
    dest = tmp_path / "stage1" / "word-count"
    shutil.copytree(WORD_COUNT, dest)
    return dest


def test_corrupted_toml_is_reported_with_its_path(tmp_path: Path) -> None:
    root = copy_exercise(tmp_path)
    (root / "exercise.toml").write_text("slug = [unclosed\n")
    with pytest.raises(ExerciseError, match=r"exercise.toml: invalid TOML"):
        load_exercise(root)


def test_schema_violation_names_the_field(tmp_path: Path) -> None:
    root = copy_exercise(tmp_path)
    toml = root / "exercise.toml"
    toml.write_text(toml.read_text().replace("stage = 1", "stage = 9"))
    with pytest.raises(
        ExerciseError, match="stage: 9 is greater than the maximum of 4"
    ):
        load_exercise(root)


def test_an_exercise_asking_for_in_process_tests_says_the_mode_is_gone(
    tmp_path: Path,
) -> None:
    root = copy_exercise(tmp_path)
    toml = root / "exercise.toml"
    text = toml.read_text()
    assert "[checks.tests]\n" in text
    toml.write_text(
        text.replace("[checks.tests]\n", '[checks.tests]\nisolation = "in-process"\n')
    )
    with pytest.raises(ExerciseError, match="isolation: the hidden tests always run"):
        load_exercise(root)


def test_path_traversal_in_files_is_rejected(tmp_path: Path) -> None:
    root = copy_exercise(tmp_path)
    toml = root / "exercise.toml"
    toml.write_text(toml.read_text().replace('"word_count.py"]', '"../evil.py"]'))
    with pytest.raises(ExerciseError, match="files.solution.0"):
        load_exercise(root)


def test_duplicate_slugs_in_a_pack_are_refused(tmp_path: Path) -> None:
    copy_exercise(tmp_path)
    other = tmp_path / "stage2" / "word-count"
    shutil.copytree(WORD_COUNT, other)
    toml = other / "exercise.toml"
    toml.write_text(toml.read_text().replace("stage = 1", "stage = 2"))
    with pytest.raises(ExerciseError, match="used twice"):
        ExercisePack(tmp_path).exercises()


def test_missing_pack_dir_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(ExerciseError, match="--exercises DIR"):
        ExercisePack(tmp_path / "absent")


def test_hints_are_read_per_task_in_both_languages() -> None:
    exercise = ExercisePack(FIXTURE_PACK).get("word-count")
    task1, task2 = exercise.tasks
    assert task1.hint_en.startswith("- `str.split()` with no argument")
    assert task2.hint_zh.startswith("- 同时按两个键排序")
    assert (task1.minimum, task2.minimum) == (50.0, 50.0)


@pytest.mark.parametrize(
    "text, message",
    [
        ("## Tsk 1\nx\n", "a hints heading names a task"),
        ("## Task 7\nx\n", "task 7 is not one of the exercise's tasks (1, 2)"),
        ("## Task 1\nx\n## 任务 1：again\ny\n", "task 1 has two sections"),
    ],
)
def test_a_malformed_hints_file_is_refused_with_its_line(
    text: str, message: str
) -> None:
    from grader.catalog.hints import parse_hints

    with pytest.raises(ExerciseError, match=re.escape(message)) as caught:
        parse_hints(text, Path("hints.md"), {1, 2})
    assert caught.value.message.startswith("hints.md:")


def test_order_and_prerequisites_place_an_exercise_on_the_path(tmp_path: Path) -> None:
    root = tmp_path / "stage1" / "word-count"
    shutil.copytree(WORD_COUNT, root)
    toml = root / "exercise.toml"
    toml.write_text(
        toml.read_text().replace(
            'topics = ["strings", "dicts"]\n',
            'topics = ["strings", "dicts"]\norder = 30\n'
            'prerequisites = ["stage1/grade-book"]\n',
        )
    )
    exercise = load_exercise(root)
    assert exercise.order == 30 and exercise.prerequisites == ("stage1/grade-book",)
    toml.write_text(toml.read_text().replace('"stage1/grade-book"', '"Grade Book"'))
    with pytest.raises(ExerciseError, match="prerequisites.0"):
        load_exercise(root)
