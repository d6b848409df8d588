"""Hidden tests of exceptions_files: encodings, specific exceptions, fallbacks."""

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

CONFIG = """\
# the service
host = example.org

   # an indented comment
Port = 8080
greeting = 你好, world
url = https://example.org/?a=1
"""

# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_write_then_read_round_trip(tmp_path):
    """write_lines writes lines and newlines in UTF-8; read_lines reads them back"""
    path = tmp_path / "notes.txt"
    assert write_lines(path, ["first", "第二行", "", "  spaced  "]) == 4
    assert path.read_bytes() == "first\n第二行\n\n  spaced  \n".encode("utf-8")
    assert read_lines(path) == ["first", "第二行", "", "  spaced  "]


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_the_encoding_argument_is_used_both_ways(tmp_path):
    """With encoding='gbk' the bytes on disk are GBK and read_lines decodes them"""
    path = tmp_path / "gbk.txt"
    assert write_lines(str(path), ["中文", "abc"], encoding="gbk") == 2
    assert path.read_bytes() == "中文\nabc\n".encode("gbk")
    assert read_lines(str(path), encoding="gbk") == ["中文", "abc"]


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "content, expected",
    [
        (b"a\nb\n", ["a", "b"]),
        (b"a\r\nb\r\n", ["a", "b"]),
        (b"no newline at end", ["no newline at end"]),
        (b"", []),
        (b"\n\n", ["", ""]),
        (b"  x  \n\ty\t\n", ["  x  ", "\ty\t"]),
    ],
    ids=["unix", "windows", "no-final-newline", "empty", "blank-lines", "spaces-kept"],
)
def test_read_lines_drops_only_line_endings(tmp_path, content, expected):
    """read_lines removes \\n and \\r\\n endings and nothing else"""
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    assert read_lines(path) == expected


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_read_lines_lets_file_errors_through(tmp_path):
    """read_lines lets FileNotFoundError and UnicodeDecodeError propagate"""
    with pytest.raises(FileNotFoundError):
        read_lines(tmp_path / "missing.txt")
    path = tmp_path / "gbk.txt"
    path.write_bytes("中文\n".encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        read_lines(path)


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "lines, number",
    [(["ok", "two\nlines"], 2), (["a\r", "b"], 1), (["a", "b", "c\r\nd"], 3)],
    ids=["newline", "carriage-return", "windows-ending"],
)
def test_write_lines_refuses_line_breaks_before_opening(tmp_path, lines, number):
    """A line holding a line break raises ValueError naming it; the old file stays"""
    path = tmp_path / "keep.txt"
    path.write_text("old content\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"line {number}"):
        write_lines(path, lines)
    assert path.read_text(encoding="utf-8") == "old content\n"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_write_lines_takes_any_iterable_and_replaces_the_file(tmp_path):
    """write_lines accepts a generator, replaces old content, and writes 0 lines too"""
    path = tmp_path / "out.txt"
    path.write_text("old\nold\nold\n", encoding="utf-8")
    assert write_lines(path, (str(n) for n in range(3))) == 3
    assert path.read_text(encoding="utf-8") == "0\n1\n2\n"
    assert write_lines(path, []) == 0
    assert path.read_bytes() == b""


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "line, expected",
    [
        ("host = example.org", ("host", "example.org")),
        ("Name=Ada", ("name", "Ada")),
        ("url = https://x.org/?a=1", ("url", "https://x.org/?a=1")),
        ("empty =", ("empty", "")),
        ("  Key  =  two words  ", ("key", "two words")),
    ],
    ids=["spaces", "no-spaces", "equals-in-value", "empty-value", "padded"],
)
@pytest.mark.core
def test_parse_setting_splits_at_the_first_equals(line, expected):
    """parse_setting splits at the first '=', strips both sides, lower-cases the key"""
    assert parse_setting(line) == expected


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "line", ["no equals here", "= value", "   = value", ""], ids=repr
)
@pytest.mark.core
def test_parse_setting_raises_value_error(line):
    """parse_setting raises ValueError for a line without '=' or without a key"""
    with pytest.raises(ValueError) as info:
        parse_setting(line)
    assert repr(line) in str(info.value), "the message should quote the line"


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "text, port",
    [("1", 1), ("80", 80), ("65535", 65535), (" 8080 ", 8080)],
    ids=["lowest", "http", "highest", "padded"],
)
def test_parse_port_accepts_valid_ports(text, port):
    """parse_port returns an int between 1 and 65535"""
    assert parse_port(text) == port


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("text", ["0", "65536", "-1", "http", "8.5", ""], ids=repr)
@pytest.mark.core
def test_parse_port_raises_value_error_naming_the_text(text):
    """parse_port raises ValueError quoting the text for a bad or out-of-range port"""
    with pytest.raises(ValueError) as info:
        parse_port(text)
    assert repr(text) in str(info.value)


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_load_config_reads_settings_in_order(tmp_path):
    """load_config skips blank lines and comments and keeps the file's order"""
    path = tmp_path / "app.conf"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_config(path)
    assert settings == {
        "host": "example.org",
        "port": "8080",
        "greeting": "你好, world",
        "url": "https://example.org/?a=1",
    }
    assert list(settings) == ["host", "port", "greeting", "url"]


