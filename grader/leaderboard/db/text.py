"""Text the database accepts: the one scrub every write of a scorecard, message or name uses.

PostgreSQL refuses a NUL character in `text` (and `\\u0000` in `jsonb`); neither SQLite nor
PostgreSQL can store a lone surrogate (a string Python holds but UTF-8 cannot encode). A
student's test can put either in a failure message or its output, so every string bound for
the database goes through `storable` first: NUL becomes U+FFFD, and so does each lone
surrogate. Everything else is kept as it was.
"""

from __future__ import annotations

from typing import Any, TypeVar

REPLACEMENT = "\ufffd"

T = TypeVar("T")


def storable_text(text: str) -> str:
    """`text` with NUL characters and lone surrogates replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # only surrogates fail: every other code point encodes
        text = "".join(
            REPLACEMENT if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text
        )
    return text


def storable(value: T) -> T:
    """A JSON-like document (dicts, lists, strings, numbers) with every string storable."""
    return _scrub(value)  # type: ignore[no-any-return]


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_scrub(v) for v in value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value


__all__ = ["REPLACEMENT", "storable", "storable_text"]
