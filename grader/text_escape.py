"""Escaping student-controlled text for each medium grader writes to.

A student chooses their folder, file and test names and the messages their code prints;
none of it may act as anything but text wherever grader shows it:

- spreadsheet cells (CSV exports):   `spreadsheet_safe`
- GitHub workflow commands:          `workflow_data`, `workflow_property`
- lines of a CI log:                 `log_text` (a value inside a line), `inert_lines`
                                     (whole lines of mixed origin: errors, tracebacks)
- Markdown (the CI step summary):    `markdown_text`, `markdown_code`
- the terminal (rich):               `terminal_text`, `terminal_markup`

A bottom-layer module: it imports nothing of grader, so the class server and the
command line can both use it.
"""

from __future__ import annotations

import re

# --- spreadsheets -----------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: no formula from a name like `=HYPERLINK(...)`."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text


# --- GitHub workflow commands and CI logs -----------------------------------------------
# The runner reads its steps' stdout and stderr line by line (a line ends at "\r", "\n" or
# "\r\n") and takes as a command a line that starts, after leading white space, with
# `::name ...::` (v2), or one that holds `##[name ...]` anywhere (v1, still parsed).


def workflow_data(text: str) -> str:
    """The data of a workflow command (after its second `::`), as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A property value of a workflow command (`title=…`, `file=…`)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


# Control characters (other than tab), DEL, C1 controls and the Unicode line and paragraph
# separators: each is shown as %XX (or %uXXXX), like the runner's own escapes.
_LOG_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_V1_COMMAND = re.compile(r"#\[")


def _percent(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"%{code:02X}" if code < 0x100 else f"%u{code:04X}"


def log_text(text: str) -> str:
    """A student's string inside a line of a CI log: one line, no workflow command.

    Every control character is written as the runner writes it, %XX (`a\\n::x` ->
    `a%0A::x`), `#[` becomes `#%5B` (no v1 `##[command]`), and a leading `::` becomes
    `%3A:` (the string cannot start a v2 command even when printed on its own). A name
    with none of these (`lint,100%`) is printed as it is.
    """
    escaped = _LOG_CONTROL.sub(_percent, text)
    escaped = _V1_COMMAND.sub("#%5B", escaped)
    stripped = escaped.lstrip()
    if stripped.startswith("::"):
        escaped = escaped[: len(escaped) - len(stripped)] + "%3A" + stripped[1:]
    return escaped


_LINE_BREAK = re.compile(r"(\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029])")


def inert_lines(text: str) -> str:
    """Text of mixed origin (an error message, a traceback) printed to a CI log as it is,
    line breaks kept, but with no line the runner would take as a workflow command: a line
    starting with `::` gets `%3A:` and every `#[` becomes `#%5B`. Lines without either are
    left alone."""
    pieces = _LINE_BREAK.split(text)
    for index in range(0, len(pieces), 2):  # the even pieces are the lines
        line = _V1_COMMAND.sub("#%5B", pieces[index])
        stripped = line.lstrip()
        if stripped.startswith("::"):
            line = line[: len(line) - len(stripped)] + "%3A" + stripped[1:]
        pieces[index] = line
    return "".join(pieces)


# --- Markdown ---------------------------------------------------------------------------

# Everything CommonMark or GitHub gives a meaning inline: emphasis, code, links, HTML and
# entities, tables, strikethrough, math, headings.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#$!])")
# What makes a block of a line start: a list item, a thematic break, a setext underline,
# a block quote (`>` is escaped above), an ordered list item (`1.` or `1)`).
_MARKDOWN_BLOCK_START = re.compile(r"^([-+=])|^(\d+)([.)])")
_NOT_SHOWN = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def _one_line(text: str) -> str:
    """Control characters dropped, every run of white space (line breaks too) one space."""
    return " ".join(_NOT_SHOWN.sub("", text).split())


def markdown_text(text: str | None) -> str:
    """Text shown as literal text in Markdown, anywhere: a table cell, a heading, a list
    item, a paragraph. One line; Markdown and HTML characters backslash-escaped."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(text or ""))
    return _MARKDOWN_BLOCK_START.sub(
        lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped
    )


def markdown_code(text: str, *, table_cell: bool = False, limit: int = 0) -> str:
    """Inline code showing `text` as it is (one line): the fence is longer than any run of
    backticks inside. In a table cell `|` is written `\\|` (GitHub splits the row on `|`
    before it reads the code span, and shows `\\|` as `|`). `limit` cuts the text first.
    """
    text = _one_line(text)
    if limit:
        text = text[:limit]
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if table_cell:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


# --- the terminal -----------------------------------------------------------------------

# ANSI escape sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), other ESC x pairs,
# and their 8-bit forms.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[@-Z\\-_]"
    r"|\x1b"
)
# Controls a terminal acts on (all but tab and newline), and the bidirectional overrides
# that make text read differently from what it is.
_TERMINAL_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def terminal_text(text: str, *, one_line: bool = False) -> str:
    """A student's string printed to a terminal: ANSI escape sequences and control
    characters (but tab and newline) removed; with `one_line`, tabs and newlines are
    spaces (a label that must not start lines of its own)."""
    shown = _TERMINAL_CONTROL.sub("", _ANSI.sub("", text))
    return shown.replace("\t", " ").replace("\n", " ") if one_line else shown


def terminal_markup(text: str, *, one_line: bool = False) -> str:
    """A student's string inside rich console markup: `terminal_text`, with `[tag]`
    escaped so rich prints it instead of styling with it."""
    from rich.markup import (
        escape,
    )  # rich is the terminal's; the server need not load it

    return escape(terminal_text(text, one_line=one_line))


__all__ = [
    "inert_lines",
    "log_text",
    "markdown_code",
    "markdown_text",
    "spreadsheet_safe",
    "terminal_markup",
    "terminal_text",
    "workflow_data",
    "workflow_property",
]
