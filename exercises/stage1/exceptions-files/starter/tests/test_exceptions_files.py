"""Your own tests. Extend this file until it covers at least 70% of
exceptions_files.py. Use pytest's `tmp_path` fixture for files.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import pytest

from exceptions_files import parse_port, read_lines, write_lines


def test_round_trip(tmp_path):
    path = tmp_path / "notes.txt"
    assert write_lines(path, ["a", "中文"]) == 2
    assert read_lines(path) == ["a", "中文"]


def test_parse_port_refuses_zero():
    with pytest.raises(ValueError):
        parse_port("0")
