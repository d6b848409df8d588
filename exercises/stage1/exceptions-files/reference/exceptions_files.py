"""Text files with explicit encodings, specific exceptions, and `with`.

A tiny configuration format, one ``key = value`` setting per line::

    # the service
    host = example.org
    port = 8080

is written and read with an explicit encoding, every mistake in it raises an
exception that says what is wrong and where, and a missing file falls back to
defaults while a broken one never does.
"""

from __future__ import annotations

import os
from typing import Iterable

MIN_PORT = 1
MAX_PORT = 65535


class ConfigError(Exception):
    """A configuration file is broken; the message names the file and line."""


def write_lines(
    path: str | os.PathLike[str], lines: Iterable[str], *, encoding: str = "utf-8"
) -> int:
    """Write each line followed by a newline to ``path``; return how many.

    A line that itself contains a newline raises ValueError before the file is
    opened, so an existing file is left as it was.
    """
    rows = list(lines)
    for number, line in enumerate(rows, start=1):
        if "\n" in line or "\r" in line:
            raise ValueError(f"line {number} contains a line break: {line!r}")
    with open(path, "w", encoding=encoding) as handle:
        for line in rows:
            handle.write(line + "\n")
    return len(rows)


def read_lines(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> list[str]:
    """Return the lines of ``path`` without their line endings (``\\n``, ``\\r\\n``).

    Errors propagate: FileNotFoundError for a missing file, UnicodeDecodeError
    for bytes that are not valid in ``encoding``.
    """
    with open(path, encoding=encoding, newline="") as handle:
        return [line.rstrip("\r\n") for line in handle]


def parse_setting(line: str) -> tuple[str, str]:
    """Split ``"key = value"`` at the first ``=`` into a stripped key and value.

    The key is lower-cased; the value may be empty and may contain ``=``.

    Raises:
        ValueError: if the line has no ``=`` or the key is empty.
    """
    key, sep, value = line.partition("=")
    if not sep:
        raise ValueError(f"expected 'key = value', got {line!r}")
    key = key.strip().lower()
    if not key:
        raise ValueError(f"missing key before '=' in {line!r}")
    return key, value.strip()


def parse_port(text: str) -> int:
    """Return ``text`` as a TCP port number, 1 to 65535.

    Raises:
        ValueError: if ``text`` is not a whole number or is out of range; the
            message shows the text.
    """
    try:
        port = int(text)
    except ValueError as exc:
        raise ValueError(f"port must be a whole number, got {text!r}") from exc
    if not MIN_PORT <= port <= MAX_PORT:
        raise ValueError(
            f"port must be between {MIN_PORT} and {MAX_PORT}, got {text!r}"
        )
    return port


def load_config(
    path: str | os.PathLike[str], *, encoding: str = "utf-8"
) -> dict[str, str]:
    """Read a configuration file into a dict, in file order.

    Blank lines and lines starting with ``#`` (after leading spaces) are
    skipped. A ``port`` setting must be a valid port (it stays a string).

    Raises:
        FileNotFoundError: if ``path`` does not exist (not a ConfigError).
        ConfigError: for a line that is not a setting, a bad port, a key given
            twice, or bytes that are not valid in ``encoding``. The message
            starts with ``PATH:LINE:`` (``PATH:`` for a decoding error) and
            the original exception is the cause.
    """
    try:
        lines = read_lines(path, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid {encoding} text ({exc})") from exc
    settings: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            key, value = parse_setting(text)
            if key == "port":
                parse_port(value)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: {exc}") from exc
        if key in settings:
            raise ConfigError(f"{path}:{number}: {key!r} is set twice")
        settings[key] = value
    return settings


def load_with_defaults(
    path: str | os.PathLike[str],
    defaults: dict[str, str],
    *,
    encoding: str = "utf-8",
) -> dict[str, str]:
    """Return ``defaults`` overridden by the settings of ``path``.

    A missing file gives a copy of ``defaults``; a broken file still raises
    ConfigError. ``defaults`` itself is never changed.
    """
    try:
        loaded = load_config(path, encoding=encoding)
    except FileNotFoundError:
        return dict(defaults)
    return {**defaults, **loaded}
