import contextlib
import math
import random
import threading
import time

import pytest

from dag_scheduler import (
    CycleError,
    MissingDependencyError,
    Scheduler,
    SchedulerError,
)


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


class FakeSleep:
    """Records the delays instead of sleeping; safe to call from many threads."""

    def __init__(self):
        self.delays = []
        self.lock = threading.Lock()

    def __call__(self, seconds):
        with self.lock:
            self.delays.append(seconds)


class Flaky:
    """A task function that raises for its first `failures` calls, then returns."""

    def __init__(self, failures, value="done"):
        self.failures = failures
        self.value = value
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, *args):
        with self.lock:
            self.calls += 1
            number = self.calls
        if number <= self.failures:
            raise RuntimeError(f"attempt {number} failed")
        return self.value


def const(value):
    return lambda *args: value


def boom(*args):
    raise ValueError("boom")


@pytest.fixture
def sleep():
    return FakeSleep()


def assert_real_cycle(cycle, edges, start):
    """`cycle` goes start -> ... -> start and each step is a dependency edge."""
    assert isinstance(cycle, list) and len(cycle) >= 2
    assert cycle[0] == cycle[-1] == start
    for task, dep in zip(cycle, cycle[1:]):
        assert dep in edges.get(task, ()), f"{task} does not depend on {dep}"


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_add_task_registers_names_in_order(sleep):
    """add_task returns None and tasks() lists the names in the order they were added"""
    scheduler = Scheduler(sleep=sleep)
    assert scheduler.tasks() == []
    assert scheduler.add_task("extract", const(1)) is None
    scheduler.add_task("transform", const(2), deps=["extract"])
    scheduler.add_task("load", const(3), deps=("transform",), retries=2, backoff=0.5)
    assert scheduler.tasks() == ["extract", "transform", "load"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_forward_references_are_allowed(sleep):
    """A task may depend on a task that is added later"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("report", const("r"), deps=["data"])
    scheduler.add_task("data", const("d"))
    assert scheduler.tasks() == ["report", "data"]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_duplicate_name_is_rejected(sleep):
    """Adding a second task with the same name raises ValueError and keeps the first"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("a", const("first"))
    with pytest.raises(ValueError):
        scheduler.add_task("a", const("second"))
    assert scheduler.tasks() == ["a"]
    assert scheduler.run().results == {"a": "first"}


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"name": 5}, TypeError),
        ({"name": ""}, ValueError),
        ({"fn": "not callable"}, TypeError),
        ({"deps": "a"}, TypeError),
        ({"deps": ["a", 3]}, TypeError),
        ({"deps": ["a", "a"]}, ValueError),
        ({"retries": -1}, ValueError),
        ({"retries": 1.5}, TypeError),
        ({"retries": True}, TypeError),
        ({"backoff": -0.5}, ValueError),
        ({"backoff": math.inf}, ValueError),
        ({"backoff": "1"}, TypeError),
    ],
    ids=[
        "name-int",
        "name-empty",
        "fn-str",
        "deps-str",
        "deps-int-item",
        "deps-repeated",
        "retries-negative",
        "retries-float",
        "retries-bool",
        "backoff-negative",
        "backoff-inf",
        "backoff-str",
    ],
)
def test_add_task_validates_arguments(sleep, kwargs, error):
    """add_task raises TypeError / ValueError for bad arguments and adds nothing"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("a", const(1))
    arguments = {"name": "b", "fn": const(2), "deps": [], "retries": 0, "backoff": 1}
    arguments.update(kwargs)
    with pytest.raises(error):
        scheduler.add_task(**arguments)
    assert scheduler.tasks() == ["a"]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_self_dependency_is_a_cycle(sleep):
    """A task that depends on itself raises CycleError with cycle [name, name]"""
    scheduler = Scheduler(sleep=sleep)
    with pytest.raises(CycleError) as info:
        scheduler.add_task("loop", const(1), deps=["loop"])
    assert info.value.cycle == ["loop", "loop"]
    assert scheduler.tasks() == []


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_cycle_is_reported_by_the_task_that_closes_it(sleep):
    """The add_task that closes a cycle raises CycleError naming it; nothing is added"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("a", const(1), deps=["b"])
    with pytest.raises(CycleError) as info:
        scheduler.add_task("b", const(2), deps=["a"])
    assert info.value.cycle == ["b", "a", "b"]
    assert "b -> a -> b" in str(info.value)
    assert isinstance(info.value, SchedulerError)
    assert scheduler.tasks() == ["a"]
    scheduler.add_task("b", const(2))  # the name is still free
    assert scheduler.run().results == {"a": 1, "b": 2}


