"""The message ids in grader's code, as Babel's extractor finds them: the first argument
of each `msg("…")` (a message the scorecard stores) and `_("…")` (a view's label, with
`_ = translator(lang)`). tests/test_i18n.py holds the Chinese catalogue to this list;
`python -m grader.i18n.extract` prints the ids the catalogue lacks."""

from __future__ import annotations

from pathlib import Path

KEYWORDS = {"msg": (1,), "_": (1,)}
PACKAGE = Path(__file__).resolve().parents[1]


def message_ids(root: Path = PACKAGE) -> dict[str, list[str]]:
    """Each id in the code under `root`, with the `file:line` places that use it."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(root), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, []).append(f"{filename}:{line}")
    return found


def main() -> None:
    from grader.i18n.catalog import catalogue

    known = catalogue("zh")
    for message, places in sorted(message_ids().items()):
        if message not in known:
            print(f"missing: {message!r}  ({places[0]})")


if __name__ == "__main__":
    main()
