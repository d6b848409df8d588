"""The trusted end's rules for what the student process sends it (see `endpoint.py`)."""

from __future__ import annotations

import json
from typing import Any


class ProtocolViolation(Exception):
    """The student process sent the trusted end something it never accepts; the test fails.

    A plain `Exception` (not a ValueError or PermissionError), so that only a test expecting
    any exception at all could mistake it for the one it expects.
    """


# What the trusted end never hands to the peer, even when raised while serving it: an
# interrupt, an exit, and the grader's own control flow (a test's timeout) stop the
# conversation in this process instead.
def local_only(exc: BaseException) -> bool:
    return isinstance(exc, (KeyboardInterrupt, SystemExit)) or (
        not isinstance(exc, Exception)
        and str(getattr(type(exc), "__module__", "")).startswith("grader.")
    )


def no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def brief(value: Any) -> str:
    """A short description of something the peer sent, for a message."""
    try:
        return json.dumps(value, default=repr)[:120] if value is not None else "nothing"
    except (ValueError, RecursionError):  # a frame nested as deeply as JSON allows
        return "a malformed value"


# What the student may attach to an answer: its output and log records, as plain text and
# numbers only (a record's exc_info or stack_info would be formatted by this process).
LOG_FIELDS = {
    "name": str,
    "levelno": int,
    "levelname": str,
    "msg": str,
    "funcName": str,
    "lineno": int,
    "exc_text": str,
}
MAX_LOGS = 1_000
MAX_TEXT = 256 * 1024


def replayable(message: dict[str, Any]) -> dict[str, Any]:
    """The output and logs of a student's answer, checked field by field."""
    logs = message.get("logs")
    clean: dict[str, Any] = {
        "out": _capped(message.get("out")),
        "err": _capped(message.get("err")),
        "logs": [],
    }
    for record in logs[:MAX_LOGS] if isinstance(logs, list) else []:
        if isinstance(record, dict):
            clean["logs"].append(
                {
                    key: (value[:MAX_TEXT] if isinstance(value, str) else value)
                    for key, value in record.items()
                    if key in LOG_FIELDS
                    and type(value) is LOG_FIELDS[key]
                    and (key != "levelno" or 0 <= value <= 100)
                }
            )
    return clean


def _capped(text: Any) -> str:
    return text[:MAX_TEXT] if isinstance(text, str) else ""
