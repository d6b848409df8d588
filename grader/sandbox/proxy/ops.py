"""What one end will do for the other: the requests and the policy that limits them.

The student end serves every operation on its own objects. The trusted end serves only what a
callback needs (call it, iterate it, compare it, read its public attributes), and only on a
handle it handed over itself (`Endpoint.exported`): never on a path, a type or any other value
the student describes. A student must not reach a test function's globals, code or closure,
so no private or dunder attribute of a trusted object is ever handed out, and nothing trusted
is set, deleted or imported.

Two kinds of no at the trusted end. What our own student end sends for ordinary Python (read
`__dict__`, set an attribute, `dir()`) is declined with the exception Python would raise, which
the student's code may handle. Anything else (another target, an unknown operation, arguments
that do not decode as plain data) is a `ProtocolViolation`: the test's call fails whatever the
student answers afterwards.
"""

from __future__ import annotations

import importlib
import inspect
import operator
from typing import Any

from grader.sandbox.proxy.codec import CodecError
from grader.sandbox.proxy.endpoint import Endpoint, Inert
from grader.sandbox.proxy.rules import ProtocolViolation

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
        from grader.sandbox.proxy.proxies import define_subclass

        return define_subclass(endpoint, message)
    return _perform(endpoint, message)


# Operations the trusted end serves on its handles, and those it declines as Python would.
TRUSTED_OPS = frozenset({"getattr", "dunder", "call", "isinstance", "signature"})
DECLINED_OPS = frozenset({"setattr", "delattr", "dir", "static", "subclass"})
EMPTY_LIST = {"t": "list", "v": []}
EMPTY_DICT = {"t": "dict", "v": []}


def serve_trusted(endpoint: Endpoint, message: dict[str, Any]) -> Any:
    """The trusted end: only what a callback legitimately needs, on its own handles."""
    op = message.get("op")
    if not isinstance(op, str) or op not in TRUSTED_OPS | DECLINED_OPS:
        raise ProtocolViolation(f"an unknown operation {str(op)[:40]!r}")
    if op == "subclass":
        raise PermissionError("a test's class cannot be subclassed by the submission")
    target = endpoint.exported(message.get("target"))
    if op in DECLINED_OPS:
        raise PermissionError(f"{op} is not allowed on a test object")
    name = message.get("name")
    if op in ("getattr", "dunder") and not isinstance(name, str):
        raise ProtocolViolation(f"a {op} without a name")
    if op == "getattr":
        if name.startswith("_") and name not in PUBLIC_SPECIALS:
            raise AttributeError(
                f"{name} of a test object is not available to the submission"
            )
        return getattr(target, name)
    if op == "dunder":
        if name not in TRUSTED_DUNDERS:
            raise TypeError(f"{name} is not available on a test object")
        return DUNDERS[name](target, *_data(endpoint, message, "args", EMPTY_LIST))
    if op == "call":
        args = _data(endpoint, message, "args", EMPTY_LIST)
        kwargs = _data(endpoint, message, "kwargs", EMPTY_DICT)
        return target(*args, **kwargs)
    if op == "isinstance":
        return isinstance(target, _data(endpoint, message, "cls", None))
    # A default argument can be passed back (identity) but not used: it was not handed over.
    return [[*p[:3], Inert(p[3])] for p in describe_signature(target)]


def _data(endpoint: Endpoint, message: dict[str, Any], key: str, default: Any) -> Any:
    """A request's argument decoded as plain data, of the shape the operation needs."""
    try:
        value = endpoint.decode(message.get(key, default))
    except CodecError as exc:
        raise ProtocolViolation(
            f"an argument the tests do not accept ({exc})"
        ) from None
    if default is EMPTY_LIST and not isinstance(value, list):
        raise ProtocolViolation(f"{key} that are not a list")
    if default is EMPTY_DICT and not (
        isinstance(value, dict) and all(isinstance(k, str) for k in value)
    ):
        raise ProtocolViolation(f"{key} that are not a dict of names")
    return value


def _perform(endpoint: Endpoint, message: dict[str, Any]) -> Any:
    """Any operation on the student end's own objects (the trusted end: `serve_trusted`)."""
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
        return sorted(dir(target))
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
