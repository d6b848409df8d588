"""Exceptions across the process boundary: mirrored classes and rebuilt instances.

A peer's exception class is mirrored as a real local class (so `pytest.raises(GradeBookError)`
and `except` work), with the peer's builtin base: a student's `InvalidScoreError(ValueError)`
is a `ValueError` here. An exception that comes back to the process that raised it (a test's
callback raising through the student's code) is the very same object again.

In the trusted process, what the student describes is checked after it is resolved:

- a rebuilt exception is a new instance (made with `__new__`, no `__init__` runs) of a class
  that `may_raise` allows: an `Exception` subclass other than `pytest.exit`'s, whether it is
  a builtin, a mirror or a test's own class;
  anything else becomes a `RuntimeError` naming what the student raised. So no
  KeyboardInterrupt, SystemExit (pytest would re-raise it from the repr of a failure's
  arguments), GeneratorExit or other `BaseException` from the student reaches pytest;
- a mirrored class gets only bases that `may_raise` allows;
- the original object comes back only when the trusted end raised it while the request being
  answered was waiting (see `Endpoint.raised`), and it is not an interrupt or exit: the test's
  own `Abort(BaseException)` or timeout, raised by its callback through the student's code,
  keeps its identity; an exception the test merely handed over as a value never does.
"""

from __future__ import annotations

import builtins
import sys
from typing import TYPE_CHECKING, Any

from grader.sandbox.proxy.codec import CodecError

if (
    TYPE_CHECKING
):  # the endpoint imports this module when it rebuilds a peer's exception
    from grader.sandbox.proxy.endpoint import Endpoint

MAX_MIRROR_DEPTH = 8
NEVER_BACK = (KeyboardInterrupt, SystemExit, GeneratorExit)


def may_raise(kind: Any) -> bool:
    """May the trusted process raise a new exception of `kind` built from student data?"""
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        return False
    # pytest.exit()'s class is an Exception that ends the whole session: by identity, since
    # a mirrored class may carry any name and module.
    outcomes = sys.modules.get("_pytest.outcomes")
    return outcomes is None or not issubclass(kind, outcomes.Exit)


def mirror_exception_class(endpoint: Endpoint, data: dict[str, Any]) -> type:
    """A real local exception class standing for the peer's, with mirrored bases."""
    bases = _mirrored_bases(endpoint, data.get("bases"))
    key = (data.get("module"), data.get("qualname"))
    mirrors = getattr(getattr(endpoint, "connection", None), "mirrors", None)
    if mirrors is not None and _hashable(key) and key in mirrors:
        known = mirrors[key]
        known._grader_ref = data["id"]  # the same class, now living in a new process
        return known
    name = _text(data.get("name"), "StudentError") or "StudentError"
    namespace = {
        "__module__": _text(data.get("module"), "student"),
        "__qualname__": _text(data.get("qualname"), name),
        "__doc__": _text(data.get("doc"), None),
        "_grader_ref": data["id"],
        "__getattr__": _remote_exception_attribute,
        "__str__": _remote_exception_text,
    }
    try:
        mirror = type(name, tuple(bases) or (Exception,), namespace)
    except (TypeError, ValueError):  # bases that do not combine, a NUL in the name
        namespace["__qualname__"] = "StudentError"
        mirror = type("StudentError", (Exception,), namespace)
    if mirrors is not None and _hashable(key):
        mirrors[key] = mirror
    return mirror


def _mirrored_bases(endpoint: Endpoint, described: Any) -> list[type]:
    bases: list[type] = []
    if not isinstance(described, list) or endpoint.mirroring >= MAX_MIRROR_DEPTH:
        return bases
    endpoint.mirroring += 1
    try:
        for base in described:
            if isinstance(base, dict) and "builtin" in base:
                found = getattr(builtins, str(base["builtin"]), Exception)
                bases.append(found if isinstance(found, type) else Exception)
            else:
                try:
                    bases.append(endpoint.decode(base))
                except CodecError:
                    if not endpoint.trusted:
                        raise
    finally:
        endpoint.mirroring -= 1
    allowed = may_raise if endpoint.trusted else _exception_class
    return [b for b in bases if allowed(b)]


def _exception_class(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseException)


def _remote_exception_text(self: BaseException) -> str:
    """The peer's str() of the exception, which its own __str__ may have shaped."""
    return str(self.__dict__.get("_grader_message", BaseException.__str__(self)))


def _remote_exception_attribute(self: BaseException, name: str) -> Any:
    remote = self.__dict__.get("_grader_remote")
    if remote is None or name.startswith("__"):
        raise AttributeError(name)
    return getattr(remote, name)


def rebuild_exception(
    endpoint: Endpoint, error: Any, answering: int | None = None
) -> BaseException:
    """The peer's exception as a local one of the same type, args, message and location.

    `answering`: the id of the request this error answers (the trusted end checks that an
    original it gets back was raised while that request was waiting).
    """
    if not isinstance(error, dict):
        error = {}
    instance = error.get("instance")
    if not isinstance(instance, dict):
        instance = None
    if instance is not None and instance.get("home") == "yours":
        original = _original(endpoint, instance, answering)
        if original is not None:
            return (
                original  # our own exception, back from a trip through the peer's code
            )
    message = _text(error.get("message"), "")[:4000]
    kind = _kind(endpoint, error)
    args: tuple[Any, ...] = (message,)
    if "args" in error:
        try:
            decoded = endpoint.decode(error["args"])
            args = tuple(decoded) if isinstance(decoded, list) else args
        except CodecError:
            if not endpoint.trusted:
                raise
    if endpoint.trusted and not may_raise(kind):
        # A KeyboardInterrupt, SystemExit or GeneratorExit from student code must not stop
        # the test run: it fails the test that made the call.
        kind, args = RuntimeError, (f"{_text(error.get('type'), '')[:200]}: {message}",)
    try:
        exc: BaseException = kind.__new__(kind)
        exc.args = args
    except Exception:
        exc = RuntimeError(f"{_text(error.get('type'), '')[:200]}: {message}")
    exc.__dict__["_grader_message"] = message
    if instance is not None and instance.get("home") != "yours":
        try:
            exc.__dict__["_grader_remote"] = endpoint.decode(instance)
            exc.__dict__["_grader_remote_id"] = instance.get("id")
        except CodecError:
            if not endpoint.trusted:
                raise
    exc.__dict__["_grader_location"] = _text(error.get("location"), "")[:1000]
    return exc


def _original(
    endpoint: Endpoint, instance: dict[str, Any], answering: int | None
) -> BaseException | None:
    """This end's own exception named by `instance`, when it may come back as itself."""
    if not endpoint.trusted:
        original = endpoint.decode(instance)
        return original if isinstance(original, BaseException) else None
    ref = instance.get("id")
    original = endpoint.objects.get(ref) if type(ref) is int else None
    waiting = endpoint.raised.get(ref, frozenset()) if type(ref) is int else frozenset()
    if (
        isinstance(original, BaseException)
        and answering in waiting
        and not isinstance(original, NEVER_BACK)
    ):
        return original
    return None


def _kind(endpoint: Endpoint, error: dict[str, Any]) -> Any:
    if "class" in error:
        try:
            return endpoint.decode(error["class"])
        except CodecError:
            if not endpoint.trusted:
                raise
            return None
    found = getattr(builtins, _text(error.get("builtin"), "Exception"), Exception)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return Exception


def _text(value: Any, default: Any) -> Any:
    return value if isinstance(value, str) else default


def _hashable(key: Any) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True
