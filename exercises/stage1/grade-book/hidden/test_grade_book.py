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
    validate_score,
)


def make_book(*rows):
    book = GradeBook()
    for name, student_id, score in rows:
        book.add(name, student_id, score)
    return book


def ids(students):
    return [s.student_id for s in students]


def write_json(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_exceptions_share_one_base_class():
    """Every custom error, validate_score's included, is caught as GradeBookError"""
    assert issubclass(GradeBookError, Exception)
    for cls in (
        DuplicateStudentError,
        StudentNotFoundError,
        InvalidScoreError,
        CorruptFileError,
    ):
        assert issubclass(cls, GradeBookError), f"for {cls.__name__}"
        assert cls is not GradeBookError, f"for {cls.__name__}"
    with pytest.raises(GradeBookError):
        validate_score(101)


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_validate_score_accepts_range_including_bounds():
    """validate_score accepts 0 to 100 inclusive and returns the value as a float"""
    for score in [0, 100, 59.5, 0.0, 100.0, 1]:
        result = validate_score(score)
        assert isinstance(result, float), f"for {score!r}: got {result!r}"
        assert result == score, f"for {score!r}"


@pytest.mark.task(1)
@pytest.mark.points(0.4)
@pytest.mark.parametrize("score", [-1, -0.01, 100.01, 101, 10**6], ids=repr)
def test_validate_score_rejects_out_of_range(score):
    """validate_score raises InvalidScoreError for scores below 0 or above 100"""
    with pytest.raises(InvalidScoreError):
        validate_score(score)


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("score", [True, False], ids=repr)
@pytest.mark.core
def test_validate_score_rejects_bools(score):
    """validate_score rejects True and False even though bool is an int"""
    with pytest.raises(InvalidScoreError):
        validate_score(score)


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("score", ["88", None, [88], {"score": 88}], ids=repr)
def test_validate_score_rejects_non_numbers(score):
    """validate_score raises InvalidScoreError for strings, None and containers"""
    with pytest.raises(InvalidScoreError):
        validate_score(score)


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("score", [math.nan, math.inf, -math.inf], ids=repr)
@pytest.mark.core
def test_validate_score_rejects_nan_and_infinity(score):
    """validate_score raises InvalidScoreError for NaN and infinities"""
    with pytest.raises(InvalidScoreError):
        validate_score(score)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_add_lists_students_in_insertion_order():
    """add() returns the Student and students() lists them in insertion order"""
    book = GradeBook()
    first = book.add("Li Lei", "S002", 88)
    book.add("Han Meimei", "S001", 92.5)
    assert first == Student("Li Lei", "S002", 88.0)
    assert book.students() == [
        Student("Li Lei", "S002", 88.0),
        Student("Han Meimei", "S001", 92.5),
    ]
    assert len(book) == 2
    assert book.get("S001").name == "Han Meimei"


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_duplicate_id_raises_and_keeps_original():
    """Adding an existing student id raises DuplicateStudentError and changes nothing"""
    book = make_book(("Li Lei", "S001", 88))
    with pytest.raises(DuplicateStudentError):
        book.add("Someone Else", "S001", 50)
    assert book.students() == [Student("Li Lei", "S001", 88.0)]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_add_with_invalid_score_adds_nothing():
    """add() raises InvalidScoreError for an invalid score and adds nobody"""
    book = GradeBook()
    for score in [101, -5, True, "90", math.nan]:
        try:
            book.add("Li Lei", "S001", score)
        except InvalidScoreError:
            pass
        else:
            pytest.fail(f"for score {score!r}: no InvalidScoreError")
        assert book.students() == [], f"for score {score!r}"
        assert len(book) == 0, f"for score {score!r}"


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_add_rejects_blank_name_or_id():
    """add() raises a GradeBookError for a blank or non-string name or student id"""
    book = GradeBook()
    for name, student_id in [
        ("", "S001"),
        ("   ", "S001"),
        ("Li Lei", ""),
        (None, "S1"),
    ]:
        try:
            book.add(name, student_id, 80)
        except GradeBookError:
            pass
        else:
            pytest.fail(f"for name={name!r}, id={student_id!r}: no GradeBookError")
        assert len(book) == 0, f"for name={name!r}, id={student_id!r}"


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_remove_returns_student_and_keeps_order_of_others():
    """remove() returns the removed Student and the others keep their order"""
    book = make_book(("A", "S001", 70), ("B", "S002", 80), ("C", "S003", 90))
    removed = book.remove("S002")
    assert removed == Student("B", "S002", 80.0)
    assert ids(book.students()) == ["S001", "S003"]
    book.add("B again", "S002", 60)
    assert ids(book.students()) == ["S001", "S003", "S002"]


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_remove_or_get_unknown_id_raises_not_found():
    """remove() and get() raise StudentNotFoundError for an unknown student id"""
    book = make_book(("A", "S001", 70))
    with pytest.raises(StudentNotFoundError):
        book.remove("S999")
    with pytest.raises(StudentNotFoundError):
        book.get("S999")
    book.remove("S001")
    with pytest.raises(StudentNotFoundError):
        book.remove("S001")
    assert len(book) == 0


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_students_returns_a_copy():
    """Changing the list returned by students() does not change the grade book"""
    book = make_book(("A", "S001", 70))
    listed = book.students()
    listed.clear()
    assert ids(book.students()) == ["S001"]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_ranking_is_by_score_descending():
    """ranking() lists the highest score first"""
    book = make_book(("A", "S001", 60), ("B", "S002", 95), ("C", "S003", 80))
    assert [(r, s.student_id) for r, s in book.ranking()] == [
        (1, "S002"),
        (2, "S003"),
        (3, "S001"),
    ]


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_ranking_breaks_ties_by_student_id():
    """Equal scores are ordered by student id ascending, not by insertion order"""
    book = make_book(("C", "S003", 80), ("A", "S001", 80), ("B", "S002", 80.0))
    assert ids(s for _, s in book.ranking()) == ["S001", "S002", "S003"]


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_ranking_uses_competition_ranks():
    """Tied students share a rank and the next rank skips: 1, 2, 2, 4"""
    book = make_book(
        ("D", "S004", 70), ("B", "S002", 85), ("A", "S001", 90), ("C", "S003", 85)
    )
    assert [(r, s.student_id) for r, s in book.ranking()] == [
        (1, "S001"),
        (2, "S002"),
        (2, "S003"),
        (4, "S004"),
    ]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_ranking_tie_at_top_and_bottom():
    """A three-way tie for first gives ranks 1, 1, 1, 4, then a tie for last 5, 5"""
    book = make_book(
        ("F", "S006", 10),
        ("A", "S003", 99),
        ("B", "S001", 99),
        ("C", "S002", 99),
        ("D", "S004", 50),
        ("E", "S005", 10),
    )
    assert [r for r, _ in book.ranking()] == [1, 1, 1, 4, 5, 5]
    assert ids(s for _, s in book.ranking()) == [
        "S001",
        "S002",
        "S003",
        "S004",
        "S005",
        "S006",
    ]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_ranking_of_empty_book_is_empty():
    """ranking() of an empty grade book is an empty list"""
    assert GradeBook().ranking() == []


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_average_of_scores():
    """average() returns the mean score and raises GradeBookError when empty"""
    book = make_book(("A", "S001", 85), ("B", "S002", 90), ("C", "S003", 77.5))
    assert book.average() == pytest.approx(84.1666666, rel=1e-6)
    with pytest.raises(GradeBookError):
        GradeBook().average()


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_top_n_follows_ranking():
    """top(n) returns the first n students of the ranking, all if n is larger"""
    book = make_book(
        ("A", "S003", 70), ("B", "S002", 90), ("C", "S001", 90), ("D", "S004", 40)
    )
    assert ids(book.top(2)) == ["S001", "S002"]
    assert ids(book.top(3)) == ["S001", "S002", "S003"]
    assert book.top(0) == []
    assert ids(book.top(10)) == ["S001", "S002", "S003", "S004"]
    assert all(isinstance(s, Student) for s in book.top(4))


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_top_negative_raises_value_error():
    """top() with a negative n raises ValueError"""
    book = make_book(("A", "S001", 70))
    with pytest.raises(ValueError):
        book.top(-1)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_save_load_round_trip(tmp_path):
    """save() then load() gives back the same students in the same order"""
    path = tmp_path / "grades.json"
    book = make_book(("李雷", "S002", 88), ("韩梅梅", "S001", 92.5), ("Lucy", "S3", 0))
    book.save(path)
    loaded = GradeBook.load(path)
    assert isinstance(loaded, GradeBook)
    assert loaded.students() == book.students()
    assert [(r, s.student_id) for r, s in loaded.ranking()] == [
        (1, "S001"),
        (2, "S002"),
        (3, "S3"),
    ]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_save_writes_documented_utf8_format(tmp_path):
    """save() writes UTF-8 JSON {"students": [...]} with Chinese names unescaped"""
    path = tmp_path / "grades.json"
    make_book(("李雷", "S002", 88), ("Han", "S001", 92.5)).save(str(path))
    text = path.read_text(encoding="utf-8")
    assert "李雷" in text
    data = json.loads(text)
    assert data == {
        "students": [
            {"name": "李雷", "student_id": "S002", "score": 88},
            {"name": "Han", "student_id": "S001", "score": 92.5},
        ]
    }


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_load_accepts_hand_written_file(tmp_path):
    """load() reads a hand-written file in the documented format"""
    path = tmp_path / "grades.json"
    write_json(
        path,
        {
            "students": [
                {"name": "A", "student_id": "S1", "score": 75},
                {"name": "B", "student_id": "S2", "score": 100.0},
            ]
        },
    )
    book = GradeBook.load(path)
    assert book.students() == [Student("A", "S1", 75.0), Student("B", "S2", 100.0)]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_save_replaces_an_existing_file(tmp_path):
    """save() replaces an existing file with the whole new grade book"""
    path = tmp_path / "grades.json"
    book = make_book(("A", "S001", 70))
    book.save(path)
    book.add("B", "S002", 80)
    book.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.json"]
    assert ids(GradeBook.load(path).students()) == ["S001", "S002"]


@pytest.mark.task(4)
@pytest.mark.points(3)
def test_load_invalid_json_raises_corrupt_file_error(tmp_path):
    """load() raises CorruptFileError naming the file when it is not valid JSON"""
    contents = [
        '{"students": ['.encode(),
        b"",
        b"not json at all",
        b"\xff\xfe\x00garbage",
    ]
    for number, content in enumerate(contents):
        path = tmp_path / f"broken{number}.json"
        path.write_bytes(content)
        with pytest.raises(CorruptFileError) as info:
            GradeBook.load(path)
        assert path.name in str(info.value), f"for content {content!r}"


BAD_SHAPES = {
    "top-level-list": [{"name": "A", "student_id": "S1", "score": 70}],
    "no-students-key": {"pupils": []},
    "students-not-list": {"students": {"S1": 70}},
    "entry-not-object": {"students": ["A"]},
    "missing-score": {"students": [{"name": "A", "student_id": "S1"}]},
    "missing-id": {"students": [{"name": "A", "score": 70}]},
}

BAD_DATA = {
    "score-out-of-range": {
        "students": [{"name": "A", "student_id": "S1", "score": 170}]
    },
    "score-is-string": {"students": [{"name": "A", "student_id": "S1", "score": "70"}]},
    "score-is-bool": {"students": [{"name": "A", "student_id": "S1", "score": True}]},
    "duplicate-id": {
        "students": [
            {"name": "A", "student_id": "S1", "score": 70},
            {"name": "B", "student_id": "S1", "score": 80},
        ]
    },
}


@pytest.mark.task(4)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", list(BAD_SHAPES))
def test_load_wrong_shape_raises_corrupt_file_error(tmp_path, case):
    """load() raises CorruptFileError for valid JSON that is not {"students": [...]}"""
    path = tmp_path / f"{case}.json"
    write_json(path, BAD_SHAPES[case])
    with pytest.raises(CorruptFileError):
        GradeBook.load(path)


@pytest.mark.task(4)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", list(BAD_DATA))
def test_load_invalid_student_raises_corrupt_file_error(tmp_path, case):
    """load() raises CorruptFileError for an invalid score or a duplicate id"""
    path = tmp_path / f"{case}.json"
    write_json(path, BAD_DATA[case])
    with pytest.raises(CorruptFileError):
        GradeBook.load(path)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_load_missing_file_raises_file_not_found(tmp_path):
    """load() of a file that does not exist raises FileNotFoundError"""
    with pytest.raises(FileNotFoundError):
        GradeBook.load(tmp_path / "nope.json")


# --------------------------------------------------------------------- task 5


def cli(tmp_path, *args):
    return main(["--file", str(tmp_path / "grades.json"), *args])


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_cli_add_then_rank_prints_tab_separated_lines(tmp_path, capsys):
    """add creates the file and rank prints rank, id, name, score separated by tabs"""
    assert cli(tmp_path, "add", "Li Lei", "S002", "88") == 0
    assert cli(tmp_path, "add", "韩梅梅", "S001", "92.5") == 0
    assert (tmp_path / "grades.json").exists()
    capsys.readouterr()
    assert cli(tmp_path, "rank") == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["1\tS001\t韩梅梅\t92.5", "2\tS002\tLi Lei\t88"]
    assert err == ""


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_cli_rank_shows_competition_ranks(tmp_path, capsys):
    """rank prints shared ranks for ties (1, 2, 2, 4) in ranking order"""
    path = tmp_path / "grades.json"
    make_book(("D", "S4", 70), ("C", "S3", 85), ("B", "S2", 85), ("A", "S1", 90)).save(
        path
    )
    assert main(["--file", str(path), "rank"]) == 0
    out = capsys.readouterr().out
    rows = [line.split("\t") for line in out.splitlines()]
    assert [(r[0], r[1]) for r in rows] == [
        ("1", "S1"),
        ("2", "S2"),
        ("2", "S3"),
        ("4", "S4"),
    ]


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_cli_rank_without_file_prints_nothing(tmp_path, capsys):
    """rank on a file that does not exist yet prints nothing and exits 0"""
    assert cli(tmp_path, "rank") == 0
    assert capsys.readouterr().out == ""


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_cli_add_saves_loadable_file(tmp_path):
    """add stores the student in the JSON file so GradeBook.load can read it"""
    assert cli(tmp_path, "add", "Li Lei", "S001", "88") == 0
    assert cli(tmp_path, "add", "Lucy", "S002", "100") == 0
    book = GradeBook.load(tmp_path / "grades.json")
    assert book.students() == [
        Student("Li Lei", "S001", 88.0),
        Student("Lucy", "S002", 100.0),
    ]


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.core
def test_cli_duplicate_add_exits_2_and_keeps_file(tmp_path, capsys):
    """A duplicate id exits with 2, prints 'error: ...' to stderr, file unchanged"""
    assert cli(tmp_path, "add", "Li Lei", "S001", "88") == 0
    before = (tmp_path / "grades.json").read_bytes()
    capsys.readouterr()
    assert cli(tmp_path, "add", "Other", "S001", "50") == 2
    out, err = capsys.readouterr()
    assert err.startswith("error:")
    assert "Traceback" not in err
    assert (tmp_path / "grades.json").read_bytes() == before


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_cli_invalid_score_exits_2(tmp_path, capsys):
    """add with a non-numeric, NaN or out-of-range score exits 2 with an error"""
    for score in ["abc", "101", "nan", "inf", ""]:
        case = f"for score {score!r}"
        assert cli(tmp_path, "add", "Li Lei", "S001", score) == 2, case
        err = capsys.readouterr().err
        assert err.startswith("error:"), case
        assert "Traceback" not in err, case
        assert not (tmp_path / "grades.json").exists(), case


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_cli_remove(tmp_path, capsys):
    """remove deletes a student from the file; an unknown id exits 2 with an error"""
    cli(tmp_path, "add", "A", "S001", "70")
    cli(tmp_path, "add", "B", "S002", "80")
    assert cli(tmp_path, "remove", "S001") == 0
    assert ids(GradeBook.load(tmp_path / "grades.json").students()) == ["S002"]
    capsys.readouterr()
    assert cli(tmp_path, "remove", "S001") == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert ids(GradeBook.load(tmp_path / "grades.json").students()) == ["S002"]


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_cli_corrupted_file_exits_2_and_is_not_overwritten(tmp_path, capsys):
    """A corrupted file gives exit code 2 and an error, and is left untouched"""
    path = tmp_path / "grades.json"
    path.write_text("{oops", encoding="utf-8")
    for command in (["rank"], ["add", "A", "S9", "50"], ["remove", "S9"]):
        case = f"for {' '.join(command)!r}"
        assert cli(tmp_path, *command) == 2, case
        out, err = capsys.readouterr()
        assert err.startswith("error:"), case
        assert "Traceback" not in err, case
        assert path.read_text(encoding="utf-8") == "{oops", case


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_cli_usage_errors_return_2_without_raising(tmp_path, capsys):
    """Usage errors make main() return 2 (not raise SystemExit) with usage on stderr"""
    for argv in ([], ["frobnicate"], ["add", "OnlyName"], ["remove"]):
        case = f"for arguments {argv!r}"
        assert main(["--file", str(tmp_path / "grades.json"), *argv]) == 2, case
        err = capsys.readouterr().err
        assert "usage" in err.lower(), case
        assert not (tmp_path / "grades.json").exists(), case


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_cli_help_returns_0(capsys):
    """main(['--help']) prints usage to stdout and returns 0"""
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("add", "remove", "rank"):
        assert command in out, f"--help does not mention {command!r}"
