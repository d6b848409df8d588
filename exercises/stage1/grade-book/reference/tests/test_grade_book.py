import json
import math

import pytest

from grade_book import (
    CorruptFileError,
    DuplicateStudentError,
    GradeBook,
    GradeBookError,
    InvalidScoreError,
    Student,
    StudentNotFoundError,
    main,
    parse_score,
    validate_score,
)


@pytest.fixture
def book():
    gb = GradeBook()
    gb.add("Li Lei", "S002", 85)
    gb.add("Han Meimei", "S001", 92.5)
    gb.add("Lucy", "S003", 85)
    gb.add("Lily", "S004", 60)
    return gb


# validation -----------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 100, 59.5])
def test_validate_score_accepts_valid_scores(score):
    assert validate_score(score) == float(score)
    assert isinstance(validate_score(score), float)


@pytest.mark.parametrize(
    "score", [-1, 100.5, True, False, "88", None, math.nan, math.inf, 10**400]
)
def test_validate_score_rejects_invalid_scores(score):
    with pytest.raises(InvalidScoreError):
        validate_score(score)


def test_error_hierarchy():
    for cls in (
        DuplicateStudentError,
        StudentNotFoundError,
        InvalidScoreError,
        CorruptFileError,
    ):
        assert issubclass(cls, GradeBookError)


@pytest.mark.parametrize("text, expected", [("88", 88.0), (" 92.5 ", 92.5)])
def test_parse_score_valid(text, expected):
    assert parse_score(text) == expected


@pytest.mark.parametrize("text", ["abc", "", "nan", "-1", "1e3"])
def test_parse_score_invalid(text):
    with pytest.raises(InvalidScoreError):
        parse_score(text)


# add / remove ----------------------------------------------------------------


def test_add_and_list(book):
    assert [s.student_id for s in book.students()] == ["S002", "S001", "S003", "S004"]
    assert len(book) == 4
    assert book.get("S001") == Student("Han Meimei", "S001", 92.5)


def test_add_returns_student_with_float_score():
    student = GradeBook().add("A", "S1", 70)
    assert student == Student("A", "S1", 70.0)
    assert isinstance(student.score, float)


def test_duplicate_id(book):
    with pytest.raises(DuplicateStudentError):
        book.add("Other", "S001", 10)
    assert book.get("S001").name == "Han Meimei"


@pytest.mark.parametrize("name, student_id", [("", "S9"), ("A", "  "), (3, "S9")])
def test_blank_name_or_id(book, name, student_id):
    with pytest.raises(GradeBookError):
        book.add(name, student_id, 50)
    assert len(book) == 4


def test_invalid_score_adds_nothing(book):
    with pytest.raises(InvalidScoreError):
        book.add("New", "S9", 101)
    assert len(book) == 4


def test_remove(book):
    assert book.remove("S001").name == "Han Meimei"
    assert [s.student_id for s in book.students()] == ["S002", "S003", "S004"]
    with pytest.raises(StudentNotFoundError):
        book.remove("S001")
    with pytest.raises(StudentNotFoundError):
        book.get("S001")


def test_students_is_a_copy(book):
    book.students().clear()
    assert len(book) == 4


# ranking and statistics -------------------------------------------------------


def test_ranking_competition_ranks_and_ties(book):
    assert [(r, s.student_id) for r, s in book.ranking()] == [
        (1, "S001"),
        (2, "S002"),
        (2, "S003"),
        (4, "S004"),
    ]


def test_ranking_empty():
    assert GradeBook().ranking() == []


def test_average(book):
    assert book.average() == pytest.approx((85 + 92.5 + 85 + 60) / 4)
    with pytest.raises(GradeBookError):
        GradeBook().average()


def test_top(book):
    assert [s.student_id for s in book.top(2)] == ["S001", "S002"]
    assert book.top(0) == []
    assert len(book.top(99)) == 4
    with pytest.raises(ValueError):
        book.top(-1)


# persistence -------------------------------------------------------------------


def test_round_trip(tmp_path, book):
    book.add("李雷", "S005", 77)
    path = tmp_path / "grades.json"
    book.save(path)
    assert "李雷" in path.read_text(encoding="utf-8")
    assert GradeBook.load(path).students() == book.students()
    assert [p.name for p in tmp_path.iterdir()] == ["grades.json"]


def test_save_into_missing_folder_raises(tmp_path, book):
    with pytest.raises(FileNotFoundError):
        book.save(tmp_path / "missing" / "grades.json")


def test_load_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        GradeBook.load(tmp_path / "missing.json")


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b""])
def test_load_not_json(tmp_path, raw):
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    with pytest.raises(CorruptFileError, match="bad.json"):
        GradeBook.load(path)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"students": "x"},
        {"students": [1]},
        {"students": [{"name": "A", "score": 1}]},
        {"students": [{"name": "A", "student_id": "S1", "score": -3}]},
        {
            "students": [
                {"name": "A", "student_id": "S1", "score": 1},
                {"name": "B", "student_id": "S1", "score": 2},
            ]
        },
    ],
)
def test_load_bad_structure(tmp_path, data):
    path = tmp_path / "grades.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CorruptFileError):
        GradeBook.load(path)


# command line --------------------------------------------------------------------


def run(tmp_path, *args):
    return main(["--file", str(tmp_path / "grades.json"), *args])


def test_cli_add_remove_rank(tmp_path, capsys):
    assert run(tmp_path, "add", "Li Lei", "S002", "88") == 0
    assert run(tmp_path, "add", "Han Meimei", "S001", "92.5") == 0
    assert run(tmp_path, "add", "Lucy", "S003", "88") == 0
    assert run(tmp_path, "remove", "S001") == 0
    capsys.readouterr()
    assert run(tmp_path, "rank") == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["1\tS002\tLi Lei\t88", "1\tS003\tLucy\t88"]
    assert err == ""


def test_cli_errors(tmp_path, capsys):
    assert run(tmp_path, "add", "A", "S1", "abc") == 2
    assert run(tmp_path, "remove", "S1") == 2
    assert run(tmp_path, "add", "A", "S1", "50") == 0
    assert run(tmp_path, "add", "B", "S1", "60") == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 3
    assert "Traceback" not in err


def test_cli_corrupted_file(tmp_path, capsys):
    path = tmp_path / "grades.json"
    path.write_text("[1, 2", encoding="utf-8")
    assert run(tmp_path, "rank") == 2
    assert capsys.readouterr().err.startswith("error:")
    assert path.read_text(encoding="utf-8") == "[1, 2"


def test_cli_usage_errors(capsys):
    assert main([]) == 2
    assert main(["bogus"]) == 2
    assert main(["--help"]) == 0
    assert "usage" in capsys.readouterr().err.lower()
