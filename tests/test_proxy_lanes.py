"""Concurrent calls across the process split: several test threads drive one student object at
once, the submission's own threads call the tests' functions at once, and a thread that
outlives its call cannot run a test's code later. These tests talk to a real student process.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from grader.sandbox.proxy.client import StudentConnection, StudentTimeout, install
from grader.sandbox.proxy.lanes import MAX_LANES
from grader.sandbox.proxy.rules import ProtocolViolation

STUDENT = Path(__file__).parent / "proxy_student"


@pytest.fixture()
def crowd():
    connection = StudentConnection(str(STUDENT), call_seconds=5)
    finder = install(connection, ["crowd"])
    sys.modules.pop("crowd", None)
    import crowd

    yield crowd, connection
    sys.meta_path.remove(finder)
    sys.modules.pop("crowd", None)
    connection.stop()


def _in_threads(count: int, work) -> list:
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            results[index] = work()
        except BaseException as exc:  # judged by the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results


def test_several_test_threads_use_one_student_object_at_once(crowd) -> None:
    module, connection = crowd
    meeting = module.Meeting(
        4
    )  # its barrier opens only with four callers inside at once
    idents = _in_threads(4, meeting.arrive)
    assert all(isinstance(i, int) for i in idents), idents
    assert len(set(idents)) == 4  # served on four threads of the student process
    assert meeting.count == 4
    assert connection.restarts == 0


def test_student_threads_call_the_tests_functions_at_once(crowd) -> None:
    module, _ = crowd
    barrier = threading.Barrier(3, timeout=5)  # opens only if three calls overlap here
    seen: list[str] = []

    def task() -> str:
        barrier.wait()
        seen.append(threading.current_thread().name)
        return "done"

    assert module.call_at_once([task, task, task]) == ["done", "done", "done"]
    assert len(set(seen)) == 3


def test_a_tests_function_called_from_a_student_thread_may_call_the_submission(
    crowd,
) -> None:
    module, _ = crowd

    def task(value: int):
        return lambda: module.square(value) + 1

    assert module.call_at_once([task(2), task(3)]) == [5, 10]


def test_a_student_thread_that_outlives_its_call_cannot_run_a_tests_function(
    crowd,
) -> None:
    module, _ = crowd
    calls: list[int] = []
    module.call_later(lambda: calls.append(1) or "ran", 0.3)
    time.sleep(1.0)  # the tests are not calling the submission now
    assert calls == []
    assert "are not calling your code now" in module.late_result()


def test_a_submission_that_opens_too_many_calls_at_once_fails_the_test(
    crowd,
) -> None:
    module, connection = crowd
    gate = threading.Event()

    def blocked() -> None:
        gate.wait(3)

    with pytest.raises(ProtocolViolation, match="calls at once"):
        module.call_at_once([blocked] * (MAX_LANES + 8))
    gate.set()
    assert module.square(4) == 16  # a new student process answers the next call
    assert connection.restarts == 1


def test_a_call_that_hangs_on_one_thread_replaces_the_process_for_all(
    crowd,
) -> None:
    module, connection = crowd
    module.square(1)
    connection.call_seconds = 1
    connection.endpoint.sock.settimeout(1)
    results = _in_threads(2, module.hang)
    assert all(isinstance(r, Exception) for r in results), results
    assert any(isinstance(r, StudentTimeout) for r in results), results
    connection.call_seconds = 5
    assert module.square(5) == 25
    assert connection.restarts == 1


def test_calls_that_arrive_together_are_served_together(crowd) -> None:
    module, _ = crowd
    # Each call waits in the test's callback until the other one is there too: served one
    # after the other, the pair would never meet.
    for _ in range(20):
        both = threading.Barrier(2, timeout=3)

        def meet(index: int) -> int:
            both.wait()
            return index

        results = _in_threads(2, lambda: module.call(meet, 7))
        assert results == [7, 7], results
