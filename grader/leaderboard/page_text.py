"""The pages' language: Chinese for a browser whose `Accept-Language` puts Chinese first,
English otherwise (`grader.i18n.catalog.accept_language`). Only the HTML pages translate;
the JSON API and the exports stay English, so the values the views hand over (states,
statuses) are English words that the pages look up here.

Templates call `_("English text {field}", field=value)`: the catalogue's text is ours and
may hold markup; every value filled in is escaped.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from fastapi import Request
from markupsafe import Markup

from grader.catalog import Exercise
from grader.i18n.catalog import accept_language, localize, say, translator
from grader.i18n.message import Message, msg

# The English words the views hand over, as the pages show them.
WORDS: dict[str, Message] = {
    # a deadline's state
    "open": msg("open"),
    "closed": msg("closed"),
    "not open yet": msg("not open yet"),
    "no deadline": msg("no deadline"),
    # a submission's status and result, a test's status
    "queued": msg("queued"),
    "running": msg("running"),
    "done": msg("done"),
    "error": msg("error"),
    "pass": msg("pass"),
    "fail": msg("fail"),
    "passed": msg("passed"),
    "failed": msg("failed"),
    "timeout": msg("timed out"),
    "skipped": msg("skipped"),
    # which submissions a regrade took
    "latest": msg("each student's latest"),
    "all": msg("every submission"),
    # an account's state
    "active": msg("active"),
    "disabled": msg("disabled"),
    "removed": msg("removed"),
}


def page_language(request: Request) -> str:
    """`zh` or `en`, from the request's Accept-Language header."""
    return accept_language(request.headers.get("accept-language"))


def language_headers(lang: str) -> dict[str, str]:
    """A page's language, and that it depends on the header (for caches on the way)."""
    return {"Content-Language": html_lang(lang), "Vary": "Accept-Language"}


def html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


def gettext(lang: str) -> Callable[..., Markup]:
    """`_` for templates: the text in `lang`, its `{fields}` filled and escaped."""
    table = translator(lang)

    def _(text: str, **values: Any) -> Markup:
        template = Markup(table(text))  # the catalogue's own text: trusted
        try:
            return template.format(**values) if values else template
        except (KeyError, IndexError, ValueError):  # a translation that lost a field
            return Markup(text).format(**values)

    return _


def word(lang: str) -> Callable[[object], str]:
    """A value the views hand over (a state, a status, a check's title) in `lang`, as
    plain text that the template escapes: the value may come from a stored row, so it
    never goes through `_`, whose text counts as markup. Unknown values as they are."""
    table = translator(lang)

    def shown(value: object) -> str:
        text = "" if value is None else str(value)
        message = WORDS.get(text)
        return say(message, lang) if message is not None else str(table(text))

    return shown


def stored_text(lang: str) -> Callable[..., str]:
    """A message a stored scorecard (a dict) keeps as id and parameters, in `lang`; its
    English text when it has no id."""

    def text(part: Mapping[str, Any] | None, key: str = "message") -> str:
        if not isinstance(part, Mapping):
            return ""
        prefix = "message" if key == "message" else key
        message_id = part.get(f"{prefix}_id")
        params = part.get(f"{prefix}_params")
        fallback = str(part.get(key) or "")
        if not isinstance(message_id, str) or not isinstance(
            params, (dict, type(None))
        ):
            return fallback
        try:
            return localize(message_id, params, lang, fallback)
        except (TypeError, AttributeError, RecursionError):  # a hostile stored row
            return fallback

    return text


def title(exercise: Exercise, lang: str) -> str:
    """An exercise's title in `lang` (exercise.toml has both)."""
    return (
        (exercise.title_zh or exercise.title_en) if lang == "zh" else exercise.title_en
    )


def helpers(lang: str) -> dict[str, Any]:
    """What every template gets for its language."""
    return {
        "_": gettext(lang),
        "word": word(lang),
        "said": stored_text(lang),
        "lang": lang,
        "html_lang": html_lang(lang),
    }


__all__ = [
    "WORDS",
    "gettext",
    "helpers",
    "html_lang",
    "language_headers",
    "page_language",
    "title",
    "word",
]
