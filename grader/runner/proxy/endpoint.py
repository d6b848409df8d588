"""One end of the conversation between the trusted test process and the student process.

Frames are length-prefixed JSON. Either end may send a request while it waits for the answer
to its own (the student calls back into a test's function; the test calls again from inside
that callback), so `request` serves incoming requests until its own answer arrives.

Calls run concurrently on lanes. A lane is one call stack across the channel: a test's thread
calling into the submission opens one ("t1", "t2", ...), and so does a thread of the
submission calling a test's function on its own ("s1", ...). Every frame names its lane; a
reader thread on each end hands it to the one thread serving that lane there, so several test
threads can drive one student object at once, and the submission's worker threads can call
the tests' callbacks at once. The student end serves new lanes on its main thread, and on a
thread of their own when that one is busy.

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
import inspect
import json
import socket
import struct
import threading
import traceback
from collections import deque
from typing import Any, Callable

from grader.runner.proxy import codec
from grader.runner.proxy.rules import (
    ProtocolViolation,
    brief,
    local_only,
    no_constant,
    replayable,
)

MAX_FRAME = 64 * 1024 * 1024
HEADER = struct.Struct(">I")
# Calls in flight at once on one channel, and frames queued for one lane's thread: bounds
# on what a peer can make the other end hold.
MAX_LANES = 64
MAX_QUEUED = 64


class _Lane:
    """One call stack across the channel: the ids of this end's requests waiting on it, the
    frames that arrived for its thread, what the trusted end raised on it, its broken rule.
    """

    __slots__ = ("id", "inbox", "waiting", "raised", "violation")

    def __init__(self, lane_id: str) -> None:
        self.id = lane_id
        self.inbox: deque[dict[str, Any]] = deque()
        self.waiting: list[int] = []
        self.raised: list[int] = []
        self.violation: str | None = None


class ChannelClosed(ConnectionError):
    """The other process went away in the middle of a conversation."""


class ChannelTimeout(TimeoutError):
    """The other process did not answer in time."""


class Inert:
    """A value whose objects cross as handles the peer may pass back but never act on: what
    the trusted end shows only for identity (a callback's default arguments)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Endpoint:
    def __init__(self, sock: socket.socket, side: str) -> None:
        self.sock = sock
        self.side = side  # "trusted" or "student"
        self.next_id = 1
        self.objects: dict[int, Any] = {}
        self.ids_by_identity: dict[int, int] = {}
        self.proxies: dict[int, Any] = {}
        self.make_proxy: Callable[[Endpoint, dict[str, Any]], Any] = _no_proxies
        self.handle_request: Callable[[Endpoint, dict[str, Any]], Any] = _no_requests
        self.on_response: Callable[[dict[str, Any]], None] = lambda message: None
        self.closed = False
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
        # Lanes: each call stack that crosses the channel (a test's thread calling in, a
        # student's thread calling back) has a lane, and one thread on each end serves it.
        self.cond = threading.Condition()
        self.local = threading.local()
        self.lanes: dict[str, _Lane] = {}
        self.next_lane = 1
        self.new_lanes: deque[_Lane] = deque()
        self.idle_servers = 0
        self.max_lanes = MAX_LANES
        self.failure: ConnectionError | None = None
        self.reader: threading.Thread | None = None
        self.send_lock = threading.Lock()

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

    # ---- frames --------------------------------------------------------------------
    def send(self, message: dict[str, Any]) -> None:
        payload = json.dumps(message, ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
        if len(payload) > MAX_FRAME:
            raise codec.CodecError("message too large to send")
        try:
            with self.send_lock:
                self.sock.sendall(HEADER.pack(len(payload)) + payload)
        except socket.timeout:
            raise ChannelTimeout(f"the {self._peer()} did not read in time") from None
        except OSError as exc:
            raise ChannelClosed(f"the {self._peer()} went away ({exc})") from None

    def receive(self, patient: bool = False) -> dict[str, Any]:
        """The next frame. `patient`: a quiet peer is no error (the reader thread waits;
        each lane's thread keeps its own time)."""
        (size,) = HEADER.unpack(self._read_exact(HEADER.size, patient))
        if size > MAX_FRAME:
            raise ChannelClosed(f"the {self._peer()} sent a frame of {size} bytes")
        try:  # JSON only: no NaN or Infinity, which no reply could echo
            message = json.loads(
                self._read_exact(size, patient).decode("utf-8"),
                parse_constant=no_constant,
            )
        except (ValueError, RecursionError):
            raise ChannelClosed(f"the {self._peer()} sent a malformed frame") from None
        if not isinstance(message, dict):
            raise ChannelClosed(f"the {self._peer()} sent a malformed message")
        return message

    def _read_exact(self, size: int, patient: bool = False) -> bytes:
        chunks, remaining = [], size
        while remaining:
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except socket.timeout:
                if patient and not self.closed:
                    continue
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
    def start(self) -> None:
        """Start reading frames: from now on each lane's thread gets its own."""
        self.reader = threading.Thread(
            target=self._read_frames, name=f"grader-{self.side}-frames", daemon=True
        )
        self.reader.start()

    def close(self) -> None:
        """Close the channel; every thread waiting on a lane wakes with ChannelClosed."""
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self._fail(ChannelClosed(f"the channel to the {self._peer()} was closed"))

    def depth(self) -> int:
        """How many of this thread's requests are waiting for their answer."""
        lane = getattr(self.local, "lane", None)
        return len(lane.waiting) if lane is not None else 0

    def request(self, op: str, **fields: Any) -> Any:
        """Send a request and serve the peer's requests on this lane until the answer."""
        lane = getattr(self.local, "lane", None)
        opened = lane is None
        if opened:
            lane = self._open_lane()
        try:
            with self.cond:
                message_id = self.next_id
                self.next_id += 1
                lane.waiting.append(message_id)
            try:
                self.send({"id": message_id, "lane": lane.id, "op": op, **fields})
                while True:
                    message = self._next_frame(lane)
                    if "op" in message:
                        self.serve(message)
                        continue
                    if message.get("id") != message_id:
                        raise ChannelClosed(f"the {self._peer()} answered out of turn")
                    break
            except BaseException:
                # Left without its answer: the conversation is out of step from here on.
                self.local.unanswered = getattr(self.local, "unanswered", 0) + 1
                raise
            finally:
                lane.waiting.remove(message_id)
            return self._answer(message, message_id, lane)
        finally:
            if opened:
                self._close_lane(lane)

    def _open_lane(self) -> "_Lane":
        with self.cond:
            if self.failure is not None:
                raise self.failure
            lane = _Lane(f"{self.side[0]}{self.next_lane}")
            self.next_lane += 1
            self.lanes[lane.id] = lane
        self.local.lane = lane
        return lane

    def _close_lane(self, lane: "_Lane") -> None:
        self.local.lane = None
        with self.cond:
            self.lanes.pop(lane.id, None)
        for ref in lane.raised:  # the call is over: no answer can bring them back now
            self.raised.pop(ref, None)

    def _next_frame(self, lane: "_Lane") -> dict[str, Any]:
        timeout = self.timeout if self.timeout is not None else self.sock.gettimeout()
        with self.cond:
            if not self.cond.wait_for(
                lambda: lane.inbox or self.failure is not None, timeout
            ):
                raise ChannelTimeout(f"the {self._peer()} did not answer in time")
            if lane.inbox:
                return lane.inbox.popleft()
            assert self.failure is not None
            if self.trusted and self.violation is not None:
                raise ProtocolViolation(
                    "the process running your code broke the rules of its conversation "
                    f"with the tests: {self.violation}"
                )
            raise self.failure

    def _fail(self, failure: ConnectionError) -> None:
        with self.cond:
            if self.failure is None:
                self.failure = failure
            self.cond.notify_all()

    def _read_frames(self) -> None:
        """The reader thread: route each frame to the thread of its lane."""
        while True:
            try:
                message = self.receive(patient=True)
            except ChannelClosed as exc:
                self._fail(exc)
                return
            problem = self._route(message)
            if problem:
                self.violation = self.violation or problem
                self._fail(ChannelClosed(f"the {self._peer()} {problem}"))
                self.closed = True
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return

    def _route(self, message: dict[str, Any]) -> str:
        """Hand `message` to its lane's thread, or start serving a new lane; a problem
        that ends the conversation, or ""."""
        lane_id = message.get("lane")
        with self.cond:
            lane = self.lanes.get(lane_id) if isinstance(lane_id, str) else None
            if lane is not None:
                if len(lane.inbox) >= MAX_QUEUED:
                    return f"sent over {MAX_QUEUED} frames nobody asked for"
                lane.inbox.append(message)
                self.cond.notify_all()
                return ""
            if "op" not in message:
                return "answered a request nobody is waiting for"
            peer = "s" if self.side == "trusted" else "t"
            if not (
                isinstance(lane_id, str)
                and lane_id[:1] == peer
                and lane_id[1:].isdigit()
                and len(lane_id) <= 12
            ):
                return f"sent a request on a lane it cannot open ({brief(lane_id)})"
            if len(self.lanes) >= self.max_lanes:
                return f"opened over {self.max_lanes} calls at once"
            lane = _Lane(lane_id)
            lane.inbox.append(message)
            self.lanes[lane_id] = lane
            if self.idle_servers:
                self.new_lanes.append(lane)
                self.cond.notify_all()
                return ""
        threading.Thread(
            target=self._serve_lane,
            args=(lane,),
            name=f"grader-lane-{lane_id}",
            daemon=True,
        ).start()
        return ""

    def _serve_lane(self, lane: "_Lane") -> None:
        """Serve a call the peer started on a lane of its own, on this thread."""
        self.local.lane = lane
        try:
            with self.cond:
                message = lane.inbox.popleft()
            if self.trusted and not self.lanes_of_mine():
                # The tests are not calling the submission now: a thread the submission
                # left running gets an error rather than a test's code running meanwhile.
                self.send_reply(
                    {
                        "id": message.get("id"),
                        "lane": lane.id,
                        "ok": False,
                        "error": {
                            "type": "RuntimeError",
                            "builtin": "RuntimeError",
                            "message": "the tests are not calling your code now: a "
                            "thread of yours called a test's function after its call "
                            "had returned",
                        },
                    }
                )
                return
            self.serve(message)
        except (ChannelClosed, ChannelTimeout):
            pass  # the reader has seen it too: waiting threads are told
        finally:
            self._close_lane(lane)

    def lanes_of_mine(self) -> list[str]:
        with self.cond:
            return [i for i in self.lanes if i[:1] == self.side[0]]

    def serve_forever(self) -> None:
        """Serve the calls the peer starts, on this thread (the main one), until the channel
        closes; calls that arrive while this thread is busy get threads of their own."""
        while True:
            with self.cond:
                self.idle_servers += 1
                try:
                    self.cond.wait_for(lambda: self.new_lanes or self.failure)
                finally:
                    self.idle_servers -= 1
                if not self.new_lanes:
                    return
                lane = self.new_lanes.popleft()
            self._serve_lane(lane)

    def _answer(self, message: dict[str, Any], message_id: int, lane: "_Lane") -> Any:
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

    def _broke_rule(self, lane: "_Lane | None", problem: str) -> None:
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
        from grader.runner.proxy.errors import rebuild_exception

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
    """`file:line in function` of the innermost frame outside the grader itself."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    # walk_tb, not extract_tb: names and numbers only, no source file read for the lines.
    for frame, line in reversed(list(traceback.walk_tb(exc.__traceback__))):
        filename = frame.f_code.co_filename
        if "/grader/" not in filename.replace("\\", "/"):
            return f"{filename}:{line} in {frame.f_code.co_name}"
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
