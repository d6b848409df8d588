import os
import stat

import pytest

from atomic_write import AtomicWriter, atomic_write


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("old\n", encoding="utf-8")
    return path


# atomic_write ---------------------------------------------------------------------


def test_replaces_content(target):
    with atomic_write(target) as f:
        f.write("new\n")
        assert target.read_text(encoding="utf-8") == "old\n"
        assert len(os.listdir(target.parent)) == 2
    assert target.read_text(encoding="utf-8") == "new\n"
    assert os.listdir(target.parent) == ["data.txt"]


def test_binary_and_encoding(tmp_path):
    with atomic_write(tmp_path / "b.bin", "wb") as f:
        f.write(b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    with atomic_write(str(tmp_path / "g.txt"), encoding="gbk") as f:
        f.write("中文")
    assert (tmp_path / "g.txt").read_bytes() == "中文".encode("gbk")


def test_closed_inside_block_commits(target):
    with atomic_write(target) as f:
        f.write("closed")
        f.close()
    assert target.read_text(encoding="utf-8") == "closed"


@pytest.mark.parametrize("mode", ["a", "r", "w+"])
def test_bad_mode(tmp_path, mode):
    with pytest.raises(ValueError):
        with atomic_write(tmp_path / "x", mode):
            pass
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_rollback_on_error(target, error):
    with pytest.raises(error):
        with atomic_write(target) as f:
            f.write("partial")
            raise error
    assert target.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(target.parent) == ["data.txt"]


def test_missing_parent(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with atomic_write(tmp_path / "nope" / "x.txt"):
            pass


def test_parent_is_a_file(target):
    with pytest.raises(NotADirectoryError):
        with atomic_write(target / "x.txt"):
            pass


def test_target_is_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError):
        with atomic_write(tmp_path):
            pass


def test_keeps_permissions(target):
    os.chmod(target, 0o640)
    with atomic_write(target) as f:
        f.write("x")
    assert mode_of(target) == 0o640


def test_new_file_permissions(tmp_path):
    umask = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "n.txt") as f:
            f.write("x")
    finally:
        os.umask(umask)
    assert mode_of(tmp_path / "n.txt") == 0o640


def test_open_failure_removes_temp(tmp_path):
    with pytest.raises(LookupError):
        with atomic_write(tmp_path / "x.txt", encoding="no-such-codec"):
            pass
    assert os.listdir(tmp_path) == []


# AtomicWriter ---------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.txt").write_text("A", encoding="utf-8")
    (tmp_path / "b.txt").write_text("B", encoding="utf-8")
    return tmp_path


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_writer_commits_all(folder):
    os.chmod(folder / "a.txt", 0o604)
    with AtomicWriter(folder) as out:
        with out.open("a.txt") as f:
            f.write("A2")
        out.open("c.bin", "wb").write(b"C")
    assert snapshot(folder) == {"a.txt": b"A2", "b.txt": b"B", "c.bin": b"C"}
    assert mode_of(folder / "a.txt") == 0o604


def test_writer_rolls_back(folder):
    before = snapshot(folder)
    with pytest.raises(RuntimeError):
        with AtomicWriter(folder) as out:
            out.open("a.txt").write("A2")
            out.open("c.txt").write("C")
            raise RuntimeError("boom")
    assert snapshot(folder) == before


@pytest.mark.parametrize("name", ["", "..", "x/y"])
def test_writer_bad_names(folder, name):
    with AtomicWriter(folder) as out:
        with pytest.raises(ValueError):
            out.open(name)


def test_writer_duplicate_and_directory_names(folder):
    (folder / "sub").mkdir()
    with AtomicWriter(folder) as out:
        out.open("a.txt").write("A2")
        with pytest.raises(ValueError):
            out.open("a.txt")
        with pytest.raises(IsADirectoryError):
            out.open("sub")
    assert (folder / "a.txt").read_text(encoding="utf-8") == "A2"


def test_writer_lifecycle(folder):
    writer = AtomicWriter(folder)
    with pytest.raises(RuntimeError):
        writer.open("x.txt")
    with writer:
        pass
    with pytest.raises(RuntimeError):
        writer.open("x.txt")
    with pytest.raises(RuntimeError):
        with writer:
            pass


def test_writer_bad_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        AtomicWriter(tmp_path / "missing")
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        AtomicWriter(tmp_path / "f")


def test_writer_target_becomes_directory(folder):
    before = snapshot(folder)
    with pytest.raises(IsADirectoryError):
        with AtomicWriter(folder) as out:
            out.open("a.txt").write("A2")
            out.open("d").write("D")
            (folder / "d").mkdir()
    assert snapshot(folder) == before
    assert sorted(os.listdir(folder)) == ["a.txt", "b.txt", "d"]


def test_writer_restores_when_a_replace_fails(folder, monkeypatch):
    real_replace = os.replace
    calls = []

    def flaky_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # the third file cannot be moved into place
            raise PermissionError("simulated failure")
        return real_replace(src, dst)

    before = snapshot(folder)
    with pytest.raises(PermissionError):
        with AtomicWriter(folder) as out:
            out.open("a.txt").write("A2")
            out.open("new.txt").write("N")
            out.open("b.txt").write("B2")
            monkeypatch.setattr(os, "replace", flaky_replace)
    monkeypatch.setattr(os, "replace", real_replace)
    assert snapshot(folder) == before
    assert sorted(os.listdir(folder)) == ["a.txt", "b.txt"]