BROKEN = {
    "not-a-setting": "a = 1\n# fine\njust words\n",
    "no-key": "a = 1\n\n= 2\n",
    "bad-port": "a = 1\nb = 2\nport = http\n",
    "port-out-of-range": "\n\nport = 70000\n",
    "key-set-twice": "host = a\n# again\nHOST = b\n",
}


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize("case", list(BROKEN))
@pytest.mark.core
def test_load_config_names_file_and_line(tmp_path, case):
    """A broken line raises ConfigError whose message starts with PATH:LINE:"""
    path = tmp_path / f"{case}.conf"
    path.write_text(BROKEN[case], encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:3:"), str(info.value)


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_config_error_message_carries_the_reason(tmp_path):
    """ConfigError's message keeps the reason parse_port gave (the quoted value)"""
    path = tmp_path / "bad.conf"
    path.write_text("port = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "'0'" in str(info.value)


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_load_config_turns_bad_bytes_into_config_error(tmp_path):
    """Undecodable bytes raise ConfigError naming the file; the right encoding works"""
    path = tmp_path / "gbk.conf"
    path.write_bytes("name = 中文\n".encode("gbk"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:")
    assert load_config(path, encoding="gbk") == {"name": "中文"}


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_load_config_missing_file_is_not_a_config_error(tmp_path):
    """A missing file raises FileNotFoundError, not ConfigError; an empty file is {}"""
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "missing.conf")
    empty = tmp_path / "empty.conf"
    empty.write_text("# nothing\n\n", encoding="utf-8")
    assert load_config(empty) == {}


# --------------------------------------------------------------------- task 4

DEFAULTS = {"host": "localhost", "port": "8000"}


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_missing_file_falls_back_to_defaults(tmp_path):
    """load_with_defaults returns the defaults when the file does not exist"""
    defaults = dict(DEFAULTS)
    assert load_with_defaults(tmp_path / "missing.conf", defaults) == DEFAULTS
    assert defaults == DEFAULTS


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_file_settings_override_defaults(tmp_path):
    """Settings in the file override the defaults and add new keys"""
    path = tmp_path / "app.conf"
    path.write_text("port = 9000\ndebug = yes\n", encoding="utf-8")
    defaults = dict(DEFAULTS)
    assert load_with_defaults(path, defaults) == {
        "host": "localhost",
        "port": "9000",
        "debug": "yes",
    }
    assert defaults == DEFAULTS


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_broken_file_is_never_replaced_by_defaults(tmp_path):
    """A broken file still raises ConfigError: only a missing file falls back"""
    path = tmp_path / "app.conf"
    path.write_text("port = many\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_with_defaults(path, DEFAULTS)
    path.write_bytes("name = 中文\n".encode("gbk"))
    with pytest.raises(ConfigError):
        load_with_defaults(path, DEFAULTS)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_load_with_defaults_passes_the_encoding_on(tmp_path):
    """load_with_defaults reads the file in the encoding it is given"""
    path = tmp_path / "gbk.conf"
    path.write_bytes("name = 中文\n".encode("gbk"))
    assert load_with_defaults(path, {}, encoding="gbk") == {"name": "中文"}
