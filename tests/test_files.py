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
