"""Hidden tests for the batch-rename exercise.

Paths are passed as str and only plain data (lists of tuples, ints, printed
text) is compared. The solution runs in its own process, as another user: the
files it renames are created as that user (`student_module`), as they would be
on a student's own machine, and every outcome is checked from the tests' own
side (listing and reading the folders). One test stands in for a disk error by
patching the os module of the solution's process with a function of this one.
"""

import contextlib
import errno
import json
import os
from datetime import datetime, timezone

import pytest

from batch_rename import (
    JOURNAL_NAME,
    CollisionError,
    RenameError,
    apply_renames,
    main,
    plan_renames,
    undo,
)
from grader.testing import student_module


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


def make(folder, *names):
    """Create files whose content is their own (original) name, as the solution's user."""
    for name in names:
        path = str(folder / name)
        with student_module("io").open(path, "w", encoding="utf-8") as handle:
            handle.write(f"<{name}>")


def state(folder):
    """{name: content} of the folder; directories as '<dir>'; the journal left out."""
    result = {}
    for path in sorted(folder.iterdir()):
        if path.name == JOURNAL_NAME:
            continue
        result[path.name] = (
            "<dir>" if path.is_dir() else path.read_text(encoding="utf-8")
        )
    return result


def noon_utc(year, month, day):
    """A timestamp whose local date is the same in every time zone within 11 h."""
    return datetime(year, month, day, 12, tzinfo=timezone.utc).timestamp()


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def arrow_lines(text):
    return [line for line in text.splitlines() if " -> " in line]


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    make(folder, "IMG_0042.JPG", "IMG_0007.JPG", "IMG_0100.JPG", "notes.txt")
    (folder / "IMG_9999.JPG").mkdir()  # a directory: never renamed
    make(folder, ".IMG_0001.JPG")  # hidden: never renamed
    return folder


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_plan_numbers_matches_in_name_order(photos):
    """Matching files are numbered from start in name order; dirs/dotfiles skipped"""
    before = state(photos)
    plan = plan_renames(str(photos), r"IMG_\d+\.JPG", "holiday_{n:03d}{ext}")
    assert plan == [
        ("IMG_0007.JPG", "holiday_001.JPG"),
        ("IMG_0042.JPG", "holiday_002.JPG"),
        ("IMG_0100.JPG", "holiday_003.JPG"),
    ]
    assert state(photos) == before  # planning touches nothing
    plan = plan_renames(str(photos), r"IMG_\d+\.JPG", "p{n}{ext}", start=10)
    assert [new for _, new in plan] == ["p10.JPG", "p11.JPG", "p12.JPG"]
    plan = plan_renames(str(photos), r".*\.JPG", "p{n}{ext}")  # no dotfile, no dir
    assert [old for old, _ in plan] == ["IMG_0007.JPG", "IMG_0042.JPG", "IMG_0100.JPG"]


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.core
def test_regex_must_match_whole_name(photos):
    """The regular expression must match the whole file name (re.fullmatch)"""
    assert plan_renames(str(photos), "IMG", "x{n}") == []
    assert plan_renames(str(photos), r"\d+", "x{n}") == []
    assert plan_renames(str(photos), r"notes", "x{n}") == []
    assert plan_renames(str(photos), r"notes\.txt", "todo.txt") == [
        ("notes.txt", "todo.txt")
    ]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_named_groups_fill_the_template(tmp_path):
    """Named groups can be used in the template; a group that did not match is ''"""
    make(tmp_path, "report-2023-v2.pdf", "report-2024.pdf")
    plan = plan_renames(
        str(tmp_path),
        r"report-(?P<year>\d{4})(?:-v(?P<version>\d+))?\.pdf",
        "{year}_report{version}{ext}",
    )
    assert plan == [
        ("report-2023-v2.pdf", "2023_report2.pdf"),
        ("report-2024.pdf", "2024_report.pdf"),
    ]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_glob_mode_name_and_ext(tmp_path):
    """With glob=True the pattern is a case-sensitive shell pattern; name/ext fields"""
    make(tmp_path, "b.tar.gz", "a.JPG", "c.jpg", "README")
    plan = plan_renames(str(tmp_path), "*.JPG", "{n}-{name}{ext}", glob=True, start=0)
    assert plan == [("a.JPG", "0-a.JPG")]
    plan = plan_renames(str(tmp_path), "*", "{name}_{n}{ext}", glob=True)
    assert plan == [
        ("README", "README_1"),
        ("a.JPG", "a_2.JPG"),
        ("b.tar.gz", "b.tar_3.gz"),
        ("c.jpg", "c_4.jpg"),
    ]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_date_field_is_modification_date(tmp_path):
    """{date} is the file's modification date as YYYY-MM-DD"""
    make(tmp_path, "a.jpg", "b.jpg")
    student_os = student_module("os")  # only the owner may set a file's times
    student_os.utime(str(tmp_path / "a.jpg"), (noon_utc(2023, 7, 14),) * 2)
    student_os.utime(str(tmp_path / "b.jpg"), (noon_utc(2024, 2, 29),) * 2)
    plan = plan_renames(str(tmp_path), r".*\.jpg", "{date}_{n:02d}{ext}")
    assert plan == [("a.jpg", "2023-07-14_01.jpg"), ("b.jpg", "2024-02-29_02.jpg")]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_unchanged_names_are_left_out(tmp_path):
    """Files whose new name equals the old one are not part of the plan"""
    make(tmp_path, "1.txt", "2.txt", "x.txt")
    plan = plan_renames(str(tmp_path), r".*\.txt", "{n}.txt")
    assert plan == [("x.txt", "3.txt")]


