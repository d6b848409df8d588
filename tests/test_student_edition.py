"""The students' edition of a pack (issue 15, item 8): built without hidden/ and reference/,
graded locally as practice only, never counted, refused where grading must count."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.catalog import ExercisePack
from grader.catalog.loader import STUDENT_EDITION_MARKER, bundled_pack_root
from grader.cli import cli
from grader.errors import ExerciseError
from grader.progress.collect import collect_progress
from grader.stages.evaluate import check_stage

SLUG = "stage1/grade-book"


def invoke(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "240", "GRADER_EXERCISES": None}).invoke(
        cli, list(args)
    )


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class") / "students"
    result = invoke("--exercises", str(bundled_pack_root()), "pack", "build")
    assert result.exit_code == 2 and "--student OUT" in result.output
    result = invoke(
        "--exercises", str(bundled_pack_root()), "pack", "build", "--student", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "no hidden suites" in result.output
    return out


@pytest.fixture(scope="module")
def practice(edition: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with one workspace of the edition and the card of `grader submit`."""
    repo = tmp_path_factory.mktemp("repo")
    workspace = repo / "grade-book"
    started = invoke("--exercises", str(edition), "start", SLUG, str(workspace))
    assert started.exit_code == 0, started.output
    submitted = invoke("--exercises", str(edition), "submit", str(workspace), "--json")
    assert submitted.exit_code == 1, submitted.output  # the starter fails its own tests
    card = json.loads(submitted.stdout)
    (saved,) = (workspace / ".grader" / "scorecards").glob("*.json")
    assert json.loads(saved.read_text(encoding="utf-8")) == card
    return repo


def test_the_edition_has_what_students_read_and_nothing_hidden(edition: Path) -> None:
    assert (edition / STUDENT_EDITION_MARKER).is_file()
    assert not [p for p in edition.rglob("*") if p.name in ("hidden", "reference")]
    full = ExercisePack(bundled_pack_root()).exercises()
    students = ExercisePack(edition)
    assert students.is_student_edition
    assert [e.qualified_slug for e in students.exercises()] == [
        e.qualified_slug for e in full
    ]
    for exercise in full:
        copy = edition / exercise.root.relative_to(bundled_pack_root())
        for name in ("instructions.md", "instructions.zh.md", "hints.md"):
            assert (copy / name).read_bytes() == (exercise.root / name).read_bytes()
        if exercise.repository is not None:  # its starter is generated at start
            assert (copy / exercise.repository.generator).is_file(), copy
            continue
        for visible in exercise.test_files:
            assert (copy / "starter" / visible).is_file(), (copy, visible)
        for stub in exercise.solution_files:
            assert (copy / "starter" / stub).is_file() == (
                exercise.starter_dir / stub
            ).is_file()


def test_bad_outputs_are_refused_and_nothing_is_lost(
    edition: Path, tmp_path: Path
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = invoke("pack", "build", "--student", str(busy))
    assert result.exit_code == 2
    assert "exists and is not empty" in result.output
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    again = invoke("--exercises", str(edition), "pack", "build", "--student", "x")
    assert again.exit_code == 2
    assert "already a students' edition" in again.output
    assert not Path("x").exists()


def test_submit_on_the_edition_is_practice_and_names_the_server(
    practice: Path,
) -> None:
    (saved,) = (practice / "grade-book" / ".grader" / "scorecards").glob("*.json")
    card = json.loads(saved.read_text(encoding="utf-8"))
    assert card["practice"] is True
    assert "tests" not in {c["id"] for c in card["checks"]}
    assert {"flake8", "black", "coverage"} <= {c["id"] for c in card["checks"]}
    assert card["message"].startswith("practice run, not a grade")
    assert "the hidden suite runs on the class server" in card["message"]
    assert "grader submit --server URL" in card["message"]


def test_practice_never_counts_for_progress_or_a_stage(
    practice: Path, edition: Path
) -> None:
    (saved,) = (practice / "grade-book" / ".grader" / "scorecards").glob("*.json")
    forged = json.loads(saved.read_text(encoding="utf-8"))
    forged.update(status="pass", score=forged["max_score"])  # as if every check passed
    passing = saved.with_name("z" + saved.name)
    passing.write_text(json.dumps(forged), encoding="utf-8")
    try:
        pack = ExercisePack(edition)
        report = collect_progress(repo=practice, pack=pack)
        (entry,) = [e for e in report.exercises if e.slug == SLUG]
        assert entry.attempts == [] and not entry.passed
        assert sorted(report.practice) == sorted([saved, passing])
        stage = check_stage(stage=1, repo=practice, pack=pack)
        first = stage.results[0]
        in_stage = sum(1 for e in pack.exercises() if e.stage == 1)
        assert first.status == "fail" and f"0 of {in_stage}" in first.evidence
    finally:
        passing.unlink()


def test_a_practice_scorecard_is_never_exported(practice: Path) -> None:
    (saved,) = (practice / "grade-book" / ".grader" / "scorecards").glob("*.json")
    result = invoke("export", "--format", "gradescope", str(saved))
    assert result.exit_code == 2
    assert "practice scorecard" in result.output and "not a grade" in result.output


def test_ci_on_the_edition_needs_the_server(practice: Path, edition: Path) -> None:
    result = invoke("--exercises", str(edition), "ci", "--repo", str(practice))
    assert result.exit_code == 2
    assert "students' edition" in result.output
    assert "--server URL --token TOKEN" in result.output
    assert not (practice / "grader-scorecards").exists()


def test_the_server_refuses_the_edition(edition: Path, tmp_path: Path) -> None:
    data = tmp_path / "class"
    result = invoke("--exercises", str(edition), "serve", "--data-dir", str(data))
    assert result.exit_code == 2
    assert "students' edition" in result.output
    assert "grade on the class server" in result.output
    assert not data.exists()  # no class was made
    from grader.leaderboard.exercises import load_catalog

    with pytest.raises(ExerciseError, match="students' edition"):
        load_catalog(edition)  # the server's and the workers' pack
    assert load_catalog(bundled_pack_root()).exercises


def test_a_full_pack_without_hidden_is_still_not_an_edition(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(
        bundled_pack_root() / "stage1" / "grade-book", pack / "stage1" / "g"
    )
    shutil.rmtree(pack / "stage1" / "g" / "hidden")
    assert not ExercisePack(pack).is_student_edition
    validated = invoke("--exercises", str(pack), "exercises", "validate")
    assert validated.exit_code == 1
    assert "hidden" in validated.output


def test_the_terminal_says_practice_before_the_verdict(practice: Path) -> None:
    import io

    from rich.console import Console

    from grader.cli.render import print_scorecard
    from grader.scorecard import serialize

    (saved,) = (practice / "grade-book" / ".grader" / "scorecards").glob("*.json")
    card = serialize.load(saved)
    for lang, word in (("en", "PRACTICE · FAIL"), ("zh", "练习 · 未通过")):
        out = io.StringIO()
        print_scorecard(
            Console(file=out, width=100, color_system=None), card, lang=lang
        )
        assert out.getvalue().splitlines()[0].startswith(f"stage1/grade-book {word}")
