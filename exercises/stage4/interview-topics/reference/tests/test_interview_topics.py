"""Own tests of interview_topics: executors, copies and lazy pipelines."""

import threading

import pytest

from interview_topics import (
    ConfigStore,
    UndoStack,
    batched,
    cpu_task,
    fetch_all,
    io_task,
    paint,
    parse_events,
    pick_executor,
    pipeline,
    run_parallel,
)


class Recorder:
    """A stand-in executor that runs map in place and notes its kind."""

    def __init__(self, kind, seen, max_workers):
        seen.append((kind, max_workers))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, func, items):
        return [func(item) for item in items]


def test_pick_executor():
    assert pick_executor("io") == "thread"
    with pytest.raises(ValueError):
        pick_executor("gpu")


def test_run_parallel_uses_the_injected_factory():
    seen = []
    factories = {
        "thread": lambda max_workers: Recorder("thread", seen, max_workers),
        "process": lambda max_workers: Recorder("process", seen, max_workers),
    }
    assert run_parallel(abs, [-1, 2], "cpu", 3, factories) == [1, 2]
    assert seen == [("process", 3)]
    for bad in [0, True]:
        with pytest.raises(ValueError):
            run_parallel(abs, [1], "io", bad, factories)


def test_real_pools():
    assert run_parallel(cpu_task, [4, 0], "cpu") == [14, 0]
    slept = []
    assert io_task(0.1, slept.append) == 0.1 and slept == [0.1]


def test_fetch_all_overlaps():
    barrier = threading.Barrier(3, timeout=5)

    def fetch(url):
        barrier.wait()
        return len(url)

    assert fetch_all(fetch, ["a", "bb", "ccc"], 3) == {"a": 1, "bb": 2, "ccc": 3}


def test_paint_rows_are_independent():
    assert paint(2, 3, [(1, 2)]) == [[".", ".", "."], [".", ".", "#"]]
    with pytest.raises(IndexError):
        paint(1, 1, [(1, 0)])
    with pytest.raises(ValueError):
        paint(-1, 1, [])


def test_config_store_keeps_users_apart():
    defaults = {"ui": {"font": 12}, "plugins": ["git"]}
    store = ConfigStore(defaults)
    assert store.update("li", {"ui": {"font": 14}})["ui"] == {"font": 14}
    store.append("li", "plugins", "lint")
    assert store.defaults() == defaults
    assert store.for_user("wang") == defaults
    with pytest.raises(KeyError):
        store.append("li", "ui", "x")


def test_undo_stack():
    stack = UndoStack({"meta": {"tags": ["a"]}})
    stack.edit(["meta", "tags"], ["a", "b"])
    stack.edit(["x", "y"], 1)
    assert stack.state() == {"meta": {"tags": ["a", "b"]}, "x": {"y": 1}}
    stack.undo()
    assert stack.undo() == {"meta": {"tags": ["a"]}}
    with pytest.raises(IndexError):
        stack.undo()
    with pytest.raises(ValueError):
        stack.edit([], 1)


def test_generators_are_lazy():
    pulled = []

    def source():
        for line in ["# c", "1,a,buy", "2,b,view", "3,c,buy", "bad"]:
            pulled.append(line)
            yield line

    batches = pipeline(source(), "buy", 2)
    assert next(batches) == ["a", "c"]
    assert len(pulled) == 4
    with pytest.raises(ValueError):
        next(batches)
    assert list(batched([1, 2, 3], 2)) == [[1, 2], [3]]
    with pytest.raises(ValueError):
        batched([1], 0)
    assert list(parse_events(["", "5, x , y"])) == [(5, "x", "y")]
