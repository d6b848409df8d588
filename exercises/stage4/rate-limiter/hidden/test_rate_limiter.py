import contextlib
import math
import random
import threading

import pytest

from grader.testing import student_module, type_name
from rate_limiter import SlidingWindowLimiter, TokenBucket


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


class FakeClock:
    """A clock the test moves by hand; every value used is exact in binary."""

    def __init__(self, now=0.0):
        self.now = float(now)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock(0.0)


@pytest.fixture
def tiny_switch_interval():
    """Make the limiter's process switch threads very often so that races show up."""
    student_sys = student_module("sys")  # this process's sys when run in-process
    old = student_sys.getswitchinterval()
    student_sys.setswitchinterval(1e-6)
    yield
    student_sys.setswitchinterval(old)


def admitted(limiter, n, key="default", cost=1):
    return [limiter.allow(key, cost) for _ in range(n)]


def hammer(limiter, keys, threads=8):
    """Call limiter.allow(key) for every key of `keys` from `threads` threads of the
    limiter's own process (a race needs them in one process); all the answers.

    The threads take the keys from one iterator, so equal keys in a row reach the
    limiter from different threads at nearly the same moment.
    """
    shared = student_module("builtins").iter([(key,) for key in keys])
    starmap = student_module("itertools").starmap
    pool = student_module("concurrent.futures").ThreadPoolExecutor(threads)
    try:
        calls = [starmap(limiter.allow, shared) for _ in range(threads)]
        # `list` crosses as a name: the threads run the student process's own list().
        answers = list(pool.map(list, calls, timeout=30))
    finally:
        pool.shutdown(wait=False)
    assert len(answers) == threads
    return [answer for thread in answers for answer in thread]


# float() == 0.0: a clock that never moves, read in the limiter's own process.
FROZEN_CLOCK = float


