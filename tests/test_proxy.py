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

from grader.sandbox.proxy import codec
from grader.sandbox.proxy import client
from grader.sandbox.proxy.client import (
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


def test_an_error_in_a_nested_call_keeps_the_student_process(shop) -> None:
    module, connection = shop
    restarts = connection.restarts

    def callback(value):
        with pytest.raises(ValueError, match="count must be positive"):
            module.Basket().add("tea", 0)
        return value

    assert module.apply(callback, 7) == 7
    assert module.apply(len, "abc") == 3
    assert connection.restarts == restarts


def test_the_student_process_pid_is_the_one_that_runs_the_submission(shop) -> None:
    module, connection = shop
    pid = connection.student_pid()
    assert pid == connection.process.pid
    assert "grader.sandbox.proxy.server" in Path(f"/proc/{pid}/cmdline").read_text()
    module.Basket()  # a call works, and it is that process that answers it
    assert connection.student_pid() == pid


def test_an_error_inside_the_standard_library_is_placed_at_the_students_call(
    tmp_path: Path,
) -> None:
    from grader.sandbox.proxy.endpoint import error_location

    source = tmp_path / "grades.py"
    source.write_text(
        "import json\n\n\ndef load(text):\n    return json.loads(text)\n",
        encoding="utf-8",
    )
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    with pytest.raises(ValueError) as caught:
        namespace["load"]("{not json")
    assert error_location(caught.value) == f"{source}:5 in load"
