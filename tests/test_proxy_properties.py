"""Property-based tests of the proxy protocol at the trusted end (issue #10).

A scripted student peer writes arbitrary frames to a trusted `Endpoint` configured as
`client.py` configures it, while that end waits for the answer to a test's call: requests with
every operation and every kind of target, answers (ok, error, out of turn), every codec tag,
nested and malformed, raw bytes that are not JSON. Whatever arrives, handling it must not
touch the file system (an audit hook watches the trusted thread), build anything but plain
data, raise anything but an `Exception` (the test's failure), nor change the test's own
objects; a request on anything but a handle the tests handed over fails the call.
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
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.runner.proxy import arrays, codec
from grader.runner.proxy.client import replay_output
from grader.runner.proxy.endpoint import ChannelClosed, ChannelTimeout, Endpoint
from grader.runner.proxy.errors import may_raise
from grader.runner.proxy.ops import serve_trusted
from grader.runner.proxy.proxies import (
    RemoteClass,
    RemoteFunction,
    RemoteObject,
    make_proxy,
)
from grader.runner.proxy.rules import ProtocolViolation

PROPERTY = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEADER = struct.Struct(">I")

# ---- the file-system watch -------------------------------------------------------------
# Reading our own installation (a module imported lazily) or time-zone data is not the
# student's doing; any other open, any write, listing, removal, change or process is.
READABLE = tuple(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr/share/zoneinfo"}
    | {p for p in sys.path if "site-packages" in p or "python3" in p}
)
WATCHED = (
    "os.",
    "shutil.",
    "subprocess.",
    "glob.",
    "tempfile.",
    "socket.",
    "ctypes.",
    "pty.",
    "fcntl.",
    "mmap.",
    "webbrowser.",
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

    def _drain(self) -> None:
        while True:
            try:
                chunk = self.peer.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self.replies.append(chunk)

    def _write(self, frames: list[bytes]) -> None:
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
        or (issubclass(kind, Exception) and getattr(builtins, kind.__name__, 0) is kind)
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


# ---- the student's frames --------------------------------------------------------------
TAGS = [
    "list",
    "tuple",
    "set",
    "frozenset",
    "dict",
    "namedtuple",
    "namedtuple_class",
    "path",
    "builtin",
    "float",
    "bytes",
    "bytearray",
    "datetime",
    "date",
    "time",
    "timedelta",
    "decimal",
    "fraction",
    "complex",
    "ndarray",
    "dataframe",
    "series",
    "pd.NA",
    "pd.NaT",
    "pd.Timestamp",
    "pd.Timedelta",
    "ref",
    "callback",
    "module",
    "",
]
PATHS = ["/job/job.json", "/job/hidden", "/etc/passwd", "hidden.jsonl", "~", ""]
NAMES = [
    "type",
    "object",
    "open",
    "__import__",
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "BaseException",
    "ValueError",
    "int",
    "property",
    "memoryview",
    "eval",
    "__dict__",
    "Path",
]
DTYPES = [
    "int64",
    "float64",
    "object",
    "category",
    "string[pyarrow]",
    "datetime64[ns, dateutil//job/job.json]",
    "datetime64[ns, dateutil/Europe/Paris]",
    "datetime64[ns, tzlocal()]",
    "datetime64[ns, UTC]",
    "datetime64[ns, Europe/Paris]",
    "<M8[ns]",
    "|O",
    "V8",
    "<i8",
]
EXCEPTIONS = [
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "BaseException",
    "BaseExceptionGroup",
    "ExceptionGroup",
    "StopIteration",
    "ValueError",
    "OSError",
    "open",
    "",
]
text = st.one_of(st.sampled_from(PATHS + NAMES + DTYPES), st.text(max_size=12))
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
raw = st.one_of(
    scalars,
    st.lists(st.one_of(numbers, text), max_size=4),
    st.dictionaries(text, scalars, max_size=3),
    st.sampled_from(["aGVsbG8=", "!!", "inf", "nan", "1e999999", "2026-11-28T12:00"]),
)


def handles(conversation_ids: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    """Handles as the student may write them: to the trusted end's objects or its own."""
    exception_class = st.fixed_dictionaries(
        {
            "t": st.just("ref"),
            "home": st.just("mine"),
            "id": st.integers(100, 110),
            "kind": st.just("exception_class"),
            "name": st.sampled_from(["Sneaky", "Exit", "", "a\x00b"]),
            "module": st.sampled_from(["word_count", "_pytest.outcomes"]),
            "bases": st.lists(
                st.one_of(
                    st.builds(lambda n: {"builtin": n}, st.sampled_from(EXCEPTIONS)),
                    st.builds(
                        lambda i: {"t": "ref", "home": "yours", "id": i},
                        conversation_ids,
                    ),
                ),
                max_size=3,
            ),
        }
    )
    return st.one_of(
        st.builds(
            lambda home, ref: {"t": "ref", "home": home, "id": ref},
            st.sampled_from(["yours", "mine", "theirs", None]),
            st.one_of(conversation_ids, st.integers(), text),
        ),
        st.builds(
            lambda ref, kind: {"t": "ref", "home": "mine", "id": ref, "kind": kind},
            st.integers(50, 60),
            st.sampled_from(["object", "class", "function", "module", "exception"]),
        ),
        exception_class,
    )


