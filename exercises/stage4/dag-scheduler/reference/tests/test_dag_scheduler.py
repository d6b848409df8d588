"""Tests for dag_scheduler.py: a fake sleep, and events instead of real waiting."""

import threading

import pytest

from dag_scheduler import (
    CycleError,
    MissingDependencyError,
    RunReport,
    Scheduler,
)


class FakeSleep:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


def flaky(failures, value):
    calls = []

    def fn(*args):
        calls.append(1)
        if len(calls) <= failures:
            raise RuntimeError(f"attempt {len(calls)}")
        return value

    return fn


def boom():
    raise ValueError("boom")


@pytest.fixture
def sleep():
    return FakeSleep()


def test_results_flow_in_deps_order(sleep):
    s = Scheduler(sleep=sleep)
    s.add_task("diff", lambda a, b: a - b, deps=["ten", "one"])
    s.add_task("ten", lambda: 10)
    s.add_task("one", lambda: 1)
    report = s.run()
    assert report.results == {"diff": 9, "ten": 10, "one": 1}
    assert report.order == ["ten", "one", "diff"]
    assert report.ok
    assert s.tasks() == ["diff", "ten", "one"]


def test_ties_by_insertion_order(sleep):
    s = Scheduler(sleep=sleep)
    s.add_task("a", lambda: 1)
    s.add_task("z", lambda x: x, deps=["a"])
    s.add_task("b", lambda: 2)
    assert s.run().order == ["a", "z", "b"]


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"name": 1}, TypeError),
        ({"name": ""}, ValueError),
        ({"fn": None}, TypeError),
        ({"deps": "x"}, TypeError),
        ({"deps": ["x", "x"]}, ValueError),
        ({"retries": -1}, ValueError),
        ({"retries": 1.0}, TypeError),
        ({"backoff": -1}, ValueError),
        ({"backoff": None}, TypeError),
    ],
)
def test_add_task_validation(sleep, kwargs, error):
    s = Scheduler(sleep=sleep)
    arguments = {"name": "t", "fn": lambda: 1}
    arguments.update(kwargs)
    with pytest.raises(error):
        s.add_task(**arguments)
    assert s.tasks() == []


def test_duplicate_name(sleep):
    s = Scheduler(sleep=sleep)
    s.add_task("a", lambda: 1)
    with pytest.raises(ValueError):
        s.add_task("a", lambda: 2)


def test_cycles(sleep):
    s = Scheduler(sleep=sleep)
    with pytest.raises(CycleError) as info:
        s.add_task("self", lambda: 1, deps=["self"])
    assert info.value.cycle == ["self", "self"]
    s.add_task("a", lambda x: x, deps=["b"])
    s.add_task("b", lambda x: x, deps=["c"])
    with pytest.raises(CycleError) as info:
        s.add_task("c", lambda x: x, deps=["a"])
    assert info.value.cycle == ["c", "a", "b", "c"]
    assert "c -> a -> b -> c" in str(info.value)
    assert s.tasks() == ["a", "b"]


def test_missing_dependency(sleep):
    s = Scheduler(sleep=sleep)
    s.add_task("a", lambda x: x, deps=["ghost"])
    with pytest.raises(MissingDependencyError, match="ghost"):
        s.run()


def test_max_workers_validation(sleep):
    s = Scheduler(sleep=sleep)
    with pytest.raises(ValueError):
        s.run(max_workers=0)
    with pytest.raises(TypeError):
        s.run(max_workers="2")


def test_retries_and_backoff(sleep):
    s = Scheduler(sleep=sleep)
    s.add_task("f", flaky(2, "ok"), retries=3, backoff=0.5)
    report = s.run()
    assert report.results == {"f": "ok"}
    assert report.attempts == {"f": 3}
    assert sleep.delays == [0.5, 1.0]


def test_exhausted_retries_and_skips(sleep):
    s = Scheduler(sleep=sleep)
    s.add_task("bad", flaky(5, "never"), retries=1, backoff=2)
    s.add_task("child", lambda x: x, deps=["bad"])
    s.add_task("grandchild", lambda x: x, deps=["child"])
    s.add_task("other", lambda: "fine")
    report = s.run()
    assert report.status == {
        "bad": "failed",
        "child": "skipped",
        "grandchild": "skipped",
        "other": "success",
    }
    assert str(report.errors["bad"]) == "attempt 2"
    assert report.attempts == {"bad": 2, "child": 0, "grandchild": 0, "other": 1}
    assert sleep.delays == [2]
    assert not report.ok


def test_mixed_parents(sleep):
    s = Scheduler(sleep=sleep)
    s.add_task("ok", lambda: 1)
    s.add_task("broken", boom)
    s.add_task("join", lambda a, b: a + b, deps=["ok", "broken"])
    assert s.run(max_workers=2).status["join"] == "skipped"


def test_parallel_overlap(sleep):
    barrier = threading.Barrier(2)

    def meet():
        barrier.wait(timeout=3)
        return True

    s = Scheduler(sleep=sleep)
    s.add_task("a", meet)
    s.add_task("b", meet)
    s.add_task("c", lambda x, y: x and y, deps=["a", "b"])
    report = s.run(max_workers=2)
    assert report.results["c"] is True


def test_empty_run():
    report = Scheduler().run()
    assert report == RunReport()
    assert report.ok
