"""What one end will do for the other: the requests and the policy that limits them.

The student end serves every operation on its own objects. The trusted end serves only what a
callback needs (call it, iterate it, compare it, read its public attributes): a student must
not reach a test function's globals, code or closure, so no private or dunder attribute of a
trusted object is ever handed out, and nothing trusted is set, deleted or imported.
"""

from __future__ import annotations

import importlib
import inspect
import operator
from typing import Any

from grader.runner.proxy.endpoint import Endpoint

# Dunder operations either end may ask for, mapped to how Python itself performs them.
DUNDERS = {
    "__len__": len,
    "__iter__": iter,
    "__next__": next,
    "__bool__": bool,
    "__hash__": hash,
    "__repr__": repr,
    "__str__": str,
    "__contains__": operator.contains,
    "__getitem__": operator.getitem,
    "__setitem__": operator.setitem,
    "__delitem__": operator.delitem,
    "__eq__": operator.eq,
    "__ne__": operator.ne,
    "__lt__": operator.lt,
    "__le__": operator.le,
    "__gt__": operator.gt,
    "__ge__": operator.ge,
    "__add__": operator.add,
    "__sub__": operator.sub,
    "__mul__": operator.mul,
    "__truediv__": operator.truediv,
    "__floordiv__": operator.floordiv,
    "__mod__": operator.mod,
    "__neg__": operator.neg,
    "__abs__": abs,
    "__radd__": lambda a, b: b + a,
    "__rsub__": lambda a, b: b - a,
    "__rmul__": lambda a, b: b * a,
    "__int__": int,
    "__float__": float,
    "__index__": operator.index,
    "__enter__": lambda obj: type(obj).__enter__(obj),
    "__exit__": lambda obj, *args: type(obj).__exit__(obj, *args),
}
TRUSTED_DUNDERS = {
    "__len__",
    "__iter__",
    "__next__",
    "__bool__",
    "__hash__",
    "__repr__",
    "__str__",
    "__contains__",
    "__getitem__",
    "__eq__",
    "__ne__",
    "__enter__",
    "__exit__",
}
PUBLIC_SPECIALS = {"__name__", "__qualname__", "__module__", "__doc__", "__wrapped__"}


def serve_student(endpoint: Endpoint, message: dict[str, Any]) -> Any:
    """The student end: any operation on the student's own objects, and imports."""
    op = message["op"]
    if op == "ready":  # the start-up handshake: answered before any student code runs
        return True
    if op == "import":
        return importlib.import_module(str(message["module"]))
    if op == "subclass":
        from grader.runner.proxy.proxies import define_subclass

        return define_subclass(endpoint, message)
    return _perform(endpoint, message, trusted=False)


def serve_trusted(endpoint: Endpoint, message: dict[str, Any]) -> Any:
    """The trusted end: only what a callback legitimately needs."""
    op = message["op"]
    if op in ("getattr",):
        name = str(message["name"])
        if name.startswith("_") and name not in PUBLIC_SPECIALS:
            raise AttributeError(
                f"{name} of a test object is not available to the submission"
            )
    elif op == "dunder":
        if message["name"] not in TRUSTED_DUNDERS:
            raise TypeError(f"{message['name']} is not available on a test object")
    elif op not in ("call", "isinstance", "signature"):
        raise PermissionError(f"{op} is not allowed on a test object")
    return _perform(endpoint, message, trusted=True)


def _perform(endpoint: Endpoint, message: dict[str, Any], trusted: bool) -> Any:
    op = message["op"]
    target = endpoint.decode(message["target"])
    if op == "getattr":
        return getattr(target, str(message["name"]))
    if op == "setattr":
        setattr(target, str(message["name"]), endpoint.decode(message["value"]))
        return None
    if op == "delattr":
        delattr(target, str(message["name"]))
        return None
    if op == "call":
        args = endpoint.decode(message.get("args", {"t": "list", "v": []}))
        kwargs = endpoint.decode(message.get("kwargs", {"t": "dict", "v": []}))
        return target(*args, **kwargs)
    if op == "dunder":
        args = endpoint.decode(message.get("args", {"t": "list", "v": []}))
        return DUNDERS[str(message["name"])](target, *args)
    if op == "isinstance":
        return isinstance(target, endpoint.decode(message["cls"]))
    if op == "signature":
        return describe_signature(target)
    if op == "static":
        found = inspect.getattr_static(target, str(message["name"]))
        inner = getattr(found, "__func__", getattr(found, "fget", found))
        return [type(found).__name__, inner]
    if op == "dir":
        return sorted(n for n in dir(target) if not (trusted and n.startswith("_")))
    raise PermissionError(f"unknown operation {op!r}")


def describe_signature(target: Any) -> list[list[Any]]:
    """A signature as data: [name, kind, has_default, default] per parameter."""
    parameters = inspect.signature(target).parameters.values()
    return [
        [
            p.name,
            int(p.kind),
            p.default is not p.empty,
            None if p.default is p.empty else p.default,
        ]
        for p in parameters
    ]
