"""Your own tests. Extend this file until it covers at least 70% of atomic_write.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import os

import pytest

from atomic_write import AtomicWriter, atomic_write


def test_replaces_the_content(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("old\n", encoding="utf-8")
    with atomic_write(path) as f:
        f.write("new\n")
        assert path.read_text(encoding="utf-8") == "old\n"  # not yet!
    assert path.read_text(encoding="utf-8") == "new\n"
    assert os.listdir(tmp_path) == ["data.txt"]  # no temporary file left


def test_error_keeps_the_old_file(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(ValueError):
        with atomic_write(path) as f:
            f.write("half")
            raise ValueError("something went wrong")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["data.txt"]


def test_writer_commits_all_files(tmp_path):
    with AtomicWriter(tmp_path) as out:
        out.open("a.txt").write("A")
        out.open("b.bin", "wb").write(b"B")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "A"
    assert (tmp_path / "b.bin").read_bytes() == b"B"
