"""Messages in the reader's language: ids with parameters (`message`), the catalogue and
the choice of language (`catalog`). See docs/i18n.md."""

from grader.i18n.message import Message, both, msg

__all__ = ["Message", "both", "msg"]
