"""Output caps: every free-text field of a scorecard has a stated limit and says when it was cut."""

from __future__ import annotations

MESSAGE_CHARS = 2_000
OUTPUT_CHARS = 4_000
DIFF_CHARS = 8_000
MAX_VIOLATIONS = 200
# Upper bounds of the numbers in a scorecard (the schema states the same): a score, a
# maximum score or a test's points above MAX_SCORE, or a duration above MAX_SECONDS, is
# not a result but a forgery or a bug, and is refused like a NaN.
MAX_SCORE = 1_000_000
MAX_SECONDS = 86_400


def cap_text(text: str, limit: int, *, separator: str = "\n") -> str:
    """Return `text` cut to `limit` characters, ending with a visible marker when cut.

    The one way grader shortens text a person reads: never slice it silently. The marker
    follows `separator` (a new line; pass " " where the text must stay on one line).
    """
    if len(text) <= limit:
        return text
    dropped = len(text) - limit
    return text[:limit] + f"{separator}... [truncated: {dropped} more characters]"


def clean_text(data: bytes | str) -> str:
    """Decode bytes leniently and drop NUL and other control characters a terminal chokes on."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return "".join(
        ch for ch in data if ch in "\n\t" or not (ord(ch) < 32 or ord(ch) == 127)
    )