@pytest.mark.task(1)
@pytest.mark.points(3)
def test_long_cycle_through_forward_references(sleep):
    """A cycle closed through forward references lists every task on it"""
    scheduler = Scheduler(sleep=sleep)
    edges = {"a": ["b"], "b": ["c", "x"], "c": ["d"], "x": []}
    for name in ("a", "b", "c", "x"):
        scheduler.add_task(name, const(name), deps=edges[name])
    edges["d"] = ["x", "a"]
    with pytest.raises(CycleError) as info:
        scheduler.add_task("d", const("d"), deps=edges["d"])
    assert_real_cycle(info.value.cycle, edges, "d")
    assert sorted(set(info.value.cycle)) == ["a", "b", "c", "d"]
    assert " -> ".join(info.value.cycle) in str(info.value)


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_diamond_is_not_a_cycle(sleep):
    """Shared dependencies (a diamond) are fine: no CycleError"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("top", const(1), deps=["left", "right"])
    scheduler.add_task("left", const(2), deps=["base"])
    scheduler.add_task("right", const(3), deps=["base"])
    scheduler.add_task("base", const(4))
    scheduler.add_task("extra", const(5), deps=["top", "base"])
    assert len(scheduler.tasks()) == 5


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_results_flow_to_dependents_in_deps_order(sleep):
    """Each task gets its dependencies' results as arguments, in deps order"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("ten", const(10))
    scheduler.add_task("three", const(3))
    scheduler.add_task("diff", lambda a, b: a - b, deps=["ten", "three"])
    scheduler.add_task("rdiff", lambda a, b: a - b, deps=["three", "ten"])
    scheduler.add_task("both", lambda x, y: (x, y), deps=["diff", "rdiff"])
    report = scheduler.run()
    assert report.results == {
        "ten": 10,
        "three": 3,
        "diff": 7,
        "rdiff": -7,
        "both": (7, -7),
    }


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_report_of_a_successful_run(sleep):
    """A clean run reports success for all, one attempt each, no errors, ok True"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("a", const("A"))
    scheduler.add_task("b", const("B"), deps=["a"])
    report = scheduler.run()
    assert report.status == {"a": "success", "b": "success"}
    assert report.attempts == {"a": 1, "b": 1}
    assert report.errors == {}
    assert report.order == ["a", "b"]
    assert report.ok is True
    assert sleep.delays == []


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_dependencies_always_run_first(sleep):
    """Every task starts after all its dependencies, whatever the order of adding"""
    rng = random.Random(7)
    names = [f"t{i}" for i in range(25)]
    edges = {
        n: rng.sample(names[:i], min(i, rng.randint(0, 3))) for i, n in enumerate(names)
    }
    added = names[:]
    rng.shuffle(added)
    scheduler = Scheduler(sleep=sleep)
    log = []
    for name in added:
        scheduler.add_task(name, lambda *a, n=name: log.append(n), deps=edges[name])
    report = scheduler.run()
    assert sorted(log) == sorted(names)
    assert report.order == log
    position = {n: i for i, n in enumerate(log)}
    for name, deps in edges.items():
        for dep in deps:
            assert position[dep] < position[name], f"{name} ran before {dep}"


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.parametrize(
    "tasks, expected",
    [
        ([("c", []), ("a", []), ("b", [])], ["c", "a", "b"]),
        ([("a", []), ("z", ["a"]), ("b", []), ("c", [])], ["a", "z", "b", "c"]),
        ([("b", ["a"]), ("c", []), ("a", [])], ["c", "a", "b"]),
        ([("x", ["y"]), ("y", []), ("z", [])], ["y", "x", "z"]),
    ],
    ids=["independent", "newly-ready-first", "forward-ref", "earlier-index-wins"],
)
def test_ties_break_by_insertion_order(sleep, tasks, expected):
    """With one worker the ready task added earliest always runs next"""
    scheduler = Scheduler(sleep=sleep)
    for name, deps in tasks:
        scheduler.add_task(name, const(name), deps=deps)
    assert scheduler.run(max_workers=1).order == expected


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_missing_dependency_fails_before_running_anything(sleep):
    """run() raises MissingDependencyError naming both tasks, and runs nothing"""
    scheduler = Scheduler(sleep=sleep)
    ran = []
    scheduler.add_task("a", lambda: ran.append("a"))
    scheduler.add_task("b", lambda x: ran.append("b"), deps=["a", "ghost"])
    with pytest.raises(MissingDependencyError) as info:
        scheduler.run()
    assert isinstance(info.value, SchedulerError)
    assert "b" in str(info.value) and "ghost" in str(info.value)
    assert ran == []


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_run_twice_runs_everything_again(sleep):
    """Each run() call runs every task again and returns a fresh report"""
    counter = []
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("count", lambda: counter.append(1) or len(counter))
    first = scheduler.run()
    second = scheduler.run()
    assert first.results == {"count": 1}
    assert second.results == {"count": 2}
    assert Scheduler(sleep=sleep).run().status == {}


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_run_validates_max_workers(sleep):
    """run() raises ValueError / TypeError for a max_workers that is not an int >= 1"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("a", const(1))
    for bad, error in [(0, ValueError), (-2, ValueError), (1.5, TypeError)]:
        with raises_for((bad, error), error):
            scheduler.run(max_workers=bad)
    with pytest.raises(TypeError):
        scheduler.run(max_workers=True)


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_retries_with_exponential_backoff(sleep):
    """A flaky task is retried after backoff, 2*backoff, ... and then succeeds"""
    flaky = Flaky(failures=3, value=42)
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("flaky", flaky, retries=5, backoff=0.5)
    scheduler.add_task("after", lambda x: x + 1, deps=["flaky"])
    report = scheduler.run()
    assert report.status == {"flaky": "success", "after": "success"}
    assert report.attempts["flaky"] == 4
    assert report.results["after"] == 43
    assert sleep.delays == [0.5, 1.0, 2.0]


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_exhausted_retries_fail_with_last_error(sleep):
    """After retries+1 attempts the task fails with its last error; no final sleep"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("never", Flaky(failures=99), retries=2, backoff=1.5)
    report = scheduler.run()
    assert report.status == {"never": "failed"}
    assert report.attempts == {"never": 3}
    assert isinstance(report.errors["never"], RuntimeError)
    assert str(report.errors["never"]) == "attempt 3 failed"
    assert sleep.delays == [1.5, 3.0]
    assert report.ok is False


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_no_retries_means_one_attempt_and_no_sleep(sleep):
    """retries=0 (the default) tries once and never sleeps"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("once", Flaky(failures=1))
    report = scheduler.run()
    assert report.attempts == {"once": 1}
    assert report.status == {"once": "failed"}
    assert sleep.delays == []


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_backoff_restarts_for_every_task(sleep):
    """Each task's backoff starts again from its own base delay"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("a", Flaky(failures=2), retries=2, backoff=1)
    scheduler.add_task("b", Flaky(failures=1), retries=1, backoff=0.25, deps=["a"])
    scheduler.add_task("c", Flaky(failures=1), retries=3, backoff=0)
    report = scheduler.run()
    assert report.ok
    assert report.attempts == {"a": 3, "b": 2, "c": 2}
    assert sleep.delays == [1, 2, 0.25, 0]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_default_sleep_is_real_but_zero_backoff_is_instant():
    """Without a sleep argument time.sleep is used; backoff=0 retries at once"""
    scheduler = Scheduler()
    scheduler.add_task("flaky", Flaky(failures=2, value="ok"), retries=2, backoff=0)
    started = time.monotonic()
    report = scheduler.run()
    assert report.results == {"flaky": "ok"}
    assert time.monotonic() - started < 2


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_failure_skips_all_descendants(sleep):
    """Everything downstream of a failed task is skipped and never called"""
    called = []

    def task(name, fail=False):
        def fn(*args):
            called.append(name)
            if fail:
                raise ValueError(name)
            return name

        return fn

    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("root", task("root"))
    scheduler.add_task("bad", task("bad", fail=True), deps=["root"])
    scheduler.add_task("child", task("child"), deps=["bad"])
    scheduler.add_task("grandchild", task("grandchild"), deps=["child", "root"])
    scheduler.add_task("side", task("side"), deps=["root"])
    scheduler.add_task("late", task("late"), deps=["side"])
    report = scheduler.run()
    assert report.status == {
        "root": "success",
        "bad": "failed",
        "child": "skipped",
        "grandchild": "skipped",
        "side": "success",
        "late": "success",
    }
    assert sorted(called) == ["bad", "late", "root", "side"]
    assert report.attempts["child"] == 0 and report.attempts["grandchild"] == 0
    assert set(report.errors) == {"bad"}
    assert set(report.results) == {"root", "side", "late"}
    assert report.order == ["root", "bad", "side", "late"]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_one_failed_parent_is_enough_to_skip(sleep):
    """A task with one failed and one successful dependency is skipped"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("ok", const(1))
    scheduler.add_task("broken", boom)
    scheduler.add_task("join", lambda a, b: a + b, deps=["ok", "broken"])
    report = scheduler.run()
    assert report.status == {"ok": "success", "broken": "failed", "join": "skipped"}
    assert str(report.errors["broken"]) == "boom"


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_independent_branches_still_run_after_a_failure(sleep):
    """A failure early in the order does not stop unrelated tasks"""
    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("first", boom)
    for i in range(5):
        scheduler.add_task(f"other{i}", const(i), deps=[f"other{i - 1}"] if i else [])
    report = scheduler.run()
    assert report.status["first"] == "failed"
    assert [report.status[f"other{i}"] for i in range(5)] == ["success"] * 5
    assert report.results == {f"other{i}": i for i in range(5)}


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_independent_tasks_overlap_in_parallel(sleep):
    """With max_workers=2 two independent tasks run at the same time"""
    barrier = threading.Barrier(2)

    def meet(name):
        def fn():
            barrier.wait(timeout=3)  # only passes if the other task runs now too
            return name

        return fn

    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("left", meet("left"))
    scheduler.add_task("right", meet("right"))
    report = scheduler.run(max_workers=2)
    assert report.status == {"left": "success", "right": "success"}


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.core
def test_never_more_than_max_workers_at_once(sleep, workers):
    """At most max_workers tasks run at the same time, and that many do"""
    lock = threading.Lock()
    state = {"active": 0, "peak": 0}
    barrier = threading.Barrier(workers)

    def busy():
        with lock:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        try:
            barrier.wait(timeout=3)
        finally:
            with lock:
                state["active"] -= 1
        return True

    scheduler = Scheduler(sleep=sleep)
    for i in range(workers * 3):
        scheduler.add_task(f"t{i}", busy)
    report = scheduler.run(max_workers=workers)
    assert report.ok, report.errors
    assert state["peak"] == workers


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_parallel_run_waits_for_dependencies(sleep):
    """In parallel, a task starts only after its dependencies finished"""
    events = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def step(name, meet=False):
        def fn(*args):
            with lock:
                events.append(("start", name))
            if meet:
                barrier.wait(timeout=3)
            with lock:
                events.append(("end", name))
            return (name, args)

        return fn

    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("load", step("load"))
    scheduler.add_task("clean", step("clean", meet=True), deps=["load"])
    scheduler.add_task("stats", step("stats", meet=True), deps=["load"])
    scheduler.add_task("report", step("report"), deps=["clean", "stats"])
    report = scheduler.run(max_workers=4)
    assert report.ok, report.errors
    position = {event: i for i, event in enumerate(events)}
    assert position[("end", "load")] < position[("start", "clean")]
    assert position[("end", "load")] < position[("start", "stats")]
    assert position[("end", "clean")] < position[("start", "report")]
    assert position[("end", "stats")] < position[("start", "report")]
    load_result = ("load", ())
    assert report.results["report"] == (
        "report",
        (("clean", (load_result,)), ("stats", (load_result,))),
    )


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_parallel_failure_does_not_block_other_branches(sleep):
    """In parallel, a failing branch is skipped while a concurrent branch finishes"""
    barrier = threading.Barrier(2)

    def fail_together():
        barrier.wait(timeout=3)
        raise ValueError("left broke")

    def succeed_together():
        barrier.wait(timeout=3)
        return "right"

    scheduler = Scheduler(sleep=sleep)
    scheduler.add_task("left", fail_together)
    scheduler.add_task("right", succeed_together)
    scheduler.add_task("left2", const("x"), deps=["left"])
    scheduler.add_task("right2", lambda r: r + "!", deps=["right"])
    report = scheduler.run(max_workers=2)
    assert report.status == {
        "left": "failed",
        "right": "success",
        "left2": "skipped",
        "right2": "success",
    }
    assert report.results["right2"] == "right!"


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.parametrize("workers", [1, 4])
def test_random_dag_gives_the_same_report_at_any_parallelism(workers):
    """A random DAG with failures and retries gives the expected report in parallel"""
    rng = random.Random(2024)
    names = [f"n{i:02d}" for i in range(40)]
    edges = {
        n: rng.sample(names[:i], min(i, rng.randint(0, 3))) for i, n in enumerate(names)
    }
    kind = {n: rng.choice(["ok", "ok", "ok", "flaky", "bad"]) for n in names}

    def make(name):
        flaky = Flaky(failures=1 if kind[name] == "flaky" else 0)

        def fn(*args):
            if kind[name] == "bad":
                raise ValueError(name)
            flaky()
            return int(name[1:]) + sum(args)

        return fn

    scheduler_sleep = FakeSleep()
    scheduler = Scheduler(sleep=scheduler_sleep)
    added = names[:]
    rng.shuffle(added)
    for name in added:
        retries = 1 if kind[name] == "flaky" else 0
        scheduler.add_task(name, make(name), deps=edges[name], retries=retries)
    report = scheduler.run(max_workers=workers)

    expected_status, expected_results = {}, {}
    for name in names:  # names are in topological order
        if any(expected_status[d] != "success" for d in edges[name]):
            expected_status[name] = "skipped"
        elif kind[name] == "bad":
            expected_status[name] = "failed"
        else:
            expected_status[name] = "success"
            expected_results[name] = int(name[1:]) + sum(
                expected_results[d] for d in edges[name]
            )
    assert report.status == expected_status
    assert report.results == expected_results
    assert set(report.errors) == {
        n for n, s in expected_status.items() if s == "failed"
    }
    assert sorted(report.order) == sorted(
        n for n, s in expected_status.items() if s != "skipped"
    )
    flaky_run = [
        n for n in names if kind[n] == "flaky" and expected_status[n] == "success"
    ]
    assert sorted(scheduler_sleep.delays) == [1.0] * len(flaky_run)
    for name in names:
        if expected_status[name] == "skipped":
            assert report.attempts[name] == 0, f"for {name!r}"
        elif kind[name] == "flaky":
            assert report.attempts[name] == 2, f"for {name!r}"
        else:
            assert report.attempts[name] == 1, f"for {name!r}"
