"""Comments that switch a style check off, found with the tokenizer (comments only, never
text inside a string).

flake8 runs with `--disable-noqa`, so `# noqa` and a file-level `# flake8: noqa` silence
nothing; an exercise may excuse some codes line by line (`noqa_allowed`). black honours
`# fmt: off` / `# fmt: on`, `# fmt: skip` and `# yapf: disable` / `# yapf: enable`; the black
check refuses them instead, since code under them is never formatted. mypy honours
`# type: ignore`, inline `# mypy:` configuration and `@no_type_check`; the types check
refuses them, since code under them is never type-checked.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

# flake8's own inline pattern (flake8.defaults.NOQA_INLINE_REGEXP), case-insensitive.
NOQA_INLINE = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE
)
NOQA_FILE = re.compile(r"#\s*flake8[:=]\s*noqa", re.IGNORECASE)
CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
# Broader than black's own test (it also splits on "# " and ";"), so that any spelling black
# might honour now or in a later version is refused: a prose mention is refused too, which
# costs a student one edit, never a wrong pass.
BLACK_PRAGMA = re.compile(
    r"\b(?P<tool>fmt|yapf)\s*:\s*(?P<word>off|on|skip|disable|enable)\b", re.IGNORECASE
)
BLACK_WHY = {
    "off": "black leaves everything up to `# fmt: on` unformatted",
    "disable": "black leaves everything up to `# yapf: enable` unformatted",
    "skip": "black leaves this statement unformatted",
    "on": "it ends a region that black leaves unformatted",
    "enable": "it ends a region that black leaves unformatted",
}

# mypy's own patterns are narrower (`# type: ignore[code]`, a comment starting `# mypy:`).
TYPE_IGNORE = re.compile(r"\btype\s*:\s*ignore\b", re.IGNORECASE)
MYPY_CONFIG = re.compile(r"\bmypy\s*:", re.IGNORECASE)
NO_TYPE_CHECK = re.compile(r"\bno_type_check(_decorator)?\b")


@dataclass(frozen=True)
class Pragma:
    """One switch-off comment: where it is and why it is refused."""

    line: int
    text: str
    why: str


def comments(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment token. Falls back to a per-line search for `#` when
    the file does not tokenize (black and flake8 then report it as broken anyway)."""
    found: list[tuple[int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.string))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return [
            (number, line[line.index("#") :])
            for number, line in enumerate(source.splitlines(), start=1)
            if "#" in line
        ]
    return found


def black_pragmas(source: str) -> list[Pragma]:
    """Every comment that would make black skip code."""
    pragmas = []
    for line, text in comments(source):
        match = BLACK_PRAGMA.search(text)
        if match:
            word = match.group("word").lower()
            pragmas.append(Pragma(line, text.strip()[:80], BLACK_WHY[word]))
    return pragmas


def noqa_codes(source: str) -> dict[int, set[str]]:
    """line -> the codes its `# noqa: CODES` comment names (a bare `# noqa` names none)."""
    codes: dict[int, set[str]] = {}
    for line, text in comments(source):
        match = NOQA_INLINE.search(text)
        if match and match.group("codes"):
            named = {c.upper() for c in CODE.findall(match.group("codes"))}
            codes.setdefault(line, set()).update(named)
    return codes


def has_noqa(source: str) -> bool:
    """Whether any comment is a `# noqa` or a file-level `# flake8: noqa`."""
    return any(
        NOQA_INLINE.search(text) or NOQA_FILE.search(text)
        for _, text in comments(source)
    )


def type_pragmas(source: str) -> list[Pragma]:
    """Every comment or decorator that would make mypy skip code."""
    pragmas = []
    for line, text in comments(source):
        if TYPE_IGNORE.search(text):
            why = "mypy reports nothing on its line (on the first line: in the whole file)"
            pragmas.append(Pragma(line, text.strip()[:80], why))
        elif MYPY_CONFIG.search(text):
            why = "it changes how mypy checks this file"
            pragmas.append(Pragma(line, text.strip()[:80], why))
    for number, text in enumerate(source.splitlines(), start=1):
        code = text.split("#", 1)[0]  # a mention in a comment is not a decorator
        match = NO_TYPE_CHECK.search(code)
        if match:
            why = "mypy does not check what it decorates"
            pragmas.append(Pragma(number, match.group(), why))
    return sorted(pragmas, key=lambda p: p.line)
