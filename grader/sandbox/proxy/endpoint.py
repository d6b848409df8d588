"""One end of the conversation between the trusted test process and the student process.

Frames are length-prefixed JSON. Either end may send a request while it waits for the answer
to its own (the student calls back into a test's function; the test calls again from inside
that callback), so `request` serves incoming requests until its own answer arrives.

Calls run concurrently, each on its lane (see `lanes.py`); frames are in `channel.py`.

Each end keeps a table of its own objects that the other end holds handles to, and makes
proxies (see `proxies.py`) for the other end's objects. A handle sent back to its owner turns
into the original object again, so identity survives a round trip.

The two ends are not equal. The student end serves anything on its own objects. The trusted
end (`side="trusted"`) acts only on handles it exported itself as values, decodes what it
receives as plain data (`codec.decode(..., trusted=True)`), rebuilds the student's exceptions
as new local ones of allowed classes (`errors.py`), and answers a frame that breaks these rules
with a `ProtocolViolation` for the call the test is making: that test fails.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import os
import socket
import sysconfig
import traceback
from typing import Any, Callable

from grader.sandbox.proxy import codec
from grader.sandbox.proxy.channel import ChannelClosed, ChannelTimeout
from grader.sandbox.proxy.lanes import Lanes, _Lane
from grader.sandbox.proxy.rules import ProtocolViolation, brief, local_only, replayable


class Inert:
    """A value whose objects cross as handles the peer may pass back but never act on: what
    the trusted end shows only for identity (a callback's default arguments)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Endpoint(Lanes):
    def __init__(self, sock: socket.socket, side: str) -> None:
        super().__init__(sock, side)
        self.objects: dict[int, Any] = {}
        self.ids_by_identity: dict[int, int] = {}
        self.proxies: dict[int, Any] = {}
        self.make_proxy: Callable[[Endpoint, dict[str, Any]], Any] = _no_proxies
        self.handle_request: Callable[[Endpoint, dict[str, Any]], Any] = _no_requests
        self.on_response: Callable[[dict[str, Any]], None] = lambda message: None
        self.connection: Any = None  # the trusted side's StudentConnection, if any
        self.timeout: float | None = None
        # The restricted end (see the module's docstring), and the handles of its table the
        # peer may act on: those it handed over as values.
        self.trusted = side == "trusted"
        self.targets: set[int] = set()
        # Exceptions this end raised to the peer -> the requests of that lane that were
        # waiting then: the only answers in which the very same exception may come back.
        self.raised: dict[int, frozenset[int]] = {}
        # A rule broken where no test's call could fail for it (see _broke_rule).
        self.violation: str | None = None
        self.mirroring = 0  # nesting of exception classes being mirrored

    # ---- values --------------------------------------------------------------------
    def encode(self, value: Any) -> Any:
        return codec.encode(value, self._refer)

    def decode(self, data: Any) -> Any:
        return codec.decode(data, self._resolve, trusted=self.trusted)

    def _refer(self, value: Any, target: bool = True) -> Any:
        if type(value) is Inert:
            return codec.encode(value.value, lambda v: self._refer(v, target=False))
        if getattr(type(value), "_grader_proxy", False) and (
            object.__getattribute__(value, "_endpoint") is self
        ):  # a proxy of the peer's object: send it home
            return {
                "t": "ref",
                "home": "yours",
                "id": object.__getattribute__(value, "_ref"),
            }
        # Checked on the class or the instance's own dict, never through __getattr__, which
        # on a proxy or a mirrored exception would ask the peer.
        if isinstance(value, type):
            mirrored = getattr(value, "_grader_ref", None)
            if mirrored is not None:
                return {"t": "ref", "home": "yours", "id": mirrored}
        if isinstance(value, BaseException):
            remote = value.__dict__.get("_grader_remote_id")
            if remote is not None:
                return {"t": "ref", "home": "yours", "id": remote}
        return {"t": "ref", "home": "mine", **self.export(value, target)}

    def export(self, value: Any, target: bool = True) -> dict[str, Any]:
        """Put `value` in this end's table; describe it so the peer can build a proxy.

        `target`: the peer may act on it (a value this end handed over). Classes named only
        to describe an exception (its class, their bases) are for identity, not for use.
        """
        key = id(value)
        ref = self.ids_by_identity.get(key)
        if ref is None or self.objects.get(ref) is not value:
            ref = len(self.objects) + 1
            self.objects[ref] = value
            self.ids_by_identity[key] = ref
        if target:
            self.targets.add(ref)
        return {"id": ref, **describe(value, self)}

    def exported(self, handle: Any) -> Any:
        """The trusted end's object that `handle` names, if it was handed over as a value."""
        ref = handle.get("id") if isinstance(handle, dict) else None
        if (
            not isinstance(handle, dict)
            or handle.get("t") != "ref"
            or handle.get("home") != "yours"
            or type(ref) is not int
            or ref not in self.targets
        ):
            raise ProtocolViolation(
                f"a request on {brief(handle)}, not on a handle the tests gave it"
            )
        return self.objects[ref]

    def _resolve(self, data: dict[str, Any]) -> Any:
        ref, home = data.get("id"), data.get("home")
        if self.trusted and (type(ref) is not int or home not in ("yours", "mine")):
            raise codec.CodecError(f"malformed handle {brief(data)}")
        if home == "yours":
            try:
                return self.objects[ref]
            except (KeyError, TypeError):
                raise codec.CodecError(
                    f"unknown handle {brief(ref)} (this end holds {len(self.objects)})"
                ) from None
        proxy = self.proxies.get(ref)
        if proxy is None:
            proxy = self.make_proxy(self, data)
            self.proxies[ref] = proxy
        return proxy

    def _answer(self, message: dict[str, Any], message_id: int, lane: _Lane) -> Any:
        if not self.trusted:
            self.on_response(message)
            if message.get("ok"):
                return self.decode(message.get("value"))
            raise self.rebuild_error(message.get("error") or {}, message_id)
        self.on_response(replayable(message))
        if lane.violation is None and message.get("ok"):
            try:
                return self.decode(message.get("value"))
            except codec.CodecError as exc:
                lane.violation = f"an answer the tests do not accept ({exc})"
        if lane.violation is not None:
            raise ProtocolViolation(
                f"the process running your code broke the rules of its conversation "
                f"with the tests: {lane.violation}"
            )
        raise self.rebuild_error(message.get("error"), message_id)

    def serve(self, message: dict[str, Any]) -> None:
        """Answer one request from the peer, on this thread's lane."""
        lane = getattr(self.local, "lane", None)
        message_id = message.get("id")
        if self.trusted and type(message_id) is not int:
            self._broke_rule(lane, "a request without a number")
            return  # nothing on the other side can be waiting for its answer
        try:
            value = self.handle_request(self, message)
            reply = {"id": message_id, "ok": True, "value": self.encode(value)}
        except BaseException as exc:  # every failure goes back to the caller as data
            if isinstance(exc, (ChannelClosed, ChannelTimeout)):
                raise
            if self.trusted and local_only(exc):
                raise  # the tests' own interrupt or timeout: never the peer's to catch
            if self.trusted and isinstance(exc, ProtocolViolation):
                self._broke_rule(lane, str(exc))
            reply = {"id": message_id, "ok": False, "error": self._error_data(exc)}
        if lane is not None:
            reply["lane"] = lane.id
        self.send_reply(reply)

    def send_reply(self, reply: dict[str, Any]) -> None:
        self.send(self.decorate(reply))

    def _broke_rule(self, lane: _Lane | None, problem: str) -> None:
        """A broken rule fails the test's call on this lane. On a lane the submission
        started (its own thread calling a test's function) no test call is waiting: the
        channel closes, and every call the tests are making fails with the reason."""
        if lane is not None and lane.id[:1] == self.side[0]:
            lane.violation = lane.violation or problem
            return
        self.violation = self.violation or problem
        self.close()

    def decorate(self, reply: dict[str, Any]) -> dict[str, Any]:
        """Hook for the student end to attach captured output; identity elsewhere."""
        return reply

    # ---- errors --------------------------------------------------------------------
    def _error_data(self, exc: BaseException) -> dict[str, Any]:
        try:
            return self.describe_error(exc)
        except Exception:  # an exception whose class or args cannot be described
            return {"type": "Exception", "builtin": "Exception", "message": ""}

    def describe_error(self, exc: BaseException) -> dict[str, Any]:
        kind = type(exc)
        builtin = next(
            (
                c.__name__
                for c in kind.__mro__
                if getattr(builtins, c.__name__, None) is c
            ),
            "Exception",
        )
        error: dict[str, Any] = {
            "type": kind.__name__,
            "builtin": builtin,
            "message": _safe_str(exc)[:4000],
            # Where a test's code raised is none of the submission's business.
            "location": "" if self.trusted else error_location(exc),
        }
        if getattr(builtins, kind.__name__, None) is not kind:
            error["class"] = self._refer(kind, target=False)
        # The instance travels as a handle too: when it comes home (a test's exception
        # raised through the student's code) it is the very same object again.
        error["instance"] = self._refer(exc)
        lane = getattr(self.local, "lane", None)
        if self.trusted and error["instance"]["home"] == "mine" and lane is not None:
            self.raised[error["instance"]["id"]] = frozenset(lane.waiting)
            lane.raised.append(error["instance"]["id"])
        try:
            error["args"] = self.encode(list(exc.args))
        except codec.CodecError:
            pass
        if kind is StopIteration and exc.args:
            error["value"] = self.encode(exc.args[0])
        return error

    def rebuild_error(self, error: Any, answering: int | None = None) -> BaseException:
        from grader.sandbox.proxy.errors import rebuild_exception

        return rebuild_exception(self, error, answering)


def describe(value: Any, endpoint: Endpoint) -> dict[str, Any]:
    """What the peer needs to build a faithful proxy without asking again."""
    info: dict[str, Any] = {"kind": "object", "type": _safe_name(type(value))}
    if inspect.ismodule(value):
        info["kind"] = "module"
    elif isinstance(value, type):
        info["kind"] = (
            "exception_class" if issubclass(value, BaseException) else "class"
        )
        if info["kind"] == "exception_class":
            info["bases"] = [
                (
                    {"builtin": b.__name__}
                    if getattr(builtins, b.__name__, None) is b
                    else endpoint._refer(b, target=False)
                )
                for b in value.__bases__
            ]
    elif callable(value):
        info["kind"] = "function"
    for attr in ("__name__", "__qualname__", "__module__", "__doc__"):
        try:
            found = inspect.getattr_static(value, attr, None)
            text = (
                getattr(value, attr, None)
                if found is not None or attr != "__doc__"
                else None
            )
        except Exception:
            text = None
        if isinstance(text, str):
            info[attr.strip("_")] = text[:4000]
    return info


def error_location(exc: BaseException) -> str:
    """`file:line in function` of the innermost frame in the submission's own code.

    An error raised inside the standard library or an installed package (`json.loads` on
    bad text) is placed at the student's call into it; only when no frame is the
    student's, the innermost frame outside the grader itself.
    """
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    fallback = ""
    # walk_tb, not extract_tb: names and numbers only, no source file read for the lines.
    for frame, line in reversed(list(traceback.walk_tb(exc.__traceback__))):
        filename = frame.f_code.co_filename
        if "/grader/" in filename.replace("\\", "/") or filename.startswith("<"):
            continue
        where = f"{filename}:{line} in {frame.f_code.co_name}"
        if not os.path.realpath(filename).startswith(_library_folders()):
            return where
        fallback = fallback or where
    return fallback


@functools.lru_cache(maxsize=1)
def _library_folders() -> tuple[str, ...]:
    """Where the standard library and installed packages live: never the student's code."""
    paths = sysconfig.get_paths()
    folders = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return tuple(os.path.realpath(f) + os.sep for f in folders if f)


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<{type(exc).__name__} whose str() failed>"


def _safe_name(kind: type) -> str:
    return str(getattr(kind, "__qualname__", "object"))


def _no_proxies(endpoint: Endpoint, data: dict[str, Any]) -> Any:
    raise codec.CodecError("this end cannot hold the peer's objects")


def _no_requests(endpoint: Endpoint, message: dict[str, Any]) -> Any:
    raise PermissionError("this end does not take requests")
