"""Your own tests. Extend this file until it covers at least 70% of batch_rename.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import pytest

from batch_rename import CollisionError, apply_renames, main, plan_renames


def make(folder, *names):
    for name in names:
        (folder / name).write_text(name, encoding="utf-8")


def test_plan_numbers_files_in_name_order(tmp_path):
    make(tmp_path, "IMG_0042.JPG", "IMG_0007.JPG", "notes.txt")
    assert plan_renames(tmp_path, r"IMG_\d+\.JPG", "photo_{n:03d}{ext}") == [
        ("IMG_0007.JPG", "photo_001.JPG"),
        ("IMG_0042.JPG", "photo_002.JPG"),
    ]


def test_two_files_to_one_name_is_refused(tmp_path):
    make(tmp_path, "a.txt", "b.txt")
    with pytest.raises(CollisionError):
        plan_renames(tmp_path, r".*\.txt", "same.txt")


def test_swap_and_dry_run(tmp_path, capsys):
    make(tmp_path, "a.txt", "b.txt")
    apply_renames(tmp_path, [("a.txt", "b.txt"), ("b.txt", "a.txt")])
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "b.txt"
    assert main([str(tmp_path), r"a\.txt", "c.txt", "--dry-run"]) == 0
    assert "a.txt -> c.txt" in capsys.readouterr().out
    assert not (tmp_path / "c.txt").exists()
