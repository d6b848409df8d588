"""Tests for rate_limiter.py, all on a fake clock so that every number is exact."""

import threading

import pytest

from rate_limiter import SlidingWindowLimiter, TokenBucket


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


def run(limiter, n, key="default", cost=1):
    return [limiter.allow(key, cost) for _ in range(n)]


# ------------------------------------------------------------------ TokenBucket


def test_bucket_starts_full(clock):
    bucket = TokenBucket(rate=1, capacity=2, clock=clock)
    assert run(bucket, 3) == [True, True, False]


def test_bucket_refills_and_caps(clock):
    bucket = TokenBucket(rate=2, capacity=2, clock=clock)
    run(bucket, 2)
    clock.now = 0.5
    assert run(bucket, 2) == [True, False]
    clock.now = 100.0
    assert run(bucket, 3) == [True, True, False]


def test_bucket_cost_all_or_nothing(clock):
    bucket = TokenBucket(rate=1, capacity=4, clock=clock)
    assert bucket.allow(cost=3) is True
    assert bucket.allow(cost=2) is False
    assert bucket.allow(cost=1) is True


def test_bucket_clock_backwards(clock):
    clock.now = 10.0
    bucket = TokenBucket(rate=1, capacity=1, clock=clock)
    assert bucket.allow() is True
    clock.now = 3.0
    assert bucket.allow() is False
    clock.now = 10.5
    assert bucket.allow() is False
    clock.now = 11.0
    assert bucket.allow() is True


@pytest.mark.parametrize(
    "rate, capacity, error",
    [(0, 1, ValueError), (1, float("inf"), ValueError), ("1", 1, TypeError)],
)
def test_bucket_validation(clock, rate, capacity, error):
    with pytest.raises(error):
        TokenBucket(rate, capacity, clock=clock)


def test_bucket_cost_validation(clock):
    bucket = TokenBucket(rate=1, capacity=2, clock=clock)
    with pytest.raises(ValueError):
        bucket.allow(cost=3)
    with pytest.raises(ValueError):
        bucket.allow(cost=0)
    with pytest.raises(TypeError):
        bucket.allow(cost=True)


def test_bucket_retry_after(clock):
    bucket = TokenBucket(rate=4, capacity=2, clock=clock)
    assert bucket.retry_after("new") == 0.0
    assert len(bucket) == 0
    run(bucket, 2)
    assert bucket.retry_after() == 0.25
    assert bucket.retry_after(cost=2) == 0.5
    clock.now = 0.25
    assert bucket.retry_after() == 0.0
    assert bucket.allow() is True


def test_bucket_cleanup_and_sweep(clock):
    bucket = TokenBucket(rate=1, capacity=2, clock=clock)
    assert bucket.sweep_interval == 2
    bucket.allow("a", cost=2)
    bucket.allow("b")
    clock.now = 1.0
    assert bucket.cleanup() == 1
    assert len(bucket) == 1
    for i in range(50):
        bucket.allow(f"k{i}")
    clock.now = 10.0
    bucket.allow("last")
    assert len(bucket) == 1


# --------------------------------------------------------- SlidingWindowLimiter


def test_window_limit_and_expiry(clock):
    limiter = SlidingWindowLimiter(limit=2, window_seconds=10, clock=clock)
    assert run(limiter, 3) == [True, True, False]
    clock.now = 9.0
    assert limiter.allow() is False
    clock.now = 10.0
    assert run(limiter, 3) == [True, True, False]


def test_window_slides(clock):
    limiter = SlidingWindowLimiter(limit=2, window_seconds=10, clock=clock)
    clock.now = 8.0
    limiter.allow()
    clock.now = 9.0
    limiter.allow()
    clock.now = 12.0
    assert limiter.allow() is False
    clock.now = 18.0
    assert run(limiter, 2) == [True, False]


def test_window_cost(clock):
    limiter = SlidingWindowLimiter(limit=3, window_seconds=1, clock=clock)
    assert limiter.allow(cost=2) is True
    assert limiter.allow(cost=2) is False
    assert limiter.allow(cost=1) is True


@pytest.mark.parametrize(
    "limit, window, error",
    [
        (0, 1, ValueError),
        (1.5, 1, TypeError),
        (2, -1, ValueError),
        (2, None, TypeError),
    ],
)
def test_window_validation(clock, limit, window, error):
    with pytest.raises(error):
        SlidingWindowLimiter(limit, window, clock=clock)


def test_window_cost_validation(clock):
    limiter = SlidingWindowLimiter(limit=2, window_seconds=1, clock=clock)
    with pytest.raises(ValueError):
        limiter.allow(cost=3)
    with pytest.raises(TypeError):
        limiter.allow(cost=1.0)
    with pytest.raises(ValueError):
        limiter.retry_after(cost=5)


def test_window_retry_after(clock):
    limiter = SlidingWindowLimiter(limit=2, window_seconds=10, clock=clock)
    assert limiter.retry_after("new") == 0.0
    assert len(limiter) == 0
    limiter.allow()
    clock.now = 4.0
    limiter.allow()
    clock.now = 5.0
    assert limiter.retry_after() == 5.0
    assert limiter.retry_after(cost=2) == 9.0
    clock.now = 10.0
    assert limiter.retry_after() == 0.0


def test_window_cleanup_and_sweep(clock):
    limiter = SlidingWindowLimiter(limit=1, window_seconds=5, clock=clock)
    assert limiter.sweep_interval == 5
    limiter.allow("a")
    clock.now = 3.0
    limiter.allow("b")
    clock.now = 5.0
    assert limiter.cleanup() == 1
    assert limiter.allow("b") is False
    clock.now = 20.0
    limiter.allow("c")
    assert len(limiter) == 1


def test_keys_are_independent(clock):
    for limiter in (
        TokenBucket(rate=1, capacity=1, clock=clock),
        SlidingWindowLimiter(limit=1, window_seconds=1, clock=clock),
    ):
        assert run(limiter, 2, key="x") == [True, False]
        assert run(limiter, 2, key="y") == [True, False]
        assert len(limiter) == 2


@pytest.mark.parametrize("kind", ["bucket", "window"])
def test_threads_do_not_over_admit(clock, kind):
    if kind == "bucket":
        limiter = TokenBucket(rate=1, capacity=100, clock=clock)
    else:
        limiter = SlidingWindowLimiter(limit=100, window_seconds=1, clock=clock)
    results = []
    lock = threading.Lock()

    def worker():
        mine = [limiter.allow("k") for _ in range(200)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 100


def test_default_clock_works():
    assert TokenBucket(rate=1, capacity=1).allow() is True
    assert SlidingWindowLimiter(limit=1, window_seconds=60).allow() is True
