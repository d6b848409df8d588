"""`grader batch`: a folder of submissions graded into scorecards, grades.csv and summary.json."""

from __future__ import annotations

import csv
import json
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from grader import batch as batch_module
from grader.batch import CSV_COLUMNS, StudentResult, grade_batch
from grader.catalog.model import Exercise
from grader.cli import cli
from grader.runner import LocalBackend
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard
from tests.conftest import FIXTURE_PACK, WORD_COUNT

EXPECTED = {"alice": "pass", "bob": "fail", "carol": "error", "dave": "error"}
# The local backend grades with no isolation: a teacher must allow it explicitly.
LOCAL = ("--backend", "local", "--allow-reduced-isolation")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--exercises", str(FIXTURE_PACK), *args])


def make_student(root: Path, name: str, kind: str = "full") -> Path:
    """A copy of the reference, broken in the way `kind` says."""
    dest = root / name
    shutil.copytree(WORD_COUNT / "reference", dest)
    solution = dest / "word_count.py"
    text = solution.read_text(encoding="utf-8")
    if kind == "failing":
        text = text.replace("counts.get(word, 0) + 1", "1")
    elif kind == "syntax":
        text = text.replace("def top_words(text: str, n: int)", "def top_words(text")
    if kind == "missing":
        solution.unlink()
    else:
        solution.write_text(text, encoding="utf-8")
    return dest


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """One real batch of four students, shared by the tests that only read its output."""
    root = tmp_path_factory.mktemp("class") / "submissions"
    root.mkdir()
    for name, kind in [
        ("alice", "full"),
        ("bob", "failing"),
        ("carol", "syntax"),
        ("dave", "missing"),
    ]:
        make_student(root, name, kind)
    (root / ".git").mkdir()  # hidden folders and plain files are not students
    (root / "notes.txt").write_text("not a student\n")
    result = run(
        "batch",
        str(root),
        "--exercise",
        "word-count",
        "--backend",
        "local",
        "--allow-reduced-isolation",
        "--jobs",
        "2",
    )
    return result, root.parent / "submissions-grades"


@pytest.fixture
def word_count_exercise() -> Exercise:
    from grader.catalog import ExercisePack

    return ExercisePack(FIXTURE_PACK).get("word-count")


def test_batch_exits_0_even_though_students_failed(graded: tuple[Result, Path]) -> None:
    result, out = graded
    assert result.exit_code == 0, result.output
    assert "1 pass, 1 fail, 2 error" in result.stdout
    assert "not a sandbox" in result.output  # the local backend warns on stderr
    assert str(out / "grades.csv") in result.stdout


def test_every_student_has_a_row_with_the_right_status(
    graded: tuple[Result, Path],
) -> None:
    rows = read_csv(graded[1] / "grades.csv")
    assert {r["student"]: r["status"] for r in rows} == EXPECTED
    by_student = {r["student"]: r for r in rows}
    assert by_student["alice"]["score"] == "100"
    assert by_student["alice"]["max_score"] == "100"
    assert float(by_student["bob"]["score"]) < 80
    assert "SyntaxError" in by_student["carol"]["message"]
    assert "word_count.py is missing" in by_student["dave"]["message"]
    assert {r["exercise"] for r in rows} == {"stage1/word-count"}


def test_summary_counts_and_per_student_results(graded: tuple[Result, Path]) -> None:
    summary = json.loads((graded[1] / "summary.json").read_text(encoding="utf-8"))
    assert summary["exercise"] == "stage1/word-count"
    assert summary["backend"] == "local"
    assert summary["counts"] == {"pass": 1, "fail": 1, "error": 2}
    assert summary["students"] == summary["graded"] == 4
    assert summary["interrupted"] is False
    assert summary["duration"] > 0
    scores = [r["score"] for r in summary["results"].values()]
    assert summary["mean_score"] == pytest.approx(statistics.fmean(scores), abs=0.01)
    assert summary["median_score"] == pytest.approx(statistics.median(scores), abs=0.01)
    assert summary["results"]["alice"] == {
        "score": 100.0,
        "max_score": 100.0,
        "status": "pass",
        "message": summary["results"]["alice"]["message"],
    }


def test_every_scorecard_validates_against_the_schema(
    graded: tuple[Result, Path],
) -> None:
    cards = sorted((graded[1] / "scorecards").glob("*.json"))
    assert [c.stem for c in cards] == sorted(EXPECTED)
    for path in cards:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert serialize.schema_errors(document) == []
        assert document["status"] == EXPECTED[path.stem]