IDS = st.integers(1, 9)  # the conversation's own objects have the first few ids


def values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Wire values: every codec tag, well-formed or not, nested."""
    tagged = st.builds(lambda t, v: {"t": t, "v": v}, st.sampled_from(TAGS), raw)
    special = st.one_of(
        st.builds(lambda p: {"t": "path", "v": p}, st.sampled_from(PATHS)),
        st.builds(lambda n: {"t": "builtin", "v": n}, st.sampled_from(NAMES)),
        st.builds(
            lambda n, f: {"t": "namedtuple_class", "name": n, "fields": f},
            text,
            st.lists(text, max_size=3),
        ),
        st.builds(
            lambda d, s, v: {"t": "ndarray", "dtype": d, "shape": s, "v": v},
            st.sampled_from(DTYPES + ["object"]),
            st.lists(st.integers(-1, 3), max_size=2),
            st.one_of(st.just("AAAAAAAAAAA="), st.lists(scalars, max_size=2)),
        ),
        st.builds(
            lambda d, v: {
                "t": "series",
                "name": None,
                "dtype": d,
                "index": {"names": {"t": "list", "v": [None]}, "values": v},
                "v": v,
            },
            st.sampled_from(DTYPES),
            st.just({"t": "list", "v": [1, 2]}),
        ),
        handles(IDS),
    )
    leaves = st.one_of(scalars, tagged, special)

    def nest(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(
                lambda t, v: {"t": t, "v": v},
                st.sampled_from(["list", "tuple", "set", "frozenset", "namedtuple"]),
                st.lists(children, max_size=3),
            ),
            st.builds(
                lambda pairs: {"t": "dict", "v": pairs},
                st.lists(st.lists(children, min_size=2, max_size=2), max_size=3),
            ),
            st.builds(
                lambda n, f, v: {"t": "namedtuple", "name": n, "fields": f, "v": v},
                st.sampled_from(["Point", "import os", "_x", "class"]),
                st.lists(st.sampled_from(["x", "y", "__class__"]), max_size=2),
                st.lists(children, max_size=2),
            ),
        )

    return st.recursive(leaves, nest, max_leaves=max_leaves)


def errors() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries(
            {"type": text, "builtin": st.sampled_from(EXCEPTIONS), "message": text},
            optional={
                "class": st.one_of(handles(IDS), values(3)),
                "instance": handles(IDS),
                "args": values(4),
                "location": text,
            },
        ),
        raw,
    )


OPS = [
    "getattr",
    "setattr",
    "delattr",
    "call",
    "dunder",
    "isinstance",
    "signature",
    "static",
    "dir",
    "subclass",
    "import",
    "ready",
    "eval",
]
targets = st.one_of(handles(IDS), values(4))
requests = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(1000, 1010), scalars),
        "op": st.one_of(st.sampled_from(OPS), scalars),
    },
    optional={
        "target": targets,
        "name": st.one_of(
            st.sampled_from(
                ["read_text", "write_text", "unlink", "status", "__globals__"]
                + ["__eq__", "__str__", "__exit__", "__setitem__", "describe"]
            ),
            scalars,
        ),
        "args": values(6),
        "kwargs": values(4),
        "cls": values(4),
        "value": values(3),
        "module": st.sampled_from(["os", "builtins"]),
    },
)
answers = st.fixed_dictionaries(
    {"id": st.one_of(st.just(1), st.integers(0, 3), scalars), "ok": st.booleans()},
    optional={
        "value": values(),
        "error": errors(),
        "out": st.one_of(text, raw),
        "err": text,
        "logs": st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["name", "levelno", "msg", "exc_info", "stack_info", "args"]
                    + ["created", "lineno", "exc_text", "__class__"]
                ),
                st.one_of(raw, st.just([1, 2, 3])),
                max_size=5,
            ),
            max_size=3,
        ),
    },
)
raw_frames = st.one_of(
    st.builds(frame, st.one_of(raw, st.lists(raw, max_size=2))),
    st.sampled_from(
        [
            HEADER.pack(8) + b"not json",
            HEADER.pack(11) + b'{"id": NaN}',
            HEADER.pack(4) + b"\xff\xfe\xfd\xfc",
            HEADER.pack(0xFFFFFFF0),
            HEADER.pack(200_001) + b"[" * 200_000 + b"1",
            b"\x00\x00",
        ]
    ),
)
# Two requests in a row: one that would hand out something new (a path's method, a built-in
# type's instance), then a call of the handle it would get (the next free id).
chains = st.builds(
    lambda target, name, ref, args: [
        frame({"id": 20, "op": "getattr", "target": target, "name": name}),
        frame({"id": 21, "op": "call", "target": target, "args": args}),
        frame({"id": 22, "op": "call", "target": ref, "args": args}),
    ],
    st.one_of(
        st.builds(lambda p: {"t": "path", "v": p}, st.sampled_from(PATHS)),
        st.builds(lambda n: {"t": "builtin", "v": n}, st.sampled_from(NAMES)),
    ),
    st.sampled_from(["read_text", "write_text", "unlink", "iterdir", "mro", "chmod"]),
    st.builds(lambda i: {"t": "ref", "home": "yours", "id": i}, st.integers(7, 9)),
    st.sampled_from(
        [{"t": "list", "v": []}, {"t": "list", "v": ["x"]}, {"t": "list", "v": [0]}]
    ),
)
frames = st.builds(
    lambda groups: [f for group in groups for f in group],
    st.lists(
        st.one_of(
            st.builds(lambda f: [f], st.builds(frame, requests)),
            st.builds(lambda f: [f], st.builds(frame, answers)),
            st.builds(lambda f: [f], raw_frames),
            chains,
        ),
        max_size=4,
    ),
)
final = st.one_of(
    st.none(),
    st.builds(lambda v: {"id": 1, "ok": True, "value": v}, values()),
    st.builds(lambda e: {"id": 1, "ok": False, "error": e}, errors()),
)


def script(
    body: list[bytes],
    last: Any,
    extra: Callable[[Conversation], list[bytes]] = lambda c: [],
) -> tuple[Conversation, tuple[str, Any]]:
    conversation = Conversation()
    tail = [frame(last)] if last is not None else []
    return conversation, conversation.run(body + extra(conversation) + tail)


# ---- the properties --------------------------------------------------------------------
@PROPERTY
@given(body=frames, last=final)
def test_no_frame_makes_the_trusted_end_do_more_than_fail_the_call(body, last) -> None:
    conversation, outcome = script(body, last)
    check_outcome(conversation, outcome)


@PROPERTY
@given(value=values(20))
def test_values_from_the_student_arrive_as_plain_data(value) -> None:
    conversation, outcome = script([], {"id": 1, "ok": True, "value": value})
    check_outcome(conversation, outcome)
    if outcome[0] == "raised":  # refused values fail the call, as a violation; hashing
        # a handle (a set's item, a dict's key) asks the student, who says nothing more here
        assert type(outcome[1]) in (ProtocolViolation, ChannelClosed), outcome[1]


@PROPERTY
@given(
    target=st.one_of(
        targets.filter(
            lambda t: not (
                isinstance(t, dict) and t.get("home") == "yours" and t.get("t") == "ref"
            )
        ),
        st.builds(lambda i: {"t": "ref", "home": "yours", "id": i}, st.integers(6, 50)),
    ),
    op=st.sampled_from(OPS),
    value=values(4),
)
def test_a_request_on_anything_but_a_handed_over_handle_fails_the_call(
    target, op, value
) -> None:
    request = {"id": 7, "op": op, "target": target, "name": "read_text", "args": value}
    conversation, outcome = script([frame(request)], {"id": 1, "ok": True, "value": 42})
    check_outcome(conversation, outcome)
    if op == "subclass":  # declined as Python would; carries no target
        return
    assert outcome[0] == "raised" and type(outcome[1]) is ProtocolViolation, outcome


@PROPERTY
@given(error=errors(), call_first=st.booleans())
def test_exceptions_from_the_student_are_new_and_never_stop_the_run(
    error, call_first
) -> None:
    def first(conversation: Conversation) -> list[bytes]:
        if not call_first:
            return []
        failing = conversation.handles["failing"]
        call = {"id": 9, "op": "call", "target": {**failing, "home": "yours"}}
        return [frame(call)]

    conversation, outcome = script([], {"id": 1, "ok": False, "error": error}, first)
    check_outcome(conversation, outcome)
    assert outcome[0] == "raised"


def test_the_tests_own_exception_comes_back_only_on_its_way_back() -> None:
    def sent_back(conversation: Conversation, call_first: bool) -> tuple[str, Any]:
        yours = {
            name: {**handle, "home": "yours"}
            for name, handle in conversation.handles.items()
        }
        body = [frame({"id": 9, "op": "call", "target": yours["failing"]})]
        answer = {
            "type": "OwnError",
            "message": "own",
            "class": yours["own_class"],
            "instance": yours["own_error"],
            "args": {"t": "list", "v": ["own"]},
        }
        error = frame({"id": 1, "ok": False, "error": answer})
        return conversation.run((body if call_first else []) + [error])

    # Raised by the test's callback during this call, and sent back: the very same object.
    conversation = Conversation()
    assert sent_back(conversation, call_first=True) == (
        "raised",
        conversation.own_error,
    )
    # Named without having been raised in this call: a new exception of the test's class.
    conversation = Conversation()
    how, raised = sent_back(conversation, call_first=False)
    assert type(raised) is OwnError and raised is not conversation.own_error
    assert raised.args == ("own",)
    # A KeyboardInterrupt the test handed over, named as the exception: never itself.
    conversation = Conversation()
    interrupt = {**conversation.handles["interrupt"], "home": "yours"}
    answer = {"type": "KeyboardInterrupt", "builtin": "KeyboardInterrupt"}
    how, raised = conversation.run(
        [frame({"id": 1, "ok": False, "error": {**answer, "instance": interrupt}})]
    )
    assert type(raised) is RuntimeError and "KeyboardInterrupt" in str(raised)


@pytest.mark.parametrize(
    "dtype",
    ["datetime64[ns, dateutil//etc/hostname]", "datetime64[ns, dateutil/../etc/x]"],
)
def test_a_pandas_dtype_never_names_a_file(dtype) -> None:
    series = {
        "t": "series",
        "name": None,
        "dtype": dtype,
        "index": {
            "names": {"t": "list", "v": [None]},
            "values": {"t": "list", "v": [0]},
            "multi": False,
            "dtype": "int64",
        },
        "v": {"t": "ndarray", "dtype": "<M8[ns]", "shape": [1], "v": "AAAAAAAAAAA="},
    }
    conversation, outcome = script([], {"id": 1, "ok": True, "value": series})
    check_outcome(conversation, outcome)
    assert outcome[0] == "ok" and str(outcome[1].dtype) == "datetime64[ns]"
