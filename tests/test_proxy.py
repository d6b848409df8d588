"""The process split: values cross as data, the rest as handles, and the submission cannot
reach the test process. These tests talk to a real student process."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grader.runner.proxy import codec
from grader.runner.proxy import client
from grader.runner.proxy.endpoint import ProtocolViolation
from grader.runner.proxy.client import (
    StudentConnection,
    StudentCrashed,
    StudentTimeout,
    install,
)

STUDENT = Path(__file__).parent / "proxy_student"


def round_trip(value):
    refs = []
    data = codec.encode(
        value, lambda v: refs.append(v) or {"t": "ref", "id": len(refs)}
    )
    return codec.decode(data, lambda d: refs[d["id"] - 1])


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2.5,
        float("inf"),
        "文字",
        b"\x00\xff",
        bytearray(b"ab"),
        [1, (2, 3)],
        {"a": {1, 2}},
        frozenset({"x"}),
        {(1, 2): "tuple key"},
        dt.datetime(2026, 11, 28, 12, 0),
        dt.date(2026, 1, 1),
        dt.timedelta(seconds=90),
        Decimal("12.50"),
        Fraction(1, 3),
        complex(1, 2),
        Path("/tmp/x.json"),
    ],
)
def test_plain_values_cross_unchanged(value) -> None:
    back = round_trip(value)
    assert back == value and type(back) is type(value)


def test_numpy_and_pandas_cross_by_value() -> None:
    array = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert np.array_equal(round_trip(array), array)
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2026-01-01", "2026-01-02"]),
            "ok": pd.array([True, pd.NA]),
        },
        index=pd.Index(["a", "b"], name="key"),
    )
    frame.columns.name = "field"
    pd.testing.assert_frame_equal(round_trip(frame), frame)
    assert round_trip(pd.Timestamp("2026-11-28")) == pd.Timestamp("2026-11-28")


def test_subclasses_of_builtins_cross_as_the_plain_value() -> None:
    class Forged(int):
        def __eq__(self, other):
            return True

    back = round_trip(Forged(3))
    assert type(back) is int and back != 4


@pytest.fixture(scope="module")
def shop():
    connection = StudentConnection(str(STUDENT), call_seconds=3)
    finder = install(connection, ["shop"])
    sys.modules.pop("shop", None)
    import shop

    yield shop, connection
    sys.meta_path.remove(finder)
    sys.modules.pop("shop", None)
    connection.stop()


def test_objects_stay_behind_handles_and_calls_work(shop) -> None:
    module, _ = shop
    basket = module.Basket().add("tea", 2).add("rice")
    assert len(basket) == 3
    assert list(basket) == ["rice", "tea"]
    assert isinstance(basket, module.Basket)
    assert list(module.count_up(3)) == [0, 1, 2]


def test_student_exceptions_keep_type_hierarchy_and_attributes(shop) -> None:
    module, _ = shop
    with pytest.raises(module.OutOfStock) as info:
        module.Basket().take("tea")
    assert isinstance(info.value, module.ShopError) and isinstance(
        info.value, LookupError
    )
    assert str(info.value) == "tea is out of stock"
    assert info.value.item == "tea"
    with pytest.raises(ValueError, match="count must be positive"):
        module.Basket().add("tea", 0)


def test_forged_equality_never_passes_an_assertion(shop) -> None:
    module, _ = shop
    assert module.always_equal() != 3
    assert not (module.always_equal() == "anything")
    number = module.sneaky_number()
    assert type(number) is int and number == 3 and number != 4


def test_callbacks_keep_identity_and_run_in_the_test_process(shop) -> None:
    module, _ = shop
    seen = []

    def record(value):
        seen.append(value)
        return value * 2

    assert module.apply(record, 21) == 42
    assert seen == [21]
    assert module.identity(record) is record


def test_the_submission_cannot_reach_a_callbacks_globals(shop) -> None:
    module, _ = shop
    with pytest.raises(AttributeError, match="not available to the submission"):
        module.reach_globals(test_the_submission_cannot_reach_a_callbacks_globals)


def test_output_and_logs_are_replayed(shop, capsys, caplog) -> None:
    module, _ = shop
    caplog.set_level(logging.INFO, logger="shop")
    assert module.shout("hi") == 2
    module.Basket().add("tea")
    assert capsys.readouterr().out == "HI\n"
    assert [r.getMessage() for r in caplog.records] == ["added tea x1"]


def test_a_timeout_fails_the_call_and_the_next_call_works(shop) -> None:
    module, connection = shop
    restarts = connection.restarts
    with pytest.raises(StudentTimeout, match=r"it was at shop\.py:\d+ in slow") as info:
        module.slow(10)
    # The failure points at the line the submission was stuck on.
    assert re.fullmatch(
        r"shop\.py:\d+ in slow", info.value.__dict__["_grader_location"]
    )
    assert (
        module.slow(0) == "done"
    )  # a module-level name is found again in the new process
    assert connection.restarts == restarts + 1


def test_a_test_may_subclass_a_student_class(shop) -> None:
    module, _ = shop

    class Price(module.Money):
        def doubled(self):
            return self.cents * 2

    price = Price.from_units(2)
    assert isinstance(price, Price) and price.cents == 200
    assert price.doubled() == 400


def test_start_up_does_not_count_against_the_first_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An interpreter that takes 0.5 s to start (a loaded machine), a 0.25 s call limit:
    # only the import itself is timed.
    slow_python = tmp_path / "slow-python"
    slow_python.write_text(f'#!/bin/sh\nsleep 0.5\nexec "{sys.executable}" "$@"\n')
    slow_python.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(slow_python))
    student = tmp_path / "student"
    student.mkdir()
    (student / "quick.py").write_text("VALUE = 41 + 1\n")
    connection = StudentConnection(str(student), call_seconds=0.25)
    try:
        module = connection.import_module("quick")
        assert module.VALUE == 42
        assert connection.restarts == 0 and connection.anomalies == []
    finally:
        connection.stop()


def test_a_student_process_that_never_starts_is_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "STARTUP_SECONDS", 0.001)
    connection = StudentConnection(str(tmp_path), call_seconds=5)
    try:
        with pytest.raises(StudentCrashed, match="did not start within"):
            connection.import_module("anything")
        assert connection.anomalies == ["the student process did not start"]
    finally:
        connection.stop()


# ---- the trusted end acts only on its own handles (issue #10) ---------------------------
# A student module that speaks the wire protocol itself from inside its process: it finds
# its end of the channel and sends the trusted process requests our student end never would.
FORGER = '''
import gc


def _endpoint():
    return next(o for o in gc.get_objects() if type(o).__name__ == "StudentEndpoint")


def ask(op, **fields):
    try:
        return "ok", repr(_endpoint().request(op, **fields))
    except BaseException as exc:
        return "refused", f"{type(exc).__name__}: {exc}"


def read_path(path):
    handle = {"t": "path", "v": path}
    return [
        ask("getattr", target=handle, name="read_text"),
        ask("call", target={"t": "list", "v": [handle]}),
        ask("dunder", target=handle, name="__str__", args={"t": "list", "v": []}),
    ]


def write_path(path):
    handle = {"t": "path", "v": path}
    got = [ask("getattr", target=handle, name=name) for name in ("write_text", "unlink")]
    got.append(ask("setattr", target=handle, name="name", value="x"))
    got.append(ask("delattr", target=handle, name="name"))
    return got


def instantiate():
    args = {"t": "list", "v": ["Planted", {"t": "tuple", "v": []}, {"t": "dict", "v": []}]}
    return [
        ask("call", target={"t": "builtin", "v": "type"}, args=args),
        ask("call", target={"t": "builtin", "v": "KeyboardInterrupt"}),
        ask("getattr", target={"t": "builtin", "v": "object"}, name="mro"),
        ask("import", module="os"),
    ]


def send_back(value):
    """Answer with an error whose instance is the test's own value, as a KeyboardInterrupt."""
    endpoint = _endpoint()
    ref = endpoint._refer(value)
    original = endpoint.describe_error

    def forged(exc):
        endpoint.describe_error = original
        error = original(exc)
        error.pop("class", None)
        error.update(type="KeyboardInterrupt", builtin="KeyboardInterrupt", instance=ref)
        return error

    endpoint.describe_error = forged
    raise ValueError("a stand-in")


