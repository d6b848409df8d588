"""Tests for circuit_breaker.py on a fake clock: exact and instant."""

import threading

import pytest

from circuit_breaker import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    CircuitBreaker,
    CircuitOpenError,
)


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


class Boom(Exception):
    pass


def fail(exc=None):
    raise exc or Boom("down")


@pytest.fixture
def clock():
    return FakeClock()


def make(clock, **options):
    options.setdefault("failure_threshold", 2)
    options.setdefault("recovery_timeout", 10)
    return CircuitBreaker(clock=clock, **options)


def trip(breaker, times):
    for _ in range(times):
        with pytest.raises(Boom):
            breaker.call(fail)


def test_closed_passes_through(clock):
    breaker = make(clock)
    assert breaker.state == CLOSED
    assert breaker.call(lambda a, b: a + b, 1, b=2) == 3


def test_opens_after_threshold(clock):
    breaker = make(clock)
    trip(breaker, 1)
    assert breaker.failure_count == 1
    assert breaker.state == CLOSED
    trip(breaker, 1)
    assert breaker.state == OPEN
    assert breaker.failure_count == 0


def test_success_resets_count(clock):
    breaker = make(clock)
    trip(breaker, 1)
    breaker.call(lambda: None)
    trip(breaker, 1)
    assert breaker.state == CLOSED


def test_unexpected_exception_is_not_counted(clock):
    breaker = make(clock, failure_threshold=1, expected_exceptions=Boom)
    with pytest.raises(KeyError):
        breaker.call(fail, KeyError("x"))
    assert breaker.state == CLOSED


@pytest.mark.parametrize(
    "options, error",
    [
        ({"failure_threshold": 0}, ValueError),
        ({"failure_threshold": True}, TypeError),
        ({"recovery_timeout": -1}, ValueError),
        ({"recovery_timeout": "1"}, TypeError),
        ({"half_open_max_calls": 0}, ValueError),
        ({"expected_exceptions": ()}, ValueError),
        ({"expected_exceptions": (int,)}, TypeError),
    ],
)
def test_validation(clock, options, error):
    with pytest.raises(error):
        CircuitBreaker(clock=clock, **options)


def test_open_rejects_with_retry_after(clock):
    breaker = make(clock, failure_threshold=1)
    trip(breaker, 1)
    calls = []
    clock.now = 4.0
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(calls.append, 1)
    assert info.value.retry_after == 6.0
    assert calls == []


def test_half_open_after_timeout_then_success_closes(clock):
    breaker = make(clock, failure_threshold=1)
    trip(breaker, 1)
    clock.now = 10.0
    assert breaker.state == HALF_OPEN
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state == CLOSED


def test_half_open_failure_reopens(clock):
    breaker = make(clock, failure_threshold=1)
    trip(breaker, 1)
    clock.now = 10.0
    trip(breaker, 1)
    assert breaker.state == OPEN
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(lambda: None)
    assert info.value.retry_after == 10.0


def test_half_open_needs_all_trials(clock):
    breaker = make(
        clock, failure_threshold=1, half_open_max_calls=2, expected_exceptions=Boom
    )
    trip(breaker, 1)
    clock.now = 10.0
    breaker.call(lambda: None)
    assert breaker.state == HALF_OPEN
    with pytest.raises(KeyError):
        breaker.call(fail, KeyError("not counted"))
    breaker.call(lambda: None)
    assert breaker.state == CLOSED


def test_half_open_rejects_extra_concurrent_calls(clock):
    breaker = make(clock, failure_threshold=1)
    trip(breaker, 1)
    clock.now = 10.0
    inside = threading.Event()
    release = threading.Event()

    def slow():
        inside.set()
        release.wait(5)
        return "slow"

    thread = threading.Thread(target=breaker.call, args=(slow,))
    thread.start()
    assert inside.wait(5)
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(lambda: None)
    assert info.value.retry_after == 0.0
    release.set()
    thread.join(5)
    assert breaker.state == CLOSED


def test_stale_outcome_is_ignored(clock):
    breaker = make(clock, failure_threshold=1)
    inside = threading.Event()
    release = threading.Event()

    def slow():
        inside.set()
        release.wait(5)
        raise Boom("late")

    thread = threading.Thread(target=lambda: pytest.raises(Boom, breaker.call, slow))
    thread.start()
    assert inside.wait(5)
    trip(breaker, 1)
    breaker.reset()
    release.set()
    thread.join(5)
    assert breaker.state == CLOSED
    assert breaker.failure_count == 0


def test_decorator_and_listeners(clock):
    breaker = make(clock, failure_threshold=1)
    seen = []
    breaker.add_listener(lambda old, new: seen.append((old, new, breaker.state)))
    breaker.add_listener(lambda old, new: 1 / 0)

    @breaker
    def broken():
        """Always fails."""
        raise Boom("x")

    assert broken.__name__ == "broken"
    assert broken.__doc__ == "Always fails."
    with pytest.raises(Boom):
        broken()
    with pytest.raises(CircuitOpenError):
        broken()
    breaker.reset()
    assert seen == [(CLOSED, OPEN, OPEN), (OPEN, CLOSED, CLOSED)]


def test_threads_open_once(clock):
    breaker = make(clock, failure_threshold=5, recovery_timeout=60)
    seen = []
    breaker.add_listener(lambda old, new: seen.append(new))

    def worker():
        for _ in range(20):
            try:
                breaker.call(fail)
            except (Boom, CircuitOpenError):
                pass

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert seen == [OPEN]
