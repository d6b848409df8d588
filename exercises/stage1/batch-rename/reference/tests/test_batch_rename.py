import json
import os

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


def make(folder, *names):
    for name in names:
        (folder / name).write_text(name, encoding="utf-8")


def names(folder):
    return sorted(p.name for p in folder.iterdir() if p.name != JOURNAL_NAME)


# planning -------------------------------------------------------------------------


def test_plan_numbers_in_name_order(tmp_path):
    make(tmp_path, "b.jpg", "a.jpg", ".hidden.jpg", "c.txt")
    (tmp_path / "d.jpg").mkdir()
    assert plan_renames(tmp_path, r".*\.jpg", "img_{n:02d}{ext}") == [
        ("a.jpg", "img_01.jpg"),
        ("b.jpg", "img_02.jpg"),
    ]


def test_plan_groups_glob_and_date(tmp_path):
    make(tmp_path, "x-1.txt", "y.txt")
    plan = plan_renames(tmp_path, r"x-(?P<num>\d)(?P<opt>z)?\.txt", "{num}{opt}{ext}")
    assert plan == [("x-1.txt", "1.txt")]
    noon_utc = 1_699_963_200  # 2023-11-14 12:00 UTC: the same date in most zones
    os.utime(tmp_path / "y.txt", (noon_utc, noon_utc))
    plan = plan_renames(tmp_path, "y.*", "{date}_{name}{ext}", glob=True, start=0)
    assert plan == [("y.txt", "2023-11-14_y.txt")]


def test_plan_skips_unchanged(tmp_path):
    make(tmp_path, "1.txt", "z.txt")
    assert plan_renames(tmp_path, r".*", "{n}.txt") == [("z.txt", "2.txt")]


@pytest.mark.parametrize(
    "pattern, template",
    [
        ("(", "{n}"),
        (".*", "{missing}"),
        (".*", "{}"),
        (".*", "{name:d}"),
        (".*", "a/{n}"),
        (".*", ""),
        ("(?P<n>.*)", "{n}"),
    ],
)
def test_plan_rejects_bad_requests(tmp_path, pattern, template):
    make(tmp_path, "a.txt")
    with pytest.raises(RenameError):
        plan_renames(tmp_path, pattern, template)


def test_plan_bad_start_and_directory(tmp_path):
    with pytest.raises(RenameError):
        plan_renames(tmp_path, ".*", "{n}", start=-1)
    with pytest.raises(FileNotFoundError):
        plan_renames(tmp_path / "missing", ".*", "{n}")
    make(tmp_path, "file")
    with pytest.raises(NotADirectoryError):
        plan_renames(tmp_path / "file", ".*", "{n}")


def test_collisions(tmp_path):
    make(tmp_path, "a.txt", "b.txt", "Keep.md")
    with pytest.raises(CollisionError, match="a.txt, b.txt"):
        plan_renames(tmp_path, r"[ab]\.txt", "same.txt")
    with pytest.raises(CollisionError, match="Keep.md"):
        plan_renames(tmp_path, r"a\.txt", "keep.md")
    assert plan_renames(tmp_path, r"a\.txt", "A.txt") == [("a.txt", "A.txt")]
    assert plan_renames(tmp_path, r"(?P<c>[ab])\.txt", "{n}.txt", start=0)


# applying -------------------------------------------------------------------------


def test_apply_swap_and_journal(tmp_path):
    make(tmp_path, "a", "b")
    apply_renames(tmp_path, [("a", "b"), ("b", "a")])
    assert (tmp_path / "a").read_text(encoding="utf-8") == "b"
    journal = json.loads((tmp_path / JOURNAL_NAME).read_text(encoding="utf-8"))
    assert journal == {"version": 1, "renames": [["a", "b"], ["b", "a"]]}


def test_apply_refuses(tmp_path):
    make(tmp_path, "a", "b")
    with pytest.raises(CollisionError):
        apply_renames(tmp_path, [("a", "b")])
    with pytest.raises(RenameError):
        apply_renames(tmp_path, [("missing", "c")])
    apply_renames(tmp_path, [])
    assert names(tmp_path) == ["a", "b"]
    assert not (tmp_path / JOURNAL_NAME).exists()


def test_apply_puts_files_back_after_a_failure(tmp_path, monkeypatch):
    make(tmp_path, "a", "b", "c")
    real_rename = os.rename
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 5:  # fail in the second phase
            raise PermissionError("simulated")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(PermissionError):
        apply_renames(tmp_path, [("a", "x"), ("b", "y"), ("c", "z")])
    monkeypatch.setattr(os, "rename", real_rename)
    assert names(tmp_path) == ["a", "b", "c"]


def test_apply_target_appearing_late(tmp_path, monkeypatch):
    make(tmp_path, "a")
    real_rename = os.rename

    def sneaky(src, dst):
        real_rename(src, dst)
        make(tmp_path, "x")  # someone creates the target meanwhile

    monkeypatch.setattr(os, "rename", sneaky)
    with pytest.raises(CollisionError):
        apply_renames(tmp_path, [("a", "x")])
    monkeypatch.setattr(os, "rename", real_rename)
    assert names(tmp_path) == ["a", "x"]


# undo -----------------------------------------------------------------------------


def test_undo_roundtrip(tmp_path):
    make(tmp_path, "a", "b")
    apply_renames(tmp_path, [("a", "c")])
    assert undo(tmp_path, dry_run=True) == [("c", "a")]
    assert names(tmp_path) == ["b", "c"]
    assert undo(tmp_path) == [("c", "a")]
    assert names(tmp_path) == ["a", "b"]
    with pytest.raises(RenameError, match="no journal"):
        undo(tmp_path)


@pytest.mark.parametrize("text", ["{", "[]", '{"renames": [[1, 2]]}'])
def test_undo_broken_journal(tmp_path, text):
    (tmp_path / JOURNAL_NAME).write_text(text, encoding="utf-8")
    with pytest.raises(RenameError):
        undo(tmp_path)


# command line ---------------------------------------------------------------------


def test_cli_dry_run_real_run_and_undo(tmp_path, capsys):
    make(tmp_path, "IMG_1.JPG", "IMG_2.JPG")
    assert main([str(tmp_path), r"IMG_(\d)\.JPG", "p{n}.jpg", "--dry-run"]) == 0
    assert "IMG_1.JPG -> p1.jpg" in capsys.readouterr().out
    assert names(tmp_path) == ["IMG_1.JPG", "IMG_2.JPG"]
    assert main([str(tmp_path), "*.JPG", "p{n}.jpg", "--glob", "--start", "0"]) == 0
    assert names(tmp_path) == ["p0.jpg", "p1.jpg"]
    assert main([str(tmp_path), "--undo"]) == 0
    assert "p0.jpg -> IMG_1.JPG" in capsys.readouterr().out
    assert names(tmp_path) == ["IMG_1.JPG", "IMG_2.JPG"]


def test_cli_errors(tmp_path, capsys):
    make(tmp_path, "a", "b")
    assert main([str(tmp_path), "[ab]", "same"]) == 2
    assert capsys.readouterr().err.startswith("error:")
    assert main([str(tmp_path), "--undo"]) == 2
    assert main([str(tmp_path), "zzz", "x"]) == 0
    assert "nothing to rename" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv", [[], ["d"], ["d", "p"], ["d", "p", "t", "--undo"], ["d", "--undo", "p"]]
)
def test_cli_usage(argv, capsys):
    assert main(argv) == 2


def test_cli_help(capsys):
    assert main(["--help"]) == 0
    assert "usage" in capsys.readouterr().out
