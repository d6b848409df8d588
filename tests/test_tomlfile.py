"""grader.tomlfile: one way to read TOML."""

from __future__ import annotations

import pytest

from grader.tomlfile import TomlError, load_toml


def test_load_toml_reads_a_table() -> None:
    assert load_toml('[project]\nname = "x"\n') == {"project": {"name": "x"}}


def test_load_toml_names_the_line_of_a_mistake() -> None:
    with pytest.raises(TomlError, match="line 2"):
        load_toml('[project]\nname = "x\n')