def test_a_batch_run_again_keeps_every_student_already_graded(
    graded: tuple[Result, Path],
) -> None:
    out = graded[1]
    before = (out / "grades.csv").read_bytes()
    cards = {p.name: p.stat().st_mtime_ns for p in (out / "scorecards").iterdir()}
    root = out.parent / "submissions"
    result = run("batch", str(root), "--exercise", "word-count", *LOCAL)
    assert result.exit_code == 0, result.output
    assert "kept 4 student(s) graded by an earlier run" in result.output
    assert (out / "grades.csv").read_bytes() == before
    assert {
        p.name: p.stat().st_mtime_ns for p in (out / "scorecards").iterdir()
    } == cards
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["kept"] == 4


def test_an_out_dir_with_other_files_is_refused_without_overwrite(
    tmp_path: Path,
) -> None:
    root = tmp_path / "subs"
    make_student(root, "dave", "missing")
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("mine")
    args = ["batch", str(root), "--exercise", "word-count", *LOCAL, "--out", str(out)]
    result = run(*args)
    assert result.exit_code == 2
    assert "holds files a batch does not write (thesis.docx)" in result.output
    assert "--overwrite" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]


def test_grades_of_another_exercise_are_not_mixed_in(
    graded: tuple[Result, Path], tmp_path: Path
) -> None:
    root = tmp_path / "subs"
    make_student(root, "alice", "missing")
    out = tmp_path / "out"
    (out / "scorecards").mkdir(parents=True)
    card = json.loads((graded[1] / "scorecards" / "alice.json").read_text())
    card["exercise"]["slug"] = "stage2/grade-book"
    (out / "scorecards" / "alice.json").write_text(json.dumps(card))
    result = run(
        "batch", str(root), "--exercise", "word-count", *LOCAL, "--out", str(out)
    )
    assert result.exit_code == 2
    assert (
        "holds the grades of stage2/grade-book, not stage1/word-count" in result.output
    )


def test_overwrite_replaces_the_old_grades(tmp_path: Path) -> None:
    root = tmp_path / "subs"
    make_student(root, "dave", "missing")  # rejected before any run: fast
    out = tmp_path / "out"
    (out / "scorecards").mkdir(parents=True)
    (out / "scorecards" / "ghost.json").write_text("{}")
    args = ["batch", str(root), "--exercise", "word-count", *LOCAL]
    result = run(*args, "--out", str(out), "--overwrite")
    assert result.exit_code == 0, result.output
    assert [r["student"] for r in read_csv(out / "grades.csv")] == ["dave"]
    assert not (out / "scorecards" / "ghost.json").exists()


