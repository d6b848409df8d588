"""A thread-safe circuit breaker.

A :class:`CircuitBreaker` wraps calls to something that can fail (a remote
service, a database). After ``failure_threshold`` consecutive failures it
*opens* and rejects calls at once with :class:`CircuitOpenError`, giving the
failing service time to recover. After ``recovery_timeout`` seconds it becomes
*half-open* and lets at most ``half_open_max_calls`` trial calls through: when
they all succeed it *closes* again, and any failure opens it again::

    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=10.0)

    @breaker
    def fetch(url):
        ...

    fetch("https://example.com")        # or: breaker.call(fetch_raw, url)
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from typing import Any, Callable, TypeVar

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"

Clock = Callable[[], float]
Listener = Callable[[str, str], Any]
F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger(__name__)


class CircuitOpenError(Exception):
    """Raised instead of calling the function while the circuit rejects calls."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"circuit is open; retry after {retry_after:g} s")
        self.retry_after = retry_after


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return value


def _exception_classes(value: object) -> tuple[type[Exception], ...]:
    classes = value if isinstance(value, tuple) else (value,)
    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            raise TypeError(
                "expected_exceptions must be an exception class or a tuple of them, "
                f"not {value!r}"
            )
    if not classes:
        raise ValueError("expected_exceptions must not be empty")
    return classes


class CircuitBreaker:
    """Closed -> open after consecutive failures, half-open after a timeout."""

    def __init__(
        self,
        failure_threshold: int = 5,
        recovery_timeout: float = 30.0,
        half_open_max_calls: int = 1,
        expected_exceptions: type[Exception] | tuple[type[Exception], ...] = (
            Exception,
        ),
        clock: Clock = time.monotonic,
    ) -> None:
        self.failure_threshold = _positive_int("failure_threshold", failure_threshold)
        if isinstance(recovery_timeout, bool) or not isinstance(
            recovery_timeout, (int, float)
        ):
            raise TypeError("recovery_timeout must be an int or float")
        if not math.isfinite(recovery_timeout) or recovery_timeout <= 0:
            raise ValueError("recovery_timeout must be a finite number > 0")
        self.recovery_timeout = float(recovery_timeout)
        self.half_open_max_calls = _positive_int(
            "half_open_max_calls", half_open_max_calls
        )
        self.expected_exceptions = _exception_classes(expected_exceptions)
        self._clock = clock
        # Re-entrant: listeners run while the lock is held and may use the breaker.
        self._lock = threading.RLock()
        self._state = CLOSED
        self._generation = 0  # bumped on every state change
        self._failures = 0
        self._opened_at = 0.0
        self._trials = 0  # half-open calls admitted and not given back
        self._successes = 0  # half-open calls that succeeded
        self._listeners: list[Listener] = []

    # ---- state -------------------------------------------------------------------

    def _move(self, new: str) -> None:
        """Change state and tell the listeners, in order (lock held)."""
        old = self._state
        self._state = new
        self._generation += 1
        self._failures = 0
        self._trials = 0
        self._successes = 0
        if new == OPEN:
            self._opened_at = self._clock()
        for listener in list(self._listeners):
            try:
                listener(old, new)
            except Exception:
                logger.exception("circuit breaker listener %r failed", listener)

    def _refresh(self, now: float) -> None:
        """Move an open circuit whose timeout has passed to half-open (lock held)."""
        if self._state == OPEN and now - self._opened_at >= self.recovery_timeout:
            self._move(HALF_OPEN)

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half_open"``, as of now."""
        with self._lock:
            self._refresh(self._clock())
            return self._state

    @property
    def failure_count(self) -> int:
        """Consecutive expected failures counted while closed (0 in other states)."""
        with self._lock:
            return self._failures

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(old_state, new_state)`` after every state change."""
        with self._lock:
            self._listeners.append(listener)

    def reset(self) -> None:
        """Close the circuit and forget all failures."""
        with self._lock:
            self._refresh(self._clock())
            if self._state != CLOSED:
                self._move(CLOSED)
            self._failures = 0

    # ---- calls -------------------------------------------------------------------

    def _before_call(self) -> int:
        """Admit a call or raise CircuitOpenError; return the generation."""
        with self._lock:
            now = self._clock()
            self._refresh(now)
            if self._state == OPEN:
                raise CircuitOpenError(self._opened_at + self.recovery_timeout - now)
            if self._state == HALF_OPEN:
                if self._trials >= self.half_open_max_calls:
                    raise CircuitOpenError(0.0)
                self._trials += 1
            return self._generation

    def _after_call(self, generation: int, outcome: str) -> None:
        """Record the outcome (success, failure, ignored) of a call."""
        with self._lock:
            if generation != self._generation:
                return  # the state changed while fn ran: this outcome is stale
            if self._state == CLOSED:
                if outcome == "success":
                    self._failures = 0
                elif outcome == "failure":
                    self._failures += 1
                    if self._failures >= self.failure_threshold:
                        self._move(OPEN)
            elif outcome == "success":
                self._successes += 1
                if self._successes >= self.half_open_max_calls:
                    self._move(CLOSED)
            elif outcome == "failure":
                self._move(OPEN)
            else:
                self._trials -= 1  # an unexpected error gives the trial slot back

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``fn(*args, **kwargs)`` through the breaker and return its result.

        Raises:
            CircuitOpenError: without calling ``fn`` while the circuit rejects calls.
            Exception: whatever ``fn`` raised, unchanged.
        """
        generation = self._before_call()
        try:
            result = fn(*args, **kwargs)
        except self.expected_exceptions:
            self._after_call(generation, "failure")
            raise
        except BaseException:
            self._after_call(generation, "ignored")
            raise
        self._after_call(generation, "success")
        return result

    def __call__(self, fn: F) -> F:
        """Use the breaker as a decorator: every call of ``fn`` goes through it."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return self.call(fn, *args, **kwargs)

        return wrapper  # type: ignore[return-value]
