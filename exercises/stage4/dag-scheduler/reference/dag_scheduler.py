"""A small DAG task scheduler with retries, in the spirit of Airflow or Luigi.

Register tasks with their dependencies, then run them all::

    scheduler = Scheduler()
    scheduler.add_task("load", load_rows)
    scheduler.add_task("clean", clean_rows, deps=["load"], retries=2, backoff=0.5)
    scheduler.add_task("report", make_report, deps=["clean"])
    report = scheduler.run(max_workers=4)
    report.status     # {"load": "success", "clean": "success", "report": "success"}
    report.results    # what each successful task returned

A task runs once all its dependencies succeeded and receives their results as
positional arguments, in the order of its ``deps``. A failing task is retried
with exponential backoff; when it finally fails, everything downstream of it is
skipped. ``run(max_workers=N)`` runs independent tasks in parallel threads.
"""

from __future__ import annotations

import heapq
import math
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

SUCCESS = "success"
FAILED = "failed"
SKIPPED = "skipped"


class SchedulerError(Exception):
    """Base class of the errors the scheduler raises on purpose."""


class CycleError(SchedulerError):
    """Adding a task would close a cycle; ``cycle`` lists it, e.g. [b, a, b]."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__("dependency cycle: " + " -> ".join(cycle))
        self.cycle = cycle


class MissingDependencyError(SchedulerError):
    """A task depends on a name that was never added."""


@dataclass
class RunReport:
    """What happened during one :meth:`Scheduler.run`.

    status:   every task -> "success", "failed" or "skipped"
    results:  successful task -> its return value
    errors:   failed task -> the exception of its last attempt
    attempts: every task -> how many times its function was called (0 if skipped)
    order:    the tasks in the order they were started (skipped ones never start)
    """

    status: dict[str, str] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Exception] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every task succeeded."""
        return all(s == SUCCESS for s in self.status.values())


@dataclass
class _Task:
    name: str
    fn: Callable[..., Any]
    deps: tuple[str, ...]
    retries: int
    backoff: float
    index: int


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be an int or float, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


class Scheduler:
    """Tasks with dependencies, run in topological order with retries."""

    def __init__(self, sleep: Callable[[float], Any] = time.sleep) -> None:
        self._sleep = sleep
        self._tasks: dict[str, _Task] = {}

    def tasks(self) -> list[str]:
        """The names of the added tasks, in the order they were added."""
        return list(self._tasks)

    # ---- building the graph ----------------------------------------------------------

    def add_task(
        self,
        name: str,
        fn: Callable[..., Any],
        deps: Sequence[str] = (),
        retries: int = 0,
        backoff: float = 1.0,
    ) -> None:
        """Register ``fn`` under ``name``; it runs after every task in ``deps``.

        Raises:
            TypeError, ValueError: for invalid arguments or a duplicate name.
            CycleError: if the new task closes a dependency cycle.
        """
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        if not name:
            raise ValueError("name must not be empty")
        if name in self._tasks:
            raise ValueError(f"a task named {name!r} already exists")
        if not callable(fn):
            raise TypeError(f"fn of task {name!r} is not callable")
        if not isinstance(deps, (list, tuple)) or not all(
            isinstance(d, str) for d in deps
        ):
            raise TypeError("deps must be a list or tuple of task names")
        if len(set(deps)) != len(deps):
            raise ValueError(f"task {name!r} lists a dependency twice")
        if isinstance(retries, bool) or not isinstance(retries, int):
            raise TypeError("retries must be an int")
        if retries < 0:
            raise ValueError("retries must be >= 0")
        _check_number("backoff", backoff)
        cycle = self._find_cycle(name, tuple(deps))
        if cycle:
            raise CycleError(cycle)
        self._tasks[name] = _Task(
            name, fn, tuple(deps), retries, float(backoff), len(self._tasks)
        )

    def _find_cycle(self, new: str, deps: tuple[str, ...]) -> list[str]:
        """A path new -> ... -> new along dependencies, or [] if there is none."""
        seen: set[str] = set()

        def visit(node: str, path: list[str]) -> list[str]:
            node_deps = deps if node == new else self._tasks[node].deps
            for dep in node_deps:
                if dep == new:
                    return path + [new]
                if dep in self._tasks and dep not in seen:
                    seen.add(dep)
                    found = visit(dep, path + [dep])
                    if found:
                        return found
            return []

        return visit(new, [new])

    # ---- running ---------------------------------------------------------------------

    def _check_dependencies(self) -> None:
        for task in self._tasks.values():
            for dep in task.deps:
                if dep not in self._tasks:
                    raise MissingDependencyError(
                        f"task {task.name!r} depends on {dep!r}, which was never added"
                    )

    def _attempt(self, task: _Task, args: list[Any]) -> tuple[str, Any, int]:
        """Run one task with its retries: (status, result or exception, attempts)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return SUCCESS, task.fn(*args), attempt
            except Exception as exc:
                if attempt > task.retries:
                    return FAILED, exc, attempt
                self._sleep(task.backoff * 2 ** (attempt - 1))

    def run(self, max_workers: int = 1) -> RunReport:
        """Run every task once; return a :class:`RunReport`.

        Raises:
            TypeError, ValueError: if ``max_workers`` is not an int >= 1.
            MissingDependencyError: before anything runs, if a dependency was
                never added.
        """
        if isinstance(max_workers, bool) or not isinstance(max_workers, int):
            raise TypeError("max_workers must be an int")
        if max_workers < 1:
            raise ValueError("max_workers must be >= 1")
        self._check_dependencies()
        report = RunReport()
        waiting = {name: len(set(t.deps)) for name, t in self._tasks.items()}
        dependents: dict[str, list[str]] = {name: [] for name in self._tasks}
        for task in self._tasks.values():
            for dep in task.deps:
                dependents[dep].append(task.name)
        ready = [(t.index, t.name) for t in self._tasks.values() if not t.deps]
        heapq.heapify(ready)
        running: dict[Future[tuple[str, Any, int]], str] = {}

        def skip(name: str) -> None:
            if name in report.status:
                return
            report.status[name] = SKIPPED
            report.attempts[name] = 0
            for child in dependents[name]:
                skip(child)

        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            while ready or running:
                while ready and len(running) < max_workers:
                    _, name = heapq.heappop(ready)
                    task = self._tasks[name]
                    args = [report.results[d] for d in task.deps]
                    report.order.append(name)
                    running[pool.submit(self._attempt, task, args)] = name
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: self._tasks[running[f]].index):
                    name = running.pop(future)
                    status, value, attempts = future.result()
                    report.status[name] = status
                    report.attempts[name] = attempts
                    if status == SUCCESS:
                        report.results[name] = value
                        for child in dependents[name]:
                            waiting[child] -= 1
                            if waiting[child] == 0 and child not in report.status:
                                heapq.heappush(ready, (self._tasks[child].index, child))
                    else:
                        report.errors[name] = value
                        for child in dependents[name]:
                            skip(child)
        report.status = {name: report.status[name] for name in self._tasks}
        report.attempts = {name: report.attempts[name] for name in self._tasks}
        return report
