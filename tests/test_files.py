"""grader.files.write_atomic: whole or nothing, and never through a link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.files import UnsafeWriteError, write_atomic


def test_writes_text_and_bytes_and_creates_folders(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a" / "b" / "card.json", "héllo", folder=tmp_path)
    write_atomic(tmp_path / "raw.bin", b"\x00\x01")
    assert (tmp_path / "a" / "b" / "card.json").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "raw.bin").read_bytes() == b"\x00\x01"
    write_atomic(tmp_path / "raw.bin", b"new")
    assert (tmp_path / "raw.bin").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "raw.bin"]


def test_refuses_a_symlink_target(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep")
    (tmp_path / "out").mkdir()
    link = tmp_path / "out" / "card.json"
    link.symlink_to(elsewhere)
    with pytest.raises(UnsafeWriteError, match="card.json: it is a symlink; remove it"):
        write_atomic(link, "new", folder=tmp_path)
    assert elsewhere.read_text() == "keep"
    assert link.is_symlink()


def test_refuses_a_symlinked_folder_below_the_given_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / "sub").symlink_to(real, target_is_directory=True)
    target = tmp_path / "top" / "sub" / "deeper" / "card.json"
    with pytest.raises(UnsafeWriteError, match="the folder .*sub is a symlink"):
        write_atomic(target, "new", folder=tmp_path / "top")
    assert list(real.iterdir()) == []


def test_a_symlinked_given_folder_is_trusted(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    write_atomic(tmp_path / "alias" / "card.json", "ok", folder=tmp_path / "alias")
    assert (real / "card.json").read_text() == "ok"


def test_refuses_a_hard_linked_target(tmp_path: Path) -> None:
    original = tmp_path / "original.txt"
    original.write_text("keep")
    twin = tmp_path / "card.json"
    os.link(original, twin)
    with pytest.raises(UnsafeWriteError, match="card.json: it has 1 other hard link"):
        write_atomic(twin, "new")
    assert original.read_text() == "keep"
    assert twin.read_text() == "keep"


def test_refuses_a_path_outside_the_given_folder(tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    with pytest.raises(UnsafeWriteError, match="is not inside"):
        write_atomic(tmp_path / "card.json", "new", folder=tmp_path / "inside")
    assert not (tmp_path / "card.json").exists()


def test_a_failed_replace_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader import files

    path = tmp_path / "card.json"
    path.write_text("old")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]


def test_a_folder_swapped_for_a_link_mid_write_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race a check-then-write loses: `.grader` passes as a real folder, then the
    submission swaps in a link before the file is made. The write lands in the folder
    that was opened, never where the link points."""
    from grader import files

    workspace, elsewhere = tmp_path / "ws", tmp_path / "elsewhere"
    (workspace / ".grader" / "scorecards").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "scorecards").mkdir()
    real_open = os.open

    def swap_after_opening(name, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        fd = real_open(name, flags, *args, **kwargs)
        if name == ".grader":
            (workspace / ".grader").rename(workspace / "moved")
            (workspace / ".grader").symlink_to(elsewhere, target_is_directory=True)
        return fd

    monkeypatch.setattr(files.os, "open", swap_after_opening)
    target = workspace / ".grader" / "scorecards" / "card.json"
    write_atomic(target, "ok", folder=workspace)
    assert list((elsewhere / "scorecards").iterdir()) == []
    assert (workspace / "moved" / "scorecards" / "card.json").read_text() == "ok"


def test_a_file_in_place_of_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(UnsafeWriteError, match=r"out is a file, not a folder"):
        write_atomic(tmp_path / "out" / "card.json", "new", folder=tmp_path)


def test_a_path_that_climbs_out_is_refused(tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    with pytest.raises(UnsafeWriteError, match="climbs out"):
        write_atomic(
            tmp_path / "inside" / ".." / "card.json", "x", folder=tmp_path / "inside"
        )
    assert not (tmp_path / "card.json").exists()


def test_exclusive_never_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    write_atomic(path, "first", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(path, "second", exclusive=True)
    assert path.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]


def test_the_refusal_reads_as_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(UnsafeWriteError) as caught:
        write_atomic(tmp_path / "link" / "card.json", "x", folder=tmp_path)
    assert str(caught.value).startswith("refusing to write ")
    assert "[Errno" not in str(caught.value)


def test_a_link_planted_where_a_folder_is_being_made_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other race: the folder is missing, and a link appears before mkdir."""
    from grader import files

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "ws").mkdir()
    real_mkdir = os.mkdir

    def plant_first(name, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        if name == "scorecards":
            os.symlink(elsewhere, name, dir_fd=dir_fd)
        return real_mkdir(name, mode, dir_fd=dir_fd)

    monkeypatch.setattr(files.os, "mkdir", plant_first)
    target = tmp_path / "ws" / "scorecards" / "card.json"
    with pytest.raises(UnsafeWriteError, match="scorecards is a symlink"):
        write_atomic(target, "x", folder=tmp_path / "ws")
    assert list(elsewhere.iterdir()) == []