def call(function, *args):
    return function(*args)


def keep(function):
    try:
        function()
    except Exception as exc:
        keep.held = exc


def raise_held():
    raise keep.held


def default_of(function):
    import inspect

    return inspect.signature(function).parameters["registry"].default


def pass_default_back(function):
    return function(1, registry=default_of(function))


def use_default(function):
    return default_of(function).add("planted")


def close_early(manager):
    def numbers():
        with manager:
            yield 1
            yield 2

    generator = numbers()
    next(generator)
    generator.close()
    return "closed"
'''


@pytest.fixture(scope="module")
def forger(tmp_path_factory):
    root = tmp_path_factory.mktemp("forger")
    (root / "forger.py").write_text(FORGER)
    connection = StudentConnection(str(root), call_seconds=5)
    yield connection.import_module("forger"), connection
    connection.stop()


def _trusted_objects(connection) -> list:
    return list(connection.endpoint.objects.values())


def test_a_path_target_cannot_read_a_file(forger, tmp_path) -> None:
    module, _ = forger
    secret = tmp_path / "job.json"
    secret.write_text('{"nonce": "s3cret"}')
    with pytest.raises(ProtocolViolation, match="not on a handle the tests gave it"):
        module.read_path(str(secret))


def test_a_path_target_cannot_write_or_unlink_a_file(forger, tmp_path) -> None:
    module, _ = forger
    record = tmp_path / "hidden.jsonl"
    record.write_text('{"event": "start"}\n')
    record.chmod(0o600)
    with pytest.raises(ProtocolViolation, match="not on a handle the tests gave it"):
        module.write_path(str(record))
    assert record.read_text() == '{"event": "start"}\n'
    assert record.stat().st_mode & 0o777 == 0o600


def test_a_builtin_target_instantiates_nothing(forger) -> None:
    module, connection = forger
    before = len(connection.endpoint.objects)
    with pytest.raises(ProtocolViolation):
        module.instantiate()
    # What the trusted side handed out since: only its refusals, described as errors.
    refusals = (ProtocolViolation, PermissionError)
    for made in _trusted_objects(connection)[before:]:
        assert isinstance(made, refusals) or made in refusals, made


def test_a_trusted_keyboardinterrupt_sent_back_is_a_plain_failure(forger) -> None:
    module, _ = forger
    interrupt = KeyboardInterrupt("the test's own")
    try:
        module.send_back(interrupt)
    except Exception as exc:  # what pytest reports as a failure of this test
        assert type(exc) is RuntimeError and exc is not interrupt
        assert str(exc).startswith("KeyboardInterrupt:")
    except BaseException as exc:  # pragma: no cover - the regression
        pytest.fail(f"a {type(exc).__name__} escaped into the test process")
    else:  # pragma: no cover
        pytest.fail("the forged error was not raised")


def test_a_callbacks_exception_keeps_its_identity_only_on_its_way_back(forger) -> None:
    module, _ = forger

    class Abort(BaseException):
        pass

    error, abort = ValueError("original"), Abort("stop")

    def fail(exc):
        raise exc

    with pytest.raises(ValueError) as info:
        module.call(fail, error)
    assert info.value is error
    with pytest.raises(Abort) as caught:
        module.call(fail, abort)
    assert caught.value is abort
    # Kept by the student and raised in a later call: a new exception of the same class.
    module.keep(lambda: fail(ValueError("kept")))
    with pytest.raises(ValueError, match="kept") as later:
        module.raise_held()
    assert str(later.value) == "kept"


def test_a_tests_context_manager_sees_the_exception_class_that_left_it(forger) -> None:
    module, _ = forger
    seen = []

    class Manager:
        def __enter__(self):
            return self

        def __exit__(self, kind, value, traceback):
            seen.append(kind)
            return False

    assert module.close_early(Manager()) == "closed"
    assert seen == [GeneratorExit]


def test_a_callbacks_default_argument_can_be_passed_back_but_not_used(forger) -> None:
    module, _ = forger

    class Registry:
        def __init__(self):
            self.items = []

        def add(self, item):
            self.items.append(item)

    kept = Registry()

    def callback(x, registry=kept, scale=2):
        return registry is kept

    with pytest.raises(ProtocolViolation, match="not on a handle the tests gave it"):
        module.use_default(callback)
    assert kept.items == []
    assert module.pass_default_back(callback) is True
