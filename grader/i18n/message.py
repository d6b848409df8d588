"""A message a person reads: its id, its parameters, and its English text.

The id is the English template itself (gettext's convention): `msg("{passed} of {total}
tests passed", passed=3, total=5)`. The scorecard stores the id and the parameters beside
the English text, and each view renders them in its reader's language from the catalogue
(`grader.i18n.catalog`). Standard library only: the checks in the sandbox build messages
too, and their English text needs no catalogue.

A parameter is a number, a string, a nested message (`msg(...)`), a text in both languages
(`both(en, zh)`: a task's or a check's title), or a list of these (joined with "; ").
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Callable

# A string parameter longer than this is cut with a visible marker (the scorecard's caps).
PARAM_CHARS = 2_000

Param = (
    Any  # str | int | float | bool | None | dict (a message or both()) | list[Param]
)


@dataclass(frozen=True)
class Message:
    id: str
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The English text (no catalogue needed: the id is the English template)."""
        return render(self.id, self.params, lambda template: template, "en")

    def plain(self) -> dict[str, Param]:
        """As a nested parameter: `{"message_id": ..., "message_params": ...}`."""
        return {"message_id": self.id, "message_params": self.params}


def msg(template: str, **params: Param) -> Message:
    """A message: `template` is its id and its English text, with `{name}` fields."""
    return Message(template, {k: _plain(v) for k, v in params.items()})


def both(en: str, zh: str) -> dict[str, str]:
    """A text that exists in both languages (a title): the view picks its reader's."""
    return {"en": en, "zh": zh or en}


def _plain(value: Param) -> Param:
    if isinstance(value, Message):
        return value.plain()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) > PARAM_CHARS:
        dropped = len(value) - PARAM_CHARS
        return value[:PARAM_CHARS] + f"\n... [truncated: {dropped} more characters]"
    return value


SEPARATOR = {"en": "; ", "zh": "；"}


def render(
    message_id: str,
    params: dict[str, Param] | None,
    translate: Callable[[str], str],
    lang: str,
) -> str:
    """The message in `lang`: the template `translate` gives for the id, its fields
    filled with the parameters rendered in `lang` too. A translation whose fields do not
    match the parameters falls back to the English template."""
    values = {k: _value(v, translate, lang) for k, v in (params or {}).items()}
    template = translate(message_id)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        try:
            return message_id.format(**values)
        except (KeyError, IndexError, ValueError):
            return message_id


def _value(value: Param, translate: Callable[[str], str], lang: str) -> Param:
    if isinstance(value, list):
        return SEPARATOR.get(lang, "; ").join(
            str(_value(v, translate, lang)) for v in value
        )
    if isinstance(value, dict):
        if "message_id" in value:
            return render(
                str(value["message_id"]),
                value.get("message_params") or {},
                translate,
                lang,
            )
        if "en" in value:
            return str(value.get(lang) or value["en"])
    return value


def fields_of(template: str) -> set[str]:
    """The names of a template's `{fields}` (a translation must use the same)."""
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
