"""The message catalogue: the English ids' Chinese text, and whose language a view speaks.

The catalogue is one gettext PO file, `grader/i18n/locale/zh/LC_MESSAGES/grader.po`,
read here with the standard library (host only; the sandbox never translates). Babel, a
development tool here, extracts the ids from the code (`grader.i18n.extract`). English
needs no catalogue: a message's id is its English template. How to add a message:
docs/i18n.md.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Mapping

from grader.i18n.message import Message, Param, render

LANGUAGES = ("en", "zh")
DOMAIN = "grader"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """Every translated message of `lang`: id -> template ({} for English)."""
    if lang == "en":
        return {}
    path = resources.files("grader.i18n").joinpath(
        f"locale/{lang}/LC_MESSAGES/{DOMAIN}.po"
    )
    return read_po(path.read_text(encoding="utf-8"))


def read_po(text: str) -> dict[str, str]:
    """id -> translation of a PO file's entries; the header, untranslated and fuzzy ones
    left out. PO strings are C-quoted and may continue over several quoted lines."""
    entries: dict[str, str] = {}
    fields: dict[str, list[str]] = {}
    keyword = ""
    fuzzy = False

    def flush() -> None:
        msgid = "".join(fields.get("msgid", []))
        msgstr = "".join(fields.get("msgstr", []))
        if msgid and msgstr and not fuzzy:
            entries[msgid] = msgstr

    for line in text.splitlines():
        line = line.strip()
        # A comment or a new msgid after a msgstr starts the next entry.
        if "msgstr" in fields and (line.startswith(("#", "msgid ")) or not line):
            flush()
            fields, keyword, fuzzy = {}, "", False
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgstr ")):
            keyword, _, quoted = line.partition(" ")
            fields[keyword] = [_unquote(quoted)]
        elif line.startswith('"') and keyword:
            fields[keyword].append(_unquote(line))
    flush()
    return entries


def _unquote(quoted: str) -> str:
    # A PO string is a C string literal: the same escapes as JSON's, for what gettext writes.
    return json.loads(quoted)


def translator(lang: str) -> Callable[[str], str]:
    """`_` for a view in `lang`: a label's (or message id's) text in that language."""
    table = catalogue(normalize(lang))
    return lambda text: table.get(text, text)


def localize(
    message_id: str | None,
    params: Mapping[str, Param] | None,
    lang: str,
    fallback: str = "",
) -> str:
    """A stored message in `lang`; `fallback` (the stored English text) without an id."""
    if not message_id:
        return fallback
    if normalize(lang) == "en" and fallback:
        return fallback
    return render(message_id, dict(params or {}), translator(lang), normalize(lang))


def say(message: Message, lang: str) -> str:
    """A message built in a view, in `lang`."""
    return render(message.id, message.params, translator(lang), normalize(lang))


def normalize(lang: str | None) -> str:
    """`zh`, `zh_CN.UTF-8`, `zh-Hans` -> `zh`; anything not Chinese -> `en`."""
    text = (lang or "").strip().lower()
    return "zh" if text.startswith("zh") else "en"


def reader_language(environ: Mapping[str, str] | None = None) -> str:
    """The terminal reader's language: GRADER_LANG wins, then the locale as POSIX orders
    it (LC_ALL, LC_MESSAGES, LANG)."""
    env = os.environ if environ is None else environ
    chosen = env.get("GRADER_LANG", "").strip()
    if chosen:
        return normalize(chosen)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return normalize(value)
    return "en"


def ci_language(environ: Mapping[str, str] | None = None) -> str:
    """`grader ci`'s language: GRADER_LANG only (a CI runner's locale says nothing of
    who reads the summary)."""
    env = os.environ if environ is None else environ
    return normalize(env.get("GRADER_LANG", "en"))


def accept_language(header: str | None) -> str:
    """The first language of an HTTP Accept-Language header that grader speaks."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for extra in pieces[1:]:
            key, _, value = extra.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en") or tag == "*":
            return "en"
    return "en"


def stored(
    obj: Any, lang: str, *, text: str = "message", prefix: str = "message"
) -> str:
    """The message a scorecard part (scorecard, check, gate) stores, in `lang`."""
    return localize(
        getattr(obj, f"{prefix}_id", None),
        getattr(obj, f"{prefix}_params", None),
        lang,
        getattr(obj, text, ""),
    )