BAD_REQUESTS = {
    "invalid-regex": (r"IMG_(\d+", "x{n}"),
    "unknown-field": (r".*", "{nope}_{n}"),
    "positional-field": (r".*", "{}_{n}"),
    "bad-format-spec": (r".*", "{name:05d}"),
    "slash-in-name": (r".*", "sub/{name}"),
    "empty-name": (r".*", ""),
    "dot-dot": (r"a\.txt", ".."),
}


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("pattern, template", BAD_REQUESTS.values(), ids=BAD_REQUESTS)
def test_bad_pattern_or_template_raises_rename_error(tmp_path, pattern, template):
    """A bad pattern, template or resulting name raises RenameError"""
    make(tmp_path, "a.txt")
    with pytest.raises(RenameError):
        plan_renames(str(tmp_path), pattern, template)
    assert state(tmp_path) == {"a.txt": "<a.txt>"}


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_bad_start_and_directory(tmp_path):
    """A negative start raises RenameError; a missing directory raises an OSError"""
    make(tmp_path, "a.txt")
    with pytest.raises(RenameError):
        plan_renames(str(tmp_path), r".*", "{n}", start=-1)
    with pytest.raises(FileNotFoundError):
        plan_renames(str(tmp_path / "missing"), r".*", "{n}")
    with pytest.raises(NotADirectoryError):
        plan_renames(str(tmp_path / "a.txt"), r".*", "{n}")


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("group", ["n", "name", "ext", "date"])
def test_reserved_group_names_raise_rename_error(tmp_path, group):
    """A named group called like a built-in field (n, name, ext, date) raises RenameError"""
    make(tmp_path, "2024.txt")
    with pytest.raises(RenameError):
        plan_renames(str(tmp_path), rf"(?P<{group}>\d+)\.txt", "x{n}.txt")
    assert state(tmp_path) == {"2024.txt": "<2024.txt>"}


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_two_files_to_one_name(tmp_path):
    """Two files mapped to one name raise CollisionError (a RenameError) naming both"""
    make(tmp_path, "a.txt", "b.txt", "c.txt")
    with pytest.raises(CollisionError) as excinfo:
        plan_renames(str(tmp_path), r"[ab]\.txt", "same.txt")
    message = str(excinfo.value)
    assert "a.txt" in message and "b.txt" in message and "same.txt" in message
    assert issubclass(CollisionError, RenameError)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_target_taken_by_other_file(tmp_path):
    """A new name that belongs to a file that is not renamed raises CollisionError"""
    make(tmp_path, "draft.txt", "final.txt")
    with pytest.raises(CollisionError) as excinfo:
        plan_renames(str(tmp_path), r"draft\.txt", "final.txt")
    assert "final.txt" in str(excinfo.value)
    assert state(tmp_path) == {"draft.txt": "<draft.txt>", "final.txt": "<final.txt>"}


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_target_taken_by_directory_or_dotfile(tmp_path):
    """Directories and hidden files also block a new name"""
    make(tmp_path, "a.txt", ".hidden")
    (tmp_path / "folder").mkdir()
    with pytest.raises(CollisionError):
        plan_renames(str(tmp_path), r"a\.txt", "folder")
    with pytest.raises(CollisionError):
        plan_renames(str(tmp_path), r"a\.txt", ".hidden")


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_collisions_ignore_case(tmp_path):
    """Names that differ only in case collide (they are one file on Windows/macOS)"""
    make(tmp_path, "X.md", "x.txt", "one.txt", "Report.TXT")
    with pytest.raises(CollisionError):  # X.dat and x.dat
        plan_renames(str(tmp_path), r"(?P<s>[xX])\.(?:txt|md)", "{s}.dat")
    with pytest.raises(CollisionError):  # Report.TXT is not renamed
        plan_renames(str(tmp_path), r"one\.txt", "report.txt")


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_case_only_rename_is_not_a_collision(tmp_path):
    """Renaming A.JPG to a.jpg only changes the case: that is allowed"""
    make(tmp_path, "A.JPG", "B.JPG")
    plan = plan_renames(str(tmp_path), r"(?P<stem>[A-Z])\.JPG", "{stem}.jpg")
    assert plan == [("A.JPG", "A.jpg"), ("B.JPG", "B.jpg")]
    plan = plan_renames(str(tmp_path), r"A\.JPG", "a.jpg")
    assert plan == [("A.JPG", "a.jpg")]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_chains_and_swaps_are_not_collisions(tmp_path):
    """A new name held by a file that is itself renamed away is fine (chain, swap)"""
    make(tmp_path, "1.txt", "2.txt", "3.txt")
    plan = plan_renames(str(tmp_path), r"(?P<d>\d)\.txt", "{n}.txt", start=2)
    assert plan == [("1.txt", "2.txt"), ("2.txt", "3.txt"), ("3.txt", "4.txt")]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_file_that_keeps_its_name_blocks(tmp_path):
    """A matched file whose name does not change still blocks that name"""
    make(tmp_path, "1.txt", "b.txt")
    with pytest.raises(CollisionError):
        plan_renames(str(tmp_path), r".*\.txt", "1.txt")


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_apply_renames_and_writes_journal(photos):
    """apply_renames renames the files and writes the JSON journal"""
    plan = plan_renames(str(photos), r"IMG_(?P<num>\d+)\.JPG", "{num}.jpg")
    apply_renames(str(photos), plan)
    assert state(photos) == {
        ".IMG_0001.JPG": "<.IMG_0001.JPG>",
        "0007.jpg": "<IMG_0007.JPG>",
        "0042.jpg": "<IMG_0042.JPG>",
        "0100.jpg": "<IMG_0100.JPG>",
        "IMG_9999.JPG": "<dir>",
        "notes.txt": "<notes.txt>",
    }
    journal = json.loads((photos / JOURNAL_NAME).read_text(encoding="utf-8"))
    assert journal["version"] == 1
    assert [tuple(pair) for pair in journal["renames"]] == [
        ("IMG_0007.JPG", "0007.jpg"),
        ("IMG_0042.JPG", "0042.jpg"),
        ("IMG_0100.JPG", "0100.jpg"),
    ]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_apply_swap_and_chain(tmp_path):
    """Swaps and chains work: contents end up under their new names"""
    make(tmp_path, "a.txt", "b.txt", "1.txt", "2.txt")
    apply_renames(
        str(tmp_path),
        [
            ("a.txt", "b.txt"),
            ("b.txt", "a.txt"),
            ("1.txt", "2.txt"),
            ("2.txt", "3.txt"),
        ],
    )
    assert state(tmp_path) == {
        "2.txt": "<1.txt>",
        "3.txt": "<2.txt>",
        "a.txt": "<b.txt>",
        "b.txt": "<a.txt>",
    }


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_apply_case_only_rename(tmp_path):
    """A case-only rename changes the name and keeps the content"""
    make(tmp_path, "PHOTO.JPG")
    apply_renames(
        str(tmp_path), plan_renames(str(tmp_path), r"PHOTO\.JPG", "photo.jpg")
    )
    assert state(tmp_path) == {"photo.jpg": "<PHOTO.JPG>"}


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_apply_never_overwrites(tmp_path):
    """A target created after planning makes apply_renames refuse and change nothing"""
    make(tmp_path, "a.txt", "b.txt")
    plan = plan_renames(str(tmp_path), r"(?P<x>[ab])\.txt", "{x}.md")
    make(tmp_path, "b.md")  # appears between planning and renaming
    with pytest.raises(CollisionError):
        apply_renames(str(tmp_path), plan)
    assert state(tmp_path) == {"a.txt": "<a.txt>", "b.md": "<b.md>", "b.txt": "<b.txt>"}
    assert not (tmp_path / JOURNAL_NAME).exists()


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_apply_checks_the_plan_itself(tmp_path):
    """apply_renames refuses a plan with a missing file or two files to one name"""
    make(tmp_path, "a.txt", "b.txt")
    with pytest.raises(RenameError):
        apply_renames(str(tmp_path), [("a.txt", "c.txt"), ("gone.txt", "d.txt")])
    with pytest.raises(CollisionError):
        apply_renames(str(tmp_path), [("a.txt", "c.txt"), ("b.txt", "C.txt")])
    assert state(tmp_path) == {"a.txt": "<a.txt>", "b.txt": "<b.txt>"}
    assert not (tmp_path / JOURNAL_NAME).exists()


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_apply_empty_plan_and_custom_journal(tmp_path):
    """An empty plan writes no journal; journal= chooses where the journal goes"""
    folder = tmp_path / "files"
    folder.mkdir()
    make(folder, "a.txt")
    apply_renames(str(folder), [])
    assert state(folder) == {"a.txt": "<a.txt>"}
    assert not (folder / JOURNAL_NAME).exists()
    elsewhere = tmp_path / "run-journal.json"
    apply_renames(str(folder), [("a.txt", "b.txt")], journal=str(elsewhere))
    assert state(folder) == {"b.txt": "<a.txt>"}
    assert not (folder / JOURNAL_NAME).exists()
    renames = json.loads(elsewhere.read_text(encoding="utf-8"))["renames"]
    assert [tuple(pair) for pair in renames] == [("a.txt", "b.txt")]


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_cli_dry_run_changes_nothing(photos, capsys):
    """--dry-run prints 'OLD -> NEW' lines, renames nothing, writes no journal"""
    before = state(photos)
    code, out, _ = run(capsys, photos, r"IMG_(\d+)\.JPG", "img{n}.jpg", "--dry-run")
    assert code == 0
    assert arrow_lines(out) == [
        "IMG_0007.JPG -> img1.jpg",
        "IMG_0042.JPG -> img2.jpg",
        "IMG_0100.JPG -> img3.jpg",
    ]
    assert state(photos) == before
    assert not (photos / JOURNAL_NAME).exists()


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_cli_real_run(photos, capsys):
    """Without --dry-run the files are renamed, listed and journaled; exit code 0"""
    code, out, _ = run(capsys, photos, "*.JPG", "{n:02d}{ext}", "--glob", "--start", 5)
    assert code == 0
    assert arrow_lines(out) == [
        "IMG_0007.JPG -> 05.JPG",
        "IMG_0042.JPG -> 06.JPG",
        "IMG_0100.JPG -> 07.JPG",
    ]
    names = set(state(photos))
    assert {"05.JPG", "06.JPG", "07.JPG"} <= names
    assert "IMG_0007.JPG" not in names
    assert (photos / JOURNAL_NAME).exists()


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_cli_collision_exit_code_2(photos, capsys):
    """A collision exits with 2, 'error:' on stderr, nothing renamed"""
    before = state(photos)
    code, out, err = run(capsys, photos, r"IMG_\d+\.JPG", "notes.txt")
    assert code == 2
    assert err.startswith("error:")
    assert "notes.txt" in err
    assert arrow_lines(out) == []
    assert state(photos) == before
    assert not (photos / JOURNAL_NAME).exists()


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_cli_bad_regex_and_missing_directory(tmp_path, capsys):
    """An invalid regex or a missing directory exits with 2 and an error line"""
    make(tmp_path, "a.txt")
    code, _, err = run(capsys, tmp_path, "(unclosed", "{n}")
    assert code == 2 and err.startswith("error:")
    code, _, err = run(capsys, tmp_path / "missing", ".*", "{n}")
    assert code == 2 and err.startswith("error:")
    assert "Traceback" not in err


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["DIR"],
        ["DIR", ".*"],
        ["DIR", ".*", "{n}", "--start", "abc"],
        ["DIR", "--bogus"],
    ],
    ids=["nothing", "dir-only", "no-template", "start-not-int", "unknown-option"],
)
def test_cli_usage_errors_exit_2(tmp_path, capsys, argv):
    """Usage errors return 2 instead of raising SystemExit"""
    argv = [str(tmp_path) if a == "DIR" else a for a in argv]
    assert main(argv) == 2
    capsys.readouterr()


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_cli_help_and_nothing_to_rename(tmp_path, capsys):
    """--help returns 0; a pattern that matches nothing prints a note and returns 0"""
    assert main(["--help"]) == 0
    capsys.readouterr()
    make(tmp_path, "a.txt")
    code, out, _ = run(capsys, tmp_path, r".*\.jpg", "{n}.jpg")
    assert code == 0
    assert arrow_lines(out) == []
    assert not (tmp_path / JOURNAL_NAME).exists()


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.core
def test_cli_undo_restores_names(photos, capsys):
    """--undo puts every name back and removes the journal"""
    before = state(photos)
    assert run(capsys, photos, r"IMG_\d+\.JPG", "{n}.jpg")[0] == 0
    assert state(photos) != before
    code, out, _ = run(capsys, photos, "--undo")
    assert code == 0
    assert arrow_lines(out) == [
        "1.jpg -> IMG_0007.JPG",
        "2.jpg -> IMG_0042.JPG",
        "3.jpg -> IMG_0100.JPG",
    ]
    assert state(photos) == before
    assert not (photos / JOURNAL_NAME).exists()


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_undo_twice_fails(tmp_path, capsys):
    """A second --undo has no journal: exit 2 with an error"""
    make(tmp_path, "a.txt")
    assert run(capsys, tmp_path, r"a\.txt", "b.txt")[0] == 0
    assert run(capsys, tmp_path, "--undo")[0] == 0
    code, _, err = run(capsys, tmp_path, "--undo")
    assert code == 2 and err.startswith("error:")
    assert state(tmp_path) == {"a.txt": "<a.txt>"}


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_undo_refuses_when_old_name_is_taken(tmp_path, capsys):
    """If an original name is taken again, undo changes nothing and keeps the journal"""
    make(tmp_path, "a.txt", "b.txt")
    assert run(capsys, tmp_path, r"(?P<x>[ab])\.txt", "{x}.md")[0] == 0
    make(tmp_path, "b.txt")  # a new file with an old name
    code, _, err = run(capsys, tmp_path, "--undo")
    assert code == 2 and err.startswith("error:")
    assert state(tmp_path) == {"a.md": "<a.txt>", "b.md": "<b.txt>", "b.txt": "<b.txt>"}
    assert (tmp_path / JOURNAL_NAME).exists()
    with pytest.raises(CollisionError):
        undo(str(tmp_path))


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_undo_missing_file(tmp_path):
    """If a renamed file has gone, undo raises RenameError and changes nothing"""
    make(tmp_path, "a.txt", "b.txt")
    apply_renames(str(tmp_path), [("a.txt", "x.txt"), ("b.txt", "y.txt")])
    (tmp_path / "y.txt").unlink()
    with pytest.raises(RenameError):
        undo(str(tmp_path))
    assert state(tmp_path) == {"x.txt": "<a.txt>"}


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.core
def test_undo_function_returns_pairs(tmp_path):
    """undo() reverses a swap and returns the (current, original) pairs"""
    make(tmp_path, "a.txt", "b.txt", "c.txt")
    apply_renames(
        str(tmp_path), [("a.txt", "b.txt"), ("b.txt", "a.txt"), ("c.txt", "d.txt")]
    )
    assert undo(str(tmp_path)) == [
        ("b.txt", "a.txt"),
        ("a.txt", "b.txt"),
        ("d.txt", "c.txt"),
    ]
    assert state(tmp_path) == {
        "a.txt": "<a.txt>",
        "b.txt": "<b.txt>",
        "c.txt": "<c.txt>",
    }
    assert not (tmp_path / JOURNAL_NAME).exists()


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_undo_dry_run_keeps_everything(tmp_path, capsys):
    """--undo --dry-run prints the reverse plan, renames nothing, keeps the journal"""
    make(tmp_path, "a.txt")
    assert run(capsys, tmp_path, r"a\.txt", "b.txt")[0] == 0
    code, out, _ = run(capsys, tmp_path, "--undo", "--dry-run")
    assert code == 0
    assert arrow_lines(out) == ["b.txt -> a.txt"]
    assert state(tmp_path) == {"b.txt": "<a.txt>"}
    assert (tmp_path / JOURNAL_NAME).exists()


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_undo_broken_journal(tmp_path):
    """A journal that is not valid JSON or has the wrong shape raises RenameError"""
    make(tmp_path, "a.txt")
    journal = tmp_path / JOURNAL_NAME
    for text in ["{not json", '{"version": 1}', '{"renames": [["a.txt"]]}', "[]"]:
        journal.write_text(text, encoding="utf-8")
        with raises_for(text, RenameError):
            undo(str(tmp_path))
        assert state(tmp_path) == {"a.txt": "<a.txt>"}, f"for {text!r}"


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_cli_custom_journal(tmp_path, capsys):
    """--journal PATH is used by the real run and by --undo"""
    folder = tmp_path / "files"
    folder.mkdir()
    make(folder, "a.txt")
    journal = tmp_path / "my-journal.json"
    assert run(capsys, folder, r"a\.txt", "b.txt", "--journal", journal)[0] == 0
    assert journal.exists() and not (folder / JOURNAL_NAME).exists()
    assert run(capsys, folder, "--undo")[0] == 2  # not the default journal
    assert run(capsys, folder, "--undo", "--journal", journal)[0] == 0
    assert state(folder) == {"a.txt": "<a.txt>"}
    assert not journal.exists()


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_cli_undo_takes_no_pattern(tmp_path, capsys):
    """--undo together with a PATTERN or TEMPLATE is a usage error (exit 2)"""
    make(tmp_path, "a.txt")
    assert run(capsys, tmp_path, r"a\.txt", "b.txt")[0] == 0
    assert main([str(tmp_path), r"b\.txt", "a.txt", "--undo"]) == 2
    assert main([str(tmp_path), r"b\.txt", "--undo"]) == 2
    capsys.readouterr()
    assert state(tmp_path) == {"b.txt": "<a.txt>"}