def ticking_clock(step):
    """A clock that moves on by `step` at every reading, read in the limiter's own
    process: next() on an itertools.count is one atomic step, no lock needed."""
    tools = student_module("functools")
    counter = student_module("itertools").count(0.0, step)
    return tools.partial(student_module("builtins").next, counter)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_bucket_starts_full_then_rejects(clock):
    """A new key's bucket starts full: capacity requests pass, the next is rejected"""
    bucket = TokenBucket(rate=1, capacity=3, clock=clock)
    assert admitted(bucket, 5) == [True, True, True, False, False]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_bucket_refills_at_rate(clock):
    """Tokens come back at `rate` per second: 0.5 s at rate 2 buys exactly one more"""
    bucket = TokenBucket(rate=2, capacity=4, clock=clock)
    assert admitted(bucket, 4) == [True] * 4
    assert bucket.allow() is False
    clock.advance(0.25)
    assert bucket.allow() is False
    clock.advance(0.25)
    assert admitted(bucket, 2) == [True, False]
    clock.advance(1.0)
    assert admitted(bucket, 3) == [True, True, False]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_bucket_never_exceeds_capacity(clock):
    """Idle time refills the bucket only up to capacity, never beyond it"""
    bucket = TokenBucket(rate=1, capacity=4, clock=clock)
    assert bucket.allow(cost=1) is True
    clock.advance(3.75)
    assert admitted(bucket, 6) == [True, True, True, True, False, False]
    clock.advance(1000)
    assert admitted(bucket, 6) == [True, True, True, True, False, False]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_bucket_fractional_tokens_accumulate(clock):
    """Fractions of a token add up: two 0.125 s steps at rate 4 give one token"""
    bucket = TokenBucket(rate=4, capacity=1, clock=clock)
    assert bucket.allow() is True
    clock.advance(0.125)
    assert bucket.allow() is False
    clock.advance(0.125)
    assert bucket.allow() is True
    assert bucket.allow() is False


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_bucket_cost_takes_several_tokens_or_none(clock):
    """allow(cost=n) takes n tokens; a rejected request takes no tokens at all"""
    bucket = TokenBucket(rate=1, capacity=5, clock=clock)
    assert bucket.allow(cost=3) is True
    assert bucket.allow(cost=3) is False
    assert bucket.allow(cost=2) is True
    assert bucket.allow(cost=1) is False
    clock.advance(0.5)
    assert bucket.allow(cost=0.5) is True
    assert bucket.allow(cost=0.5) is False


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_bucket_clock_going_backwards_adds_nothing(clock):
    """A clock that jumps backwards adds no tokens and the time is not counted twice"""
    clock.now = 10.0
    bucket = TokenBucket(rate=2, capacity=2, clock=clock)
    assert admitted(bucket, 2) == [True, True]
    clock.now = 5.0
    assert bucket.allow() is False
    clock.now = 10.5
    assert admitted(bucket, 2) == [True, False]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_bucket_default_clock_is_real_time():
    """Without a clock argument the bucket works on real time and the default key"""
    bucket = TokenBucket(rate=0.001, capacity=2)
    assert bucket.allow() is True
    assert bucket.allow("default") is True
    assert bucket.allow() is False


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "rate, capacity, error",
    [
        (0, 1, ValueError),
        (-1, 1, ValueError),
        (math.nan, 1, ValueError),
        (math.inf, 1, ValueError),
        (1, 0, ValueError),
        (1, -2.5, ValueError),
        ("2", 1, TypeError),
        (True, 1, TypeError),
        (1, None, TypeError),
    ],
    ids=[
        "rate-0",
        "rate-negative",
        "rate-nan",
        "rate-inf",
        "capacity-0",
        "capacity-negative",
        "rate-str",
        "rate-bool",
        "capacity-none",
    ],
)
def test_bucket_rejects_bad_arguments(clock, rate, capacity, error):
    """TokenBucket raises ValueError for bad values and TypeError for bad types"""
    with pytest.raises(error):
        TokenBucket(rate=rate, capacity=capacity, clock=clock)


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_bucket_rejects_bad_costs(clock):
    """allow() raises for costs that are not positive, above capacity or not numbers"""
    bucket = TokenBucket(rate=1, capacity=3, clock=clock)
    for cost in [0, -1, 3.5, 4, math.nan]:
        with raises_for(cost, ValueError):
            bucket.allow(cost=cost)
    for cost in ["1", True, None]:
        with raises_for(cost, TypeError):
            bucket.allow(cost=cost)
    assert admitted(bucket, 4) == [True, True, True, False]


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_window_admits_limit_then_rejects(clock):
    """The sliding window admits `limit` events and rejects the rest of the window"""
    limiter = SlidingWindowLimiter(limit=3, window_seconds=10, clock=clock)
    assert admitted(limiter, 4) == [True, True, True, False]
    clock.advance(9.5)
    assert limiter.allow() is False


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_window_event_expires_exactly_after_window(clock):
    """An event at time t no longer counts at exactly t + window_seconds"""
    limiter = SlidingWindowLimiter(limit=1, window_seconds=10, clock=clock)
    assert limiter.allow() is True
    clock.now = 9.75
    assert limiter.allow() is False
    clock.now = 10.0
    assert limiter.allow() is True
    assert limiter.allow() is False


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_window_slides_instead_of_resetting(clock):
    """Events leave the window one by one: it is a sliding, not a fixed, window"""
    limiter = SlidingWindowLimiter(limit=2, window_seconds=10, clock=clock)
    clock.now = 8.0
    assert limiter.allow() is True
    clock.now = 9.0
    assert limiter.allow() is True
    clock.now = 12.0  # a fixed 0-10 / 10-20 window would start afresh here
    assert limiter.allow() is False
    clock.now = 18.0
    assert admitted(limiter, 2) == [True, False]
    clock.now = 19.0
    assert admitted(limiter, 2) == [True, False]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_window_cost_counts_several_events(clock):
    """allow(cost=n) records n events; a rejected request records nothing"""
    limiter = SlidingWindowLimiter(limit=5, window_seconds=4, clock=clock)
    assert limiter.allow(cost=3) is True
    clock.advance(1)
    assert limiter.allow(cost=3) is False
    assert limiter.allow(cost=2) is True
    assert limiter.allow() is False
    clock.now = 4.0  # the first three events leave
    assert limiter.allow(cost=3) is True
    assert limiter.allow() is False
    clock.now = 5.0
    assert limiter.allow(cost=2) is True


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_window_rejects_bad_arguments(clock):
    """SlidingWindowLimiter validates limit, window_seconds and cost"""
    for limit, window, error in [
        (0, 1, ValueError),
        (-3, 1, ValueError),
        (2.5, 1, TypeError),
        (True, 1, TypeError),
        ("3", 1, TypeError),
        (3, 0, ValueError),
        (3, -1, ValueError),
        (3, math.inf, ValueError),
        (3, "1", TypeError),
    ]:
        with pytest.raises(error):
            SlidingWindowLimiter(limit=limit, window_seconds=window, clock=clock)
    limiter = SlidingWindowLimiter(limit=3, window_seconds=0.5, clock=clock)
    for cost, error in [
        (0, ValueError),
        (-1, ValueError),
        (4, ValueError),
        (1.0, TypeError),
        (False, TypeError),
    ]:
        with pytest.raises(error):
            limiter.allow(cost=cost)
    assert admitted(limiter, 4) == [True, True, True, False]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_bucket_retry_after_is_exact_and_free(clock):
    """TokenBucket.retry_after gives the exact wait and takes no tokens"""
    bucket = TokenBucket(rate=2, capacity=4, clock=clock)
    assert bucket.retry_after() == 0.0
    assert bucket.retry_after() == 0.0
    admitted(bucket, 4)
    assert bucket.retry_after() == pytest.approx(0.5)
    assert bucket.retry_after(cost=3) == pytest.approx(1.5)
    clock.advance(0.25)
    assert bucket.retry_after() == pytest.approx(0.25)
    clock.advance(0.25)
    assert bucket.retry_after() == 0.0
    assert bucket.allow() is True
    assert bucket.allow() is False


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_window_retry_after_waits_for_enough_expiries(clock):
    """SlidingWindowLimiter.retry_after waits until enough old events have left"""
    limiter = SlidingWindowLimiter(limit=3, window_seconds=10, clock=clock)
    for t in (1.0, 2.0, 4.0):
        clock.now = t
        limiter.allow()
    clock.now = 5.0
    assert limiter.retry_after() == pytest.approx(6.0)
    assert limiter.retry_after(cost=2) == pytest.approx(7.0)
    assert limiter.retry_after(cost=3) == pytest.approx(9.0)
    clock.now = 11.0
    assert limiter.retry_after() == 0.0
    assert limiter.retry_after(cost=2) == pytest.approx(1.0)
    assert limiter.allow() is True
    assert limiter.retry_after() == pytest.approx(1.0)


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_retry_after_unknown_key_is_zero_and_stores_nothing(clock):
    """retry_after for a key never seen is 0.0 and does not create state"""
    bucket = TokenBucket(rate=1, capacity=2, clock=clock)
    window = SlidingWindowLimiter(limit=2, window_seconds=1, clock=clock)
    for limiter in (bucket, window):
        assert limiter.retry_after("nobody") == 0.0, f"for {type_name(limiter)}"
        assert limiter.retry_after("nobody", cost=2) == 0.0, f"for {type_name(limiter)}"
        assert len(limiter) == 0, f"for {type_name(limiter)}"


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_retry_after_validates_cost(clock):
    """retry_after raises ValueError for a cost that could never be admitted"""
    with pytest.raises(ValueError):
        TokenBucket(rate=1, capacity=2, clock=clock).retry_after("k", cost=3)
    with pytest.raises(ValueError):
        SlidingWindowLimiter(limit=2, window_seconds=1, clock=clock).retry_after(
            "k", cost=3
        )


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.parametrize("kind", ["bucket", "window"])
@pytest.mark.core
def test_waiting_retry_after_is_exactly_enough(clock, kind):
    """Random traffic: allow fails just before now + retry_after and succeeds at it"""
    rng = random.Random(4242)
    if kind == "bucket":
        limiter = TokenBucket(rate=4, capacity=6, clock=clock)
    else:
        limiter = SlidingWindowLimiter(limit=6, window_seconds=2, clock=clock)
    for _ in range(300):
        clock.advance(rng.randrange(0, 5) / 8)
        key = rng.choice("ab")
        cost = rng.randint(1, 4)
        wait = limiter.retry_after(key, cost)
        assert wait >= 0.0
        if wait == 0.0:
            assert limiter.allow(key, cost) is True
            continue
        assert limiter.allow(key, cost) is False
        clock.advance(wait - 1 / 64)
        assert limiter.allow(key, cost) is False, "admitted before retry_after"
        clock.advance(1 / 64)
        assert limiter.allow(key, cost) is True, "rejected after retry_after"


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_keys_are_limited_independently(clock):
    """Every key has its own bucket / window"""
    bucket = TokenBucket(rate=1, capacity=2, clock=clock)
    window = SlidingWindowLimiter(limit=2, window_seconds=5, clock=clock)
    for limiter in (bucket, window):
        assert admitted(limiter, 3, key="alice") == [
            True,
            True,
            False,
        ], f"for {type_name(limiter)}"
        assert admitted(limiter, 3, key="bob") == [
            True,
            True,
            False,
        ], f"for {type_name(limiter)}"
        assert admitted(limiter, 1, key=("ip", "10.0.0.1")) == [
            True
        ], f"for {type_name(limiter)}"
        assert len(limiter) == 3, f"for {type_name(limiter)}"


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_bucket_cleanup_removes_only_full_buckets(clock):
    """TokenBucket.cleanup() drops keys whose bucket is full again, returns the count"""
    bucket = TokenBucket(rate=1, capacity=4, clock=clock)
    bucket.allow("a", cost=4)
    bucket.allow("b", cost=1)
    bucket.allow("c", cost=2)
    assert len(bucket) == 3
    assert bucket.cleanup() == 0
    clock.advance(1.5)
    assert bucket.cleanup() == 1  # only b is full again
    assert len(bucket) == 2
    assert bucket.allow("c", cost=3.5) is True  # c kept its state: 2 + 1.5
    assert bucket.allow("c", cost=0.5) is False
    clock.advance(10)
    assert bucket.cleanup() == 2
    assert len(bucket) == 0


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_window_cleanup_removes_only_empty_windows(clock):
    """SlidingWindowLimiter.cleanup() drops keys with no event left in the window"""
    limiter = SlidingWindowLimiter(limit=2, window_seconds=10, clock=clock)
    limiter.allow("a")
    clock.now = 5.0
    limiter.allow("b")
    limiter.allow("b")
    clock.now = 9.0
    assert limiter.cleanup() == 0
    clock.now = 10.0
    assert limiter.cleanup() == 1
    assert len(limiter) == 1
    assert limiter.allow("b") is False  # b's events are still counted
    clock.now = 15.0
    assert limiter.cleanup() == 1
    assert len(limiter) == 0


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.parametrize("kind", ["bucket", "window"])
@pytest.mark.core
def test_allow_sweeps_idle_keys_by_itself(clock, kind):
    """allow() evicts idle keys on its own once a sweep interval has passed"""
    if kind == "bucket":
        limiter = TokenBucket(rate=2, capacity=4, clock=clock)  # interval 2 s
    else:
        limiter = SlidingWindowLimiter(limit=4, window_seconds=2, clock=clock)
    assert limiter.sweep_interval == 2
    for i in range(300):
        limiter.allow(f"user-{i}")
    assert len(limiter) == 300
    clock.advance(4)
    assert limiter.allow("late") is True
    assert len(limiter) == 1


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.parametrize("kind", ["bucket", "window"])
def test_evicted_key_behaves_like_a_new_one(clock, kind):
    """A key that was evicted starts again with a full allowance"""
    if kind == "bucket":
        limiter = TokenBucket(rate=1, capacity=3, clock=clock)
    else:
        limiter = SlidingWindowLimiter(limit=3, window_seconds=3, clock=clock)
    assert admitted(limiter, 4, key="k") == [True, True, True, False]
    clock.advance(7)
    limiter.cleanup()
    assert len(limiter) == 0
    assert admitted(limiter, 4, key="k") == [True, True, True, False]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_busy_keys_survive_automatic_sweeps(clock):
    """Automatic sweeps never forget a key that still has used-up allowance"""
    limiter = TokenBucket(rate=1, capacity=4, clock=clock)  # interval 4 s
    for step in range(12):
        clock.advance(1)
        assert limiter.allow("busy", cost=1) is True, f"for {step!r}"
        assert limiter.allow("busy", cost=1) is (step < 3), step
        limiter.allow(f"one-off-{step}")
    assert len(limiter) <= 6


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_bucket_threads_never_over_admit(tiny_switch_interval):
    """8 threads on one key with a frozen clock get exactly capacity admissions"""
    bucket = TokenBucket(rate=1, capacity=4000, clock=FROZEN_CLOCK)
    answers = hammer(bucket, ["shared"] * 12000)
    assert len(answers) == 12000
    assert sum(answers) == 4000


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_window_threads_never_over_admit(tiny_switch_interval):
    """8 threads on one key with a frozen clock get exactly limit admissions"""
    limiter = SlidingWindowLimiter(limit=4000, window_seconds=60, clock=FROZEN_CLOCK)
    answers = hammer(limiter, ["shared"] * 12000)
    assert len(answers) == 12000
    assert sum(answers) == 4000


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.parametrize("kind", ["bucket", "window"])
def test_threads_creating_keys_at_once_never_over_admit(tiny_switch_interval, kind):
    """8 threads racing to create the same new key get capacity admissions in all"""
    if kind == "bucket":
        limiter = TokenBucket(rate=1, capacity=2, clock=FROZEN_CLOCK)
    else:
        limiter = SlidingWindowLimiter(limit=2, window_seconds=60, clock=FROZEN_CLOCK)
    rounds = 4000
    # Each new key 8 times in a row: its first requests come from different threads.
    answers = hammer(limiter, [f"new-{r}" for r in range(rounds) for _ in range(8)])
    assert len(answers) == 8 * rounds
    assert len(limiter) == rounds
    assert sum(answers) == 2 * rounds, "a key got more than capacity admissions"


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_threads_with_moving_clock_respect_the_rate(tiny_switch_interval):
    """With time moving on, threads never get more than capacity + rate * elapsed"""
    clock = ticking_clock(1 / 1024)
    bucket = TokenBucket(rate=8, capacity=16, clock=clock)
    answers = hammer(bucket, ["shared"] * 30000)
    elapsed = clock()  # later than every reading the bucket made
    assert len(answers) == 30000
    assert 16 <= sum(answers) <= 16 + 8 * elapsed + 1e-9


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_window_threads_with_moving_clock_never_over_admit(tiny_switch_interval):
    """With time moving on, no window_seconds-long span ever holds more than limit"""
    lock = threading.Lock()
    state = {"now": 0.0}
    local = threading.local()

    def ticking():
        # Called in the thread that asked allow(), here or as the call's helper.
        with lock:
            state["now"] += 1 / 1024
            local.last = state["now"]
        return local.last

    window = 1 / 16
    limiter = SlidingWindowLimiter(limit=5, window_seconds=window, clock=ticking)
    stamps = []
    barrier = threading.Barrier(8)
    errors = []

    def worker():
        mine = []
        try:
            barrier.wait(timeout=10)
            for _ in range(100):
                if limiter.allow("shared"):
                    mine.append(local.last)
        except BaseException as exc:  # reported below
            errors.append(exc)
        with lock:
            stamps.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(8)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in pool), "a worker thread is stuck"
    assert errors == [], f"allow() raised in a thread: {errors[0]!r}"
    stamps.sort()
    assert len(stamps) >= 5 * int(state["now"] / window) // 2, "far too strict"
    crowded = [
        (stamps[i], stamps[i + 5])
        for i in range(len(stamps) - 5)
        if stamps[i + 5] - stamps[i] < window
    ]
    assert crowded == [], f"6 admissions within one window, e.g. at {crowded[0]}"
