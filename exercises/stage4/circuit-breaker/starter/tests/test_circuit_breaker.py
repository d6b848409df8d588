"""Your own tests. Extend this file until it covers at least 70% of circuit_breaker.py.

Run it with:  grader test   (or: python -m pytest -q tests)

Use a fake clock (below) instead of real time: your tests become exact and fast.
"""

import pytest

from circuit_breaker import CLOSED, OPEN, CircuitBreaker, CircuitOpenError


class FakeClock:
    """A clock you move by hand: ``clock.now = 12.5``."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def fail():
    raise ConnectionError("service down")


def test_closed_breaker_returns_the_result():
    breaker = CircuitBreaker(clock=FakeClock())
    assert breaker.call(lambda x: x * 2, 21) == 42
    assert breaker.state == CLOSED


def test_opens_after_threshold_failures():
    breaker = CircuitBreaker(failure_threshold=2, clock=FakeClock())
    for _ in range(2):
        with pytest.raises(ConnectionError):
            breaker.call(fail)
    assert breaker.state == OPEN


def test_open_circuit_rejects_with_retry_after():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=10, clock=clock)
    with pytest.raises(ConnectionError):
        breaker.call(fail)
    clock.now = 4.0
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(fail)
    assert info.value.retry_after == 6.0