@contextlib.contextmanager
def disk_error_renaming_to(name):
    """os.rename and os.replace of the solution's process fail once, for a file renamed
    to `name`, with EIO (functions of the tests, called from the solution's process).
    Yields the list that records the failure."""
    student_os = student_module("os")
    failed = []

    def with_disk_error(real):
        def rename(src, dst, *args, **kwargs):
            if os.path.basename(os.fspath(dst)) == name and not failed:
                failed.append(dst)
                raise OSError(errno.EIO, "simulated disk error")
            return real(src, dst, *args, **kwargs)

        return rename

    originals = {f: getattr(student_os, f) for f in ("rename", "replace")}
    for function, original in originals.items():
        setattr(student_os, function, with_disk_error(original))
    try:
        yield failed
    finally:
        for function, original in originals.items():
            setattr(student_os, function, original)


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_rename_failing_halfway_gives_every_file_its_name_back(tmp_path):
    """If a rename fails halfway (a disk error), every file gets its old name back"""
    make(tmp_path, "a.txt", "b.txt", "c.txt")
    before = state(tmp_path)
    plan = [("a.txt", "1.txt"), ("b.txt", "2.txt"), ("c.txt", "3.txt")]
    with disk_error_renaming_to("2.txt") as failed:
        with pytest.raises(OSError):
            apply_renames(str(tmp_path), plan)
    assert failed, "no file was ever renamed to 2.txt"
    assert state(tmp_path) == before
    assert not (tmp_path / JOURNAL_NAME).exists()
