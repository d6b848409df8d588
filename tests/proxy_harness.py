"""A trusted `Endpoint` and a scripted student peer, for the protocol's property tests.

The trusted end is configured as `client.py` configures it and holds the handles a test would
have handed over; the peer writes raw frames. `check_outcome` states what any conversation
must leave true at the trusted end (see tests/test_proxy_properties.py).
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import os
import socket
import struct
import sys
import threading
from decimal import Decimal
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from grader.sandbox.proxy import arrays, codec
from grader.sandbox.proxy.client import replay_output
from grader.sandbox.proxy.channel import ChannelClosed, ChannelTimeout
from grader.sandbox.proxy.endpoint import Endpoint
from grader.sandbox.proxy.errors import may_raise
from grader.sandbox.proxy.ops import serve_trusted
from grader.sandbox.proxy.proxies import (
    RemoteClass,
    RemoteFunction,
    RemoteObject,
    make_proxy,
)

HEADER = struct.Struct(">I")

# ---- the file-system watch -------------------------------------------------------------
# Reading our own installation (a module imported lazily) or time-zone data is not the
# student's doing; any other open, any write, listing, removal, change or process is.
READABLE = tuple(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr/share/zoneinfo"}
    | {p for p in sys.path if "site-packages" in p or "python3" in p}
)
WATCHED = tuple(
    "os. shutil. subprocess. glob. tempfile. socket. ctypes. pty. fcntl. mmap. webbrowser.".split()
)
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_watch: dict[str, Any] = {"thread": None, "events": []}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watch["thread"] != threading.get_ident():
        return
    if event == "open":
        path, mode, flags = (list(args) + [None, None, None])[:3]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writes or not (isinstance(path, str) and path.startswith(READABLE)):
            _watch["events"].append((event, args[:2]))
    elif event.startswith(WATCHED):
        _watch["events"].append((event, args[:2]))


sys.addaudithook(_audit)  # hooks cannot be removed: this one only looks at one thread
assert arrays  # imported before the watch, as the trusted process would have it by then


# ---- the trusted end and a scripted student --------------------------------------------
class OwnError(Exception):
    pass


class Outcome:
    """A test's object handed to the student: it may read it, never change it."""

    status = "failed"

    def describe(self) -> str:
        return self.status


class Conversation:
    """A trusted end holding the handles a test would have handed over, and a raw peer."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        mine.settimeout(2)
        self.trusted = Endpoint(mine, "trusted")
        self.trusted.make_proxy = make_proxy
        self.trusted.handle_request = serve_trusted
        self.trusted.on_response = replay_output
        self.trusted.start()
        self.peer = theirs
        self.calls: list[tuple[Any, Any]] = []
        self.failed = 0
        self.outcome = Outcome()
        self.interrupt = KeyboardInterrupt("the test's own")
        self.own_error = OwnError("own")

        def callback(*args: Any, **kwargs: Any) -> int:
            self.calls.append((args, kwargs))
            return len(self.calls)

        def failing(*args: Any, **kwargs: Any) -> None:
            self.failed += 1
            raise self.own_error

        self.handles = {
            name: self.trusted.encode(value)
            for name, value in (
                ("callback", callback),
                ("failing", failing),
                ("outcome", self.outcome),
                ("interrupt", self.interrupt),
                ("own_error", self.own_error),
            )
        }
        # The test's exception class, named as an error's class: known, not a target.
        self.handles["own_class"] = self.trusted.describe_error(self.own_error)["class"]
        self.trusted.raised.clear()
        self.own = list(self.trusted.objects.values())
        self.replies: list[bytes] = []
        self.asked = threading.Event()

    def _drain(self) -> None:
        while True:
            try:
                chunk = self.peer.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self.replies.append(chunk)
            self.asked.set()

    def _write(self, frames: list[bytes]) -> None:
        self.asked.wait(5)  # a peer answers once it has been asked
        try:
            self.peer.sendall(b"".join(frames))
            self.peer.shutdown(
                socket.SHUT_WR
            )  # no more frames: the channel then closes
        except OSError:
            pass  # the trusted end stopped reading: it closed the channel

    def run(self, frames: list[bytes]) -> tuple[str, Any]:
        """The test's call, answered by `frames`: ("ok", value) or ("raised", exception)."""
        drain = threading.Thread(target=self._drain, daemon=True)
        write = threading.Thread(target=self._write, args=(frames,), daemon=True)
        drain.start()
        write.start()
        _watch["thread"], _watch["events"] = threading.get_ident(), []
        try:
            outcome: tuple[str, Any] = (
                "ok",
                self.trusted.request(
                    "call",
                    target={"t": "ref", "home": "yours", "id": 1},
                    args={"t": "list", "v": []},
                ),
            )
        except BaseException as exc:  # judged by the caller
            outcome = ("raised", exc)
        finally:
            _watch["thread"] = None
            self.trusted.sock.close()
            drain.join(5)
            write.join(5)
            self.peer.close()
        return outcome


