"""Helpers for hidden-test authors, working the same on proxies and on local objects.

In a hidden suite the submission's objects are proxies for objects in another process (see
docs/trust.md). Most Python works on them unchanged; the few introspection functions that read
an object's memory directly get a stand-in here.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

__all__ = ["getattr_static", "student_module", "type_name"]


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


def student_module(name: str) -> Any:
    """The module `name` as the submission's process has it: a proxy under the process split,
    the module itself when the tests share the submission's process.

    For what a test must do as the submission's user: create the files its code will replace
    or rename (`student_module("pathlib").Path(...).write_text(...)`), or start a server in
    its process (`student_module("uvicorn")`). Whatever the submission's process answers is
    the student's: check results from the test's own side (read the files, call the server).
    """
    from grader.runner.proxy import client

    if client.ACTIVE is None:
        return importlib.import_module(name)
    return client.ACTIVE.import_module(name)
