"""The command line as a student and CI use it; exit codes are part of the contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.scorecard import serialize
from tests.conftest import FIXTURE_PACK, WORD_COUNT


def run(*args: str) -> "object":
    return CliRunner().invoke(cli, ["--exercises", str(FIXTURE_PACK), *args])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    dest = tmp_path / "ws"
    result = run("start", "word-count", str(dest))
    assert result.exit_code == 0, result.output
    return dest


def solve(workspace: Path) -> None:
    shutil.copy(WORD_COUNT / "reference" / "word_count.py", workspace / "word_count.py")
    shutil.copy(
        WORD_COUNT / "reference" / "tests" / "test_word_count.py",
        workspace / "tests" / "test_word_count.py",
    )


def test_list_json_has_slug_stage_title() -> None:
    result = run("list", "--json")
    assert result.exit_code == 0
    (entry,) = json.loads(result.output)
    assert entry["slug"] == "word-count"
    assert entry["stage"] == 1
    assert entry["title"] == "Word count" and entry["title_zh"] == "词频统计"


def test_list_filters_by_stage() -> None:
    assert json.loads(run("list", "--stage", "2", "--json").output) == []


def test_start_lays_out_workspace_without_hidden_or_reference(workspace: Path) -> None:
    names = {p.relative_to(workspace).as_posix() for p in workspace.rglob("*")}
    assert {
        "word_count.py",
        "tests/test_word_count.py",
        "instructions.md",
        "instructions.zh.md",
        ".grader/exercise.json",
    } <= names
    assert not any("hidden" in n or "reference" in n for n in names)


def test_start_refuses_to_overwrite_work(workspace: Path) -> None:
    (workspace / "word_count.py").write_text("my work\n")
    result = run("start", "word-count", str(workspace))
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (workspace / "word_count.py").read_text() == "my work\n"


def test_unknown_slug_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run("start", "no-such-exercise", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert result.output.startswith("Error: unknown exercise 'no-such-exercise'")
    assert "Traceback" not in result.output


def test_submit_outside_a_workspace_is_exit_2(tmp_path: Path) -> None:
    result = run("submit", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a grader workspace" in result.output
    assert "grader start" in result.output


def test_submit_starter_fails_with_exit_1_and_saves_scorecard(workspace: Path) -> None:
    result = run("submit", str(workspace), "--backend", "local")
    assert result.exit_code == 1, result.output
    assert "not a sandbox" in result.output
    (saved,) = (workspace / ".grader" / "scorecards").glob("*.json")
    card = serialize.load(saved)
    assert card.status == "fail"
    assert card.check("tests").status == "fail"


def test_submit_solved_passes_with_exit_0_and_json_is_the_scorecard(
    workspace: Path,
) -> None:
    solve(workspace)
    result = run("submit", str(workspace), "--json", "--backend", "local")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert serialize.schema_errors(document) == []
    assert document["status"] == "pass" and document["score"] == 100


def test_submit_from_a_subfolder_finds_the_workspace(
    workspace: Path, monkeypatch
) -> None:
    solve(workspace)
    monkeypatch.chdir(workspace / "tests")
    result = run("submit", "--backend", "local")
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output


def test_visible_tests_exit_code_follows_pytest(workspace: Path) -> None:
    assert run("test", str(workspace)).exit_code == 1
    solve(workspace)
    assert run("test", str(workspace)).exit_code == 0


def test_corrupted_exercise_toml_is_exit_2_without_traceback(tmp_path: Path) -> None:
    pack = tmp_path / "pack" / "stage1" / "word-count"
    shutil.copytree(WORD_COUNT, pack)
    (pack / "exercise.toml").write_text("title = \n")
    result = CliRunner().invoke(cli, ["--exercises", str(tmp_path / "pack"), "list"])
    assert result.exit_code == 2
    assert "exercise.toml: invalid TOML" in result.output
    assert "Traceback" not in result.output


def test_schema_command_prints_the_shipped_schema() -> None:
    result = run("schema")
    assert json.loads(result.output) == serialize.scorecard_schema()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["list"],
        ["start"],
        ["test"],
        ["submit"],
        ["schema"],
        ["exercises", "validate"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_a_mistyped_slug_gets_the_closest_exercise_suggested(tmp_path: Path) -> None:
    result = run("start", "word-cont", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "did you mean word-count?" in result.output
    assert not (tmp_path / "x").exists()


def test_a_new_workspace_keeps_scorecards_out_of_git(workspace: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    (workspace / ".grader" / "scorecards").mkdir()
    (workspace / ".grader" / "scorecards" / "card.json").write_text("{}")
    listed = subprocess.run(
        ["git", "-C", str(workspace), "status", "--porcelain", "-uall"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert ".grader/exercise.json" in listed  # grader ci finds the exercise by it
    assert "scorecards" not in listed


def test_help_lists_the_student_commands_first() -> None:
    result = run("--help")
    assert result.exit_code == 0
    student, _, teacher = result.output.partition("Teacher, class and CI commands:")
    assert "Student commands:" in student
    for name in ("list", "start", "test", "submit", "progress"):
        assert f"\n  {name} " in student
    for name in ("batch", "serve", "class", "exercises", "runner"):
        assert f"\n  {name} " in teacher and f"\n  {name} " not in student


def test_grader_test_checks_own_work_as_a_checklist(workspace: Path) -> None:
    solve(workspace)
    result = run("test", str(workspace))
    assert result.exit_code == 0, result.output
    assert "✓ flake8" in result.output and "✓ black" in result.output
    assert "✓ Coverage of your tests" in result.output
    assert "Hidden tests" not in result.output  # those run in `grader submit`


def test_grader_test_fix_lets_black_format_the_files(workspace: Path) -> None:
    solve(workspace)
    source = workspace / "word_count.py"
    source.write_text(source.read_text().replace(" = ", "   =   ", 1))
    unformatted = run("test", str(workspace))
    assert unformatted.exit_code == 1
    assert "✗ black formatting" in unformatted.output
    assert "grader test --fix" in unformatted.output
    fixed = run("test", "--fix", str(workspace))
    assert fixed.exit_code == 0, fixed.output
    assert "   =   " not in source.read_text()


def test_grader_test_passes_options_after_the_separator_to_pytest(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    solve(workspace)
    monkeypatch.chdir(workspace)
    chosen = run("test", "--", "-k", "no_such_test_name")
    assert chosen.exit_code == 1  # pytest selected nothing: exit code 5
    assert "Your checks" not in chosen.output
    everything = run("test", "--", "-q")
    assert everything.exit_code == 0


def test_validate_runs_exercises_at_once_and_reports_them_in_pack_order(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    broken = pack / "stage1" / "word-count-broken"
    shutil.copytree(WORD_COUNT, broken)
    toml = broken / "exercise.toml"
    toml.write_text(
        toml.read_text().replace('slug = "word-count"', 'slug = "word-count-broken"')
    )
    shutil.rmtree(broken / "hidden")

    result = run("--exercises", str(pack), "exercises", "validate", "--jobs", "2")

    lines = [line for line in result.output.splitlines() if not line.startswith(" ")]
    assert result.exit_code == 1, result.output
    # the fixture's suite is graded (and is too small for a real pack); the broken copy
    # stops at its layout: each report stays with its exercise, in the pack's order
    assert lines[0].startswith("FAIL  stage1/word-count (5 hidden tests"), result.output
    assert lines[1] == "FAIL  stage1/word-count-broken", result.output
    assert "word-count-broken/hidden: no test_*.py files" in result.output
    assert lines[-1] == "0 of 2 exercises valid"


def test_an_error_reads_in_the_readers_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_LANG", "zh")
    result = run("start", "word-cont", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "没有练习 'word-cont'；你是想找 word-count 吗？" in result.output
