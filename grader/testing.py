"""Helpers for hidden-test authors, working the same on proxies and on local objects.

In a hidden suite the submission's objects are proxies for objects in another process (see
docs/trust.md). Most Python works on them unchanged; the few introspection functions that read
an object's memory directly get a stand-in here.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["getattr_static", "type_name"]


def _is_proxy(value: Any) -> bool:
    return bool(getattr(type(value), "_grader_proxy", False))


def getattr_static(obj: Any, name: str) -> Any:
    """Like `inspect.getattr_static`: a staticmethod, classmethod or property comes back as
    one (wrapping the remote function), so `isinstance(..., staticmethod)` checks work.
    """
    if not _is_proxy(obj):
        return inspect.getattr_static(obj, name)
    kind, function = object.__getattribute__(obj, "_ask")("static", name=name)
    wrappers = {
        "staticmethod": staticmethod,
        "classmethod": classmethod,
        "property": property,
    }
    if kind in wrappers:
        return wrappers[kind](function)
    return function


def type_name(value: Any) -> str:
    """The name of `value`'s class, also for proxies (`type()` of a proxy is the proxy's)."""
    if _is_proxy(value):
        return str(object.__getattribute__(value, "_info").get("type", "object"))
    return type(value).__qualname__
