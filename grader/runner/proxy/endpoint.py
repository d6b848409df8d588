"""One end of the conversation between the trusted test process and the student process.

Frames are length-prefixed JSON. Either end may send a request while it waits for the answer
to its own (the student calls back into a test's function; the test calls again from inside
that callback), so `request` serves incoming requests until its own answer arrives.

Each end keeps a table of its own objects that the other end holds handles to, and makes
proxies (see `proxies.py`) for the other end's objects. A handle sent back to its owner turns
into the original object again, so identity survives a round trip.
"""

from __future__ import annotations

import builtins
import inspect
import json
import socket
import struct
import threading
import traceback
from typing import Any, Callable

from grader.runner.proxy import codec

MAX_FRAME = 64 * 1024 * 1024
HEADER = struct.Struct(">I")


class ChannelClosed(ConnectionError):
    """The other process went away in the middle of a conversation."""


class ChannelTimeout(TimeoutError):
    """The other process did not answer in time."""


class Endpoint:
    def __init__(self, sock: socket.socket, side: str) -> None:
        self.sock = sock
        self.side = side  # "trusted" or "student": only used in messages
        self.lock = threading.RLock()
        self.next_id = 1
        self.objects: dict[int, Any] = {}
        self.ids_by_identity: dict[int, int] = {}
        self.proxies: dict[int, Any] = {}
        self.make_proxy: Callable[[Endpoint, dict[str, Any]], Any] = _no_proxies
        self.handle_request: Callable[[Endpoint, dict[str, Any]], Any] = _no_requests
        self.on_response: Callable[[dict[str, Any]], None] = lambda message: None
        self.closed = False
        self.pending = 0  # requests sent whose answer has not arrived
        self.connection: Any = None  # the trusted side's StudentConnection, if any
        self.timeout: float | None = None

    # ---- values --------------------------------------------------------------------
    def encode(self, value: Any) -> Any:
        return codec.encode(value, self._refer)

    def decode(self, data: Any) -> Any:
        return codec.decode(data, self._resolve)

    def _refer(self, value: Any) -> dict[str, Any]:
        if getattr(type(value), "_grader_proxy", False) and (
            object.__getattribute__(value, "_endpoint") is self
        ):  # a proxy of the peer's object: send it home
            return {
                "t": "ref",
                "home": "yours",
                "id": object.__getattribute__(value, "_ref"),
            }
        mirrored = getattr(value, "_grader_ref", None)
        if mirrored is not None and isinstance(value, type):
            return {"t": "ref", "home": "yours", "id": mirrored}
        remote = getattr(value, "_grader_remote_id", None)
        if remote is not None and isinstance(value, BaseException):
            return {"t": "ref", "home": "yours", "id": remote}
        return {"t": "ref", "home": "mine", **self.export(value)}

    def export(self, value: Any) -> dict[str, Any]:
        """Put `value` in this end's table; describe it so the peer can build a proxy."""
        key = id(value)
        ref = self.ids_by_identity.get(key)
        if ref is None or self.objects.get(ref) is not value:
            ref = len(self.objects) + 1
            self.objects[ref] = value
            self.ids_by_identity[key] = ref
        return {"id": ref, **describe(value, self)}

    def _resolve(self, data: dict[str, Any]) -> Any:
        if data.get("home") == "yours":
            try:
                return self.objects[data["id"]]
            except KeyError:
                raise codec.CodecError(
                    f"unknown handle {data.get('id')!r} (this end holds {len(self.objects)})"
                ) from None
        ref = data["id"]
        proxy = self.proxies.get(ref)
        if proxy is None:
            proxy = self.make_proxy(self, data)
            self.proxies[ref] = proxy
        return proxy

    # ---- frames --------------------------------------------------------------------
    def send(self, message: dict[str, Any]) -> None:
        payload = json.dumps(message, ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
        if len(payload) > MAX_FRAME:
            raise codec.CodecError("message too large to send")
        self.sock.sendall(HEADER.pack(len(payload)) + payload)

    def receive(self) -> dict[str, Any]:
        (size,) = HEADER.unpack(self._read_exact(HEADER.size))
        if size > MAX_FRAME:
            raise ChannelClosed(f"the {self._peer()} sent a frame of {size} bytes")
        message = json.loads(self._read_exact(size).decode("utf-8"))
        if not isinstance(message, dict):
            raise ChannelClosed(f"the {self._peer()} sent a malformed message")
        return message

    def _read_exact(self, size: int) -> bytes:
        chunks, remaining = [], size
        while remaining:
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except socket.timeout:
                raise ChannelTimeout(
                    f"the {self._peer()} did not answer in time"
                ) from None
            except OSError as exc:
                raise ChannelClosed(f"the {self._peer()} went away ({exc})") from None
            if not chunk:
                raise ChannelClosed(f"the {self._peer()} went away")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _peer(self) -> str:
        return "student process" if self.side == "trusted" else "test process"

    # ---- conversation --------------------------------------------------------------
    def request(self, op: str, **fields: Any) -> Any:
        """Send a request and serve the peer's requests until the answer comes back."""
        with self.lock:
            message_id = self.next_id
            self.next_id += 1
            self.send({"id": message_id, "op": op, **fields})
            self.pending += 1
            while True:
                message = self.receive()
                if "op" in message:
                    self.serve(message)
                    continue
                if message.get("id") != message_id:
                    raise ChannelClosed(f"the {self._peer()} answered out of turn")
                self.pending -= 1
                self.on_response(message)
                if message.get("ok"):
                    return self.decode(message.get("value"))
                raise self.rebuild_error(message.get("error") or {})

    def serve(self, message: dict[str, Any]) -> None:
        """Answer one request from the peer."""
        try:
            value = self.handle_request(self, message)
            reply = {"id": message["id"], "ok": True, "value": self.encode(value)}
        except BaseException as exc:  # every failure goes back to the caller as data
            if isinstance(exc, (ChannelClosed, ChannelTimeout)):
                raise
            reply = {
                "id": message["id"],
                "ok": False,
                "error": self.describe_error(exc),
            }
        self.send(self.decorate(reply))

    def decorate(self, reply: dict[str, Any]) -> dict[str, Any]:
        """Hook for the student end to attach captured output; identity elsewhere."""
        return reply

    # ---- errors --------------------------------------------------------------------
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
            "location": error_location(exc),
        }
        if getattr(builtins, kind.__name__, None) is not kind:
            error["class"] = self._refer(kind)
        # The instance travels as a handle too: when it comes home (a test's exception
        # raised through the student's code) it is the very same object again.
        error["instance"] = self._refer(exc)
        try:
            error["args"] = self.encode(list(exc.args))
        except codec.CodecError:
            pass
        if kind is StopIteration and exc.args:
            error["value"] = self.encode(exc.args[0])
        return error

    def rebuild_error(self, error: dict[str, Any]) -> BaseException:
        from grader.runner.proxy.proxies import rebuild_exception

        return rebuild_exception(self, error)


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
                    else endpoint._refer(b)
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
    """`file:line in function` of the innermost frame outside the grader itself."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if "/grader/" not in frame.filename.replace("\\", "/"):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return ""


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
