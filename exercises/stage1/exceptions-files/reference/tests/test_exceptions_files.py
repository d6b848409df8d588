import pytest

from exceptions_files import (
    ConfigError,
    load_config,
    load_with_defaults,
    parse_port,
    parse_setting,
    read_lines,
    write_lines,
)


def test_round_trip_in_gbk(tmp_path):
    path = tmp_path / "a.txt"
    assert write_lines(path, ["中文", ""], encoding="gbk") == 2
    assert path.read_bytes() == "中文\n\n".encode("gbk")
    assert read_lines(path, encoding="gbk") == ["中文", ""]


def test_write_lines_refuses_a_line_break(tmp_path):
    with pytest.raises(ValueError, match="line 2"):
        write_lines(tmp_path / "a.txt", ["a", "b\nc"])
    assert not (tmp_path / "a.txt").exists()


@pytest.mark.parametrize("line", ["no equals", "= v"], ids=["no-equals", "no-key"])
def test_parse_setting_errors(line):
    with pytest.raises(ValueError):
        parse_setting(line)


def test_parse_setting():
    assert parse_setting(" A = b=c ") == ("a", "b=c")


@pytest.mark.parametrize("text", ["0", "65536", "x"], ids=["zero", "too-big", "word"])
def test_parse_port_errors(text):
    with pytest.raises(ValueError):
        parse_port(text)


def test_parse_port():
    assert parse_port("65535") == 65535


def test_load_config(tmp_path):
    path = tmp_path / "a.conf"
    path.write_text("# c\n\nport = 80\nname = x\n", encoding="utf-8")
    assert load_config(path) == {"port": "80", "name": "x"}


@pytest.mark.parametrize(
    "text",
    ["a = 1\nbad\n", "a = 1\nA = 2\n", "a = 1\nport = 0\n"],
    ids=["not-setting", "twice", "port"],
)
def test_load_config_errors(tmp_path, text):
    path = tmp_path / "a.conf"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=":2:"):
        load_config(path)


def test_load_config_bad_bytes(tmp_path):
    path = tmp_path / "a.conf"
    path.write_bytes("a = 中\n".encode("gbk"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_load_with_defaults(tmp_path):
    path = tmp_path / "a.conf"
    assert load_with_defaults(path, {"a": "1"}) == {"a": "1"}
    path.write_text("b = 2\n", encoding="utf-8")
    assert load_with_defaults(path, {"a": "1"}) == {"a": "1", "b": "2"}
