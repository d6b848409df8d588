"""Helpers for hidden-test authors, working the same on proxies and on local objects.

In a hidden suite the submission's objects are proxies for objects in another process (see
docs/trust.md). Most Python works on them unchanged; the few introspection functions that read
an object's memory directly get a stand-in here.
"""

from __future__ import annotations

import importlib
import inspect
import os
from typing import Any

__all__ = ["getattr_static", "student_module", "student_pid", "type_name"]


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
    or rename (`with student_module("io").open(path, "w") as f: f.write(text)`; a `Path`
    crosses as plain data, so `pathlib` objects made there come back without their I/O), or
    start a server in its process (`student_module("uvicorn")`). Replace a function there
    with `setattr(student_module("os"), "replace", failing)`. Whatever the submission's
    process answers is the student's: check results from the test's own side (read the
    files, call the server, watch `student_pid()`).
    """
    from grader.sandbox.proxy import client

    if client.ACTIVE is None:
        return importlib.import_module(name)
    return client.ACTIVE.import_module(name)


def student_pid() -> int:
    """The pid of the process that runs the submission, as this process's `/proc` shows it.

    Read its memory or state from outside (`/proc/<pid>/status`): a pid the submission
    reports about itself could be any process's, and inside a jail it is another
    namespace's number.
    """
    from grader.sandbox.proxy import client

    if client.ACTIVE is None:
        return os.getpid()
    pid = client.ACTIVE.student_pid()
    if pid is None:
        raise RuntimeError("the process that runs the submission is not running")
    return pid