def test_a_student_whose_grading_raises_is_an_error_row(
    graded: tuple[Result, Path],
    word_count_exercise: Exercise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full_marks = serialize.load(graded[1] / "scorecards" / "alice.json")

    def fake_grade(workspace: Path, **_: Any) -> Scorecard:
        if workspace.name == "bob":
            raise RuntimeError("the backend fell over")
        return full_marks

    monkeypatch.setattr(batch_module, "grade_workspace", fake_grade)
    root = tmp_path / "subs"
    for name in ("alice", "bob", "carol"):
        (root / name).mkdir(parents=True)
    summary = grade_batch(
        root,
        exercise=word_count_exercise,
        backend=LocalBackend(),
        allow_reduced=True,
        out_dir=tmp_path / "out",
        jobs=2,
    )
    rows = {r["student"]: r for r in read_csv(tmp_path / "out" / "grades.csv")}
    assert {s: r["status"] for s, r in rows.items()} == {
        "alice": "pass",
        "bob": "error",
        "carol": "pass",
    }
    assert "RuntimeError: the backend fell over" in rows["bob"]["message"]
    assert rows["bob"]["score"] == ""
    assert not (tmp_path / "out" / "scorecards" / "bob.json").exists()
    assert summary.counts == {"pass": 2, "fail": 0, "error": 1}
    assert summary.mean == 100.0  # only students with a scorecard have a score


def test_a_workspace_of_another_exercise_says_so(
    word_count_exercise: Exercise, tmp_path: Path
) -> None:
    root = tmp_path / "subs"
    for name, slug in [("erin", "stage2/grade-book"), ("frank", "stage1/word-count")]:
        marker = make_student(root, name, "missing") / ".grader" / "exercise.json"
        marker.parent.mkdir()
        marker.write_text(json.dumps({"exercise": slug}))
    summary = grade_batch(
        root,
        exercise=word_count_exercise,
        backend=LocalBackend(),
        allow_reduced=True,
        out_dir=tmp_path / "out",
        jobs=1,
    )
    erin, frank = summary.sorted_results()
    assert erin.status == "error"
    assert "workspace of stage2/grade-book, not stage1/word-count" in erin.message
    assert "word_count.py is missing" in frank.message  # same exercise: graded


def test_ctrl_c_keeps_what_was_graded(
    graded: tuple[Result, Path],
    word_count_exercise: Exercise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full_marks = serialize.load(graded[1] / "scorecards" / "alice.json")
    monkeypatch.setattr(batch_module, "grade_workspace", lambda *a, **k: full_marks)
    root = tmp_path / "subs"
    for i in range(6):
        (root / f"s{i}").mkdir(parents=True)

    def interrupt(result: StudentResult) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "out"
    summary = grade_batch(
        root,
        exercise=word_count_exercise,
        backend=LocalBackend(),
        allow_reduced=True,
        out_dir=out,
        jobs=1,
        progress=interrupt,
    )
    assert summary.interrupted
    assert 1 <= len(summary.results) <= 6
    assert len(read_csv(out / "grades.csv")) == len(summary.results)
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert written["interrupted"] is True
    assert written["graded"] == len(summary.results)


def test_empty_dir_is_exit_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("batch", str(tmp_path / "empty"), "--exercise", "word-count")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: ") and "no student folders" in result.output


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--exercise", "no-such-exercise"], "unknown exercise"),
        (["--exercise", "word-count", "--jobs", "0"], "--jobs"),
    ],
)
def test_usage_errors_are_exit_2(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    make_student(tmp_path / "subs", "dave", "missing")
    result = run("batch", str(tmp_path / "subs"), *args)
    assert result.exit_code == 2
    assert expected in result.output


def test_missing_dir_is_exit_2(tmp_path: Path) -> None:
    result = run("batch", str(tmp_path / "nope"), "--exercise", "word-count")
    assert result.exit_code == 2
    assert "is not a folder" in result.output


def test_help_has_an_example() -> None:
    result = run("batch", "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


# Names a student can give their folder (or text their code prints), hostile to the
# spreadsheet that opens grades.csv and to the terminal that shows the progress.
FORMULA = '=HYPERLINK("http://x","y")'


def test_a_formula_in_a_name_or_message_is_a_text_cell() -> None:
    row = StudentResult(FORMULA, "stage1/word-count", "error", "-1+2", 0.0, 100.0)
    assert row.csv_row() == ["'" + FORMULA, "stage1/word-count", "0", "100", "error",
                             "'-1+2", ""]  # fmt: skip


def test_grades_csv_has_no_live_formula(
    graded: tuple[Result, Path],
    word_count_exercise: Exercise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    card = serialize.load(graded[1] / "scorecards" / "alice.json")
    card.message = "@SUM(A1:A9)"
    monkeypatch.setattr(batch_module, "grade_workspace", lambda *_, **__: card)
    root = tmp_path / "subs"
    for name in ("=1+2", "+cmd|' -C calc'!A0", "-2", "\tx", "alice"):
        (root / name).mkdir(parents=True)
    grade_batch(
        root,
        exercise=word_count_exercise,
        backend=LocalBackend(),
        allow_reduced=True,
        out_dir=tmp_path / "out",
        jobs=1,
    )
    lines = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [
        "'\tx,stage1/word-count,100,100,pass,'@SUM(A1:A9),none",
        "'+cmd|' -C calc'!A0,stage1/word-count,100,100,pass,'@SUM(A1:A9),none",
        "'-2,stage1/word-count,100,100,pass,'@SUM(A1:A9),none",
        "'=1+2,stage1/word-count,100,100,pass,'@SUM(A1:A9),none",
        "alice,stage1/word-count,100,100,pass,'@SUM(A1:A9),none",
    ]


@pytest.mark.parametrize(
    ("folder", "shown"),
    [
        ("[bold]x[red]y\x1b[2J", "graded [bold]x[red]y "),
        ("a\n::stop-commands::x", "graded a ::stop-commands::x "),
    ],
)
def test_the_progress_shows_a_hostile_name_as_text(
    graded: tuple[Result, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    folder: str,
    shown: str,
) -> None:
    card = serialize.load(graded[1] / "scorecards" / "alice.json")
    monkeypatch.setattr(batch_module, "grade_workspace", lambda *_, **__: card)
    root = tmp_path / "subs"
    (root / folder).mkdir(parents=True)
    result = run("batch", str(root), "--exercise", "word-count", *LOCAL)
    assert result.exit_code == 0, result.output
    assert shown in result.stderr
    assert "\x1b" not in result.stderr
    assert not any(
        line.lstrip().startswith("::") for line in result.stderr.splitlines()
    )