def frame(message: Any) -> bytes:
    """A frame on the lane of the test's call (the trusted end's first), unless it names one."""
    if isinstance(message, dict):
        message = {"lane": "t1", **message}
    payload = json.dumps(message).encode("utf-8")
    return HEADER.pack(len(payload)) + payload


# ---- what counts as plain data ---------------------------------------------------------
LEAVES = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    bytearray,
    Decimal,
    Fraction,
    dt.datetime,
    dt.date,
    dt.time,
    dt.timedelta,
    PurePosixPath,
    pd.Timestamp,
    pd.Timedelta,
    type(pd.NA),
    type(pd.NaT),
)
PROXIES = (RemoteObject, RemoteClass, RemoteFunction)


def plain_type(kind: type) -> bool:
    return (
        kind in codec.INERT_BUILTINS
        or (
            issubclass(kind, BaseException)
            and getattr(builtins, kind.__name__, 0) is kind
        )
        or (  # a namedtuple class made by the codec from checked names
            issubclass(kind, tuple) and kind.__module__ == codec.__name__
        )
        or ("_grader_ref" in vars(kind) and may_raise(kind))  # a mirrored exception
    )


def assert_plain(value: Any, own: list[Any], where: str = "value") -> None:
    """`value` is plain data, a proxy, or one of the test's own objects coming home."""
    if any(value is o for o in own) or type(value) in PROXIES:
        return
    kind = type(value)
    if kind in LEAVES:
        return
    if isinstance(value, type):
        assert plain_type(value), f"{where} is the type {value!r}"
        return
    if kind in (list, tuple, set, frozenset) or (
        isinstance(value, tuple) and kind.__module__ == codec.__name__
    ):
        for index, item in enumerate(value):
            assert_plain(item, own, f"{where}[{index}]")
        return
    if kind is dict:
        for key, item in value.items():
            assert_plain(key, own, f"{where} key")
            assert_plain(item, own, f"{where}[{key!r}]")
        return
    if kind is np.ndarray:
        if value.dtype.hasobject:
            for index, item in enumerate(value.ravel().tolist()):
                assert_plain(item, own, f"{where}.flat[{index}]")
        return
    if isinstance(value, (pd.Series, pd.Index, pd.DataFrame)):
        assert_plain(np.asarray(value.to_numpy(), dtype=object), own, where)
        return
    raise AssertionError(f"{where} is a {kind.__module__}.{kind.__qualname__}")


def check_outcome(conversation: Conversation, outcome: tuple[str, Any]) -> None:
    """The properties every conversation keeps, whatever the student sent."""
    assert _watch["events"] == [], f"the trusted end touched the system: {_watch}"
    how, value = outcome
    own = conversation.own
    if how == "ok":
        assert_plain(value, own)
    else:
        assert isinstance(value, Exception), f"a {type(value).__name__} escaped"
        if value is conversation.own_error:
            assert conversation.failed, "the test's exception came back uninvited"
        else:
            assert all(value is not o for o in own), f"{value!r} came back"
            assert may_raise(type(value)) or type(value) in (
                ChannelClosed,
                ChannelTimeout,
            ), type(value)
            assert_plain(list(value.args), own, "args")
            for key, item in vars(value).items():
                if key != "_grader_remote":
                    assert_plain(item, own, key)
    for args, kwargs in conversation.calls:
        assert_plain(list(args), own, "a callback's args")
        assert_plain(kwargs, own, "a callback's kwargs")
    for made in conversation.trusted.proxies.values():
        assert type(made) in PROXIES or plain_type(made), made
    # The test's objects are as the test left them, and all the trusted end handed out
    # since is a public method of one of them or an error it raised while serving.
    assert Outcome.status == "failed" and vars(conversation.outcome) == {}
    handed = list(conversation.trusted.objects.values())
    assert handed[: len(own)] == own
    for made in handed[len(own) :]:
        if isinstance(made, BaseException) or (
            isinstance(made, type) and issubclass(made, BaseException)
        ):
            continue
        owner = getattr(made, "__self__", None)
        assert any(owner is o for o in own), f"the trusted end made {made!r}"
