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

from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.sandbox.proxy.channel import ChannelClosed
from grader.sandbox.proxy.rules import ProtocolViolation
from tests.proxy_harness import HEADER, Conversation, OwnError, check_outcome, frame

PROPERTY = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---- the student's frames --------------------------------------------------------------
# Every tag the codec knows, and a few it does not.
TAGS = """
list tuple set frozenset dict namedtuple namedtuple_class path builtin float bytes bytearray
datetime date time timedelta decimal fraction complex ndarray dataframe series
pd.NA pd.NaT pd.Timestamp pd.Timedelta ref callback module
""".split() + [""]
PATHS = ["/job/job.json", "/job/hidden", "/etc/passwd", "hidden.jsonl", "~", ""]
NAMES = """
type object open __import__ KeyboardInterrupt SystemExit GeneratorExit BaseException
ValueError int property memoryview eval __dict__ Path
""".split()
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
EXCEPTIONS = """
KeyboardInterrupt SystemExit GeneratorExit BaseException BaseExceptionGroup ExceptionGroup
StopIteration ValueError OSError open
""".split() + [""]
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


OPS = """
getattr setattr delattr call dunder isinstance signature static dir subclass import ready eval
""".split()
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
