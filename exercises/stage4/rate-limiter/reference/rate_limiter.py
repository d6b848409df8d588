"""Token-bucket and sliding-window rate limiters with per-key state.

Two limiters share one interface::

    limiter.allow(key="default", cost=1) -> bool     # admit (and record) or reject
    limiter.retry_after(key="default", cost=1)       # seconds until allow succeeds
    limiter.cleanup() -> int                         # drop idle keys, return how many
    len(limiter)                                     # number of keys stored

:class:`TokenBucket` refills ``rate`` tokens per second up to ``capacity``;
:class:`SlidingWindowLimiter` admits at most ``limit`` events in any
``window_seconds`` long window. Both take an injectable ``clock`` (a function
returning seconds as a float, :func:`time.monotonic` by default), are safe to
use from many threads, and forget keys that have gone idle so that memory stays
bounded.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable, Hashable

Clock = Callable[[], float]


def _check_positive_number(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be an int or float, not {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _check_positive_int(name: str, value: object) -> int:
    """Return ``value`` if it is an int (not a bool) > 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


class _Bucket:
    """The state of one key: its tokens and the clock reading of the last update."""

    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated


class TokenBucket:
    """A token bucket per key: ``rate`` tokens per second, at most ``capacity``."""

    def __init__(
        self, rate: float, capacity: float, clock: Clock = time.monotonic
    ) -> None:
        self.rate = _check_positive_number("rate", rate)
        self.capacity = _check_positive_number("capacity", capacity)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, _Bucket] = {}
        self._last_sweep = clock()

    @property
    def sweep_interval(self) -> float:
        """Seconds between automatic sweeps: ``capacity / rate``."""
        return self.capacity / self.rate

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def _check_cost(self, cost: object) -> float:
        value = _check_positive_number("cost", cost)
        if value > self.capacity:
            raise ValueError(f"cost {cost!r} exceeds the capacity {self.capacity:g}")
        return value

    def _refill(self, bucket: _Bucket, now: float) -> None:
        """Add the tokens earned since the last update; never move time backwards."""
        elapsed = now - bucket.updated
        if elapsed > 0:
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.updated = now

    def _sweep_if_due(self, now: float) -> None:
        if now - self._last_sweep >= self.sweep_interval:
            self._cleanup_locked(now)

    def _cleanup_locked(self, now: float) -> int:
        idle = []
        for key, bucket in self._buckets.items():
            self._refill(bucket, now)
            if bucket.tokens >= self.capacity:
                idle.append(key)
        for key in idle:
            del self._buckets[key]
        self._last_sweep = now
        return len(idle)

    def allow(self, key: Hashable = "default", cost: float = 1) -> bool:
        """Take ``cost`` tokens from ``key``'s bucket if it has them."""
        amount = self._check_cost(cost)
        with self._lock:
            now = self._clock()
            self._sweep_if_due(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            else:
                self._refill(bucket, now)
            if bucket.tokens >= amount:
                bucket.tokens -= amount
                return True
            return False

    def retry_after(self, key: Hashable = "default", cost: float = 1) -> float:
        """Seconds until ``allow(key, cost)`` would succeed; 0.0 if it would now."""
        amount = self._check_cost(cost)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0.0
            self._refill(bucket, self._clock())
            if bucket.tokens >= amount:
                return 0.0
            return (amount - bucket.tokens) / self.rate

    def cleanup(self) -> int:
        """Remove every idle key (its bucket is full again); return how many."""
        with self._lock:
            return self._cleanup_locked(self._clock())


class SlidingWindowLimiter:
    """At most ``limit`` events per key in any window of ``window_seconds``."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Clock = time.monotonic
    ) -> None:
        self.limit = _check_positive_int("limit", limit)
        self.window_seconds = _check_positive_number("window_seconds", window_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._events: dict[Hashable, deque[float]] = {}
        self._last_sweep = clock()

    @property
    def sweep_interval(self) -> float:
        """Seconds between automatic sweeps: ``window_seconds``."""
        return self.window_seconds

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def _check_cost(self, cost: object) -> int:
        value = _check_positive_int("cost", cost)
        if value > self.limit:
            raise ValueError(f"cost {cost!r} exceeds the limit {self.limit}")
        return value

    def _expire(self, events: deque[float], now: float) -> None:
        while events and now - events[0] >= self.window_seconds:
            events.popleft()

    def _sweep_if_due(self, now: float) -> None:
        if now - self._last_sweep >= self.sweep_interval:
            self._cleanup_locked(now)

    def _cleanup_locked(self, now: float) -> int:
        idle = []
        for key, events in self._events.items():
            self._expire(events, now)
            if not events:
                idle.append(key)
        for key in idle:
            del self._events[key]
        self._last_sweep = now
        return len(idle)

    def allow(self, key: Hashable = "default", cost: int = 1) -> bool:
        """Record ``cost`` events for ``key`` if the window has room for them."""
        amount = self._check_cost(cost)
        with self._lock:
            now = self._clock()
            self._sweep_if_due(now)
            events = self._events.get(key)
            if events is None:
                events = self._events[key] = deque()
            else:
                self._expire(events, now)
            if len(events) + amount <= self.limit:
                events.extend([now] * amount)
                return True
            return False

    def retry_after(self, key: Hashable = "default", cost: int = 1) -> float:
        """Seconds until ``allow(key, cost)`` would succeed; 0.0 if it would now."""
        amount = self._check_cost(cost)
        with self._lock:
            events = self._events.get(key)
            if events is None:
                return 0.0
            now = self._clock()
            self._expire(events, now)
            excess = len(events) + amount - self.limit
            if excess <= 0:
                return 0.0
            return events[excess - 1] + self.window_seconds - now

    def cleanup(self) -> int:
        """Remove every idle key (no event left in its window); return how many."""
        with self._lock:
            return self._cleanup_locked(self._clock())
