import contextlib
import math
import threading
import time

import pytest

from grader.testing import student_module
from circuit_breaker import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    CircuitBreaker,
    CircuitOpenError,
)


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

    def __init__(self, now=100.0):
        self.now = float(now)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class Boom(Exception):
    pass


def fail(exc=None):
    raise exc if exc is not None else Boom("down")


def ok(value="fine"):
    return value


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def tiny_switch_interval():
    """Make the breaker's process switch threads very often so that races show up."""
    student_sys = student_module("sys")  # this process's sys when run in-process
    old = student_sys.getswitchinterval()
    student_sys.setswitchinterval(1e-6)
    yield
    student_sys.setswitchinterval(old)


def make(clock, **options):
    options.setdefault("failure_threshold", 3)
    options.setdefault("recovery_timeout", 10)
    return CircuitBreaker(clock=clock, **options)


def trip(breaker, times):
    for _ in range(times):
        with pytest.raises(Boom):
            breaker.call(fail)


def run_in_thread(target, timeout=5.0):
    """Run target() in a daemon thread; return (finished, result or exception)."""
    box = {}

    def runner():
        try:
            box["value"] = target()
        except BaseException as exc:  # handed back to the test
            box["value"] = exc

    thread = threading.Thread(target=runner, daemon=True)
    thread.start()
    thread.join(timeout)
    return not thread.is_alive(), box.get("value")


def wait_for(predicate, timeout=5.0):
    """Poll predicate() (a cheap check) until it holds; False after timeout."""
    done = threading.Event()
    for _ in range(int(timeout / 0.001)):
        if predicate():
            return True
        done.wait(0.001)
    return predicate()


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_closed_breaker_passes_calls_through(clock):
    """A new breaker is closed and call() returns fn's result, passing all arguments"""
    breaker = make(clock)
    assert breaker.state == CLOSED == "closed"
    assert breaker.call(ok) == "fine"
    assert breaker.call(ok, 42) == 42
    assert breaker.call(lambda a, b=0: a - b, 10, b=3) == 7
    assert breaker.failure_count == 0


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_opens_after_threshold_consecutive_failures(clock):
    """The circuit opens at the N-th consecutive failure; fn's errors propagate"""
    breaker = make(clock, failure_threshold=3)
    for expected_count in (1, 2):
        with raises_for(expected_count, Boom, match="down"):
            breaker.call(fail)
        assert breaker.state == CLOSED, f"for {expected_count!r}"
        assert breaker.failure_count == expected_count, f"for {expected_count!r}"
    with pytest.raises(Boom):  # the third failure itself still raises Boom
        breaker.call(fail)
    assert breaker.state == OPEN == "open"


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_success_resets_the_failure_count(clock):
    """A success in between resets the count: only consecutive failures open it"""
    breaker = make(clock, failure_threshold=3)
    trip(breaker, 2)
    assert breaker.call(ok) == "fine"
    assert breaker.failure_count == 0
    trip(breaker, 2)
    assert breaker.state == CLOSED
    trip(breaker, 1)
    assert breaker.state == OPEN


@pytest.mark.task(1)
@pytest.mark.points(3)
def test_unexpected_exceptions_neither_count_nor_reset(clock):
    """Exceptions outside expected_exceptions propagate but leave the count unchanged"""
    breaker = make(clock, failure_threshold=3, expected_exceptions=(Boom, OSError))
    trip(breaker, 2)
    for _ in range(5):
        with pytest.raises(KeyError):
            breaker.call(fail, KeyError("k"))
    assert breaker.failure_count == 2
    assert breaker.state == CLOSED
    with pytest.raises(ConnectionError):  # a subclass of OSError counts
        breaker.call(fail, ConnectionError("refused"))
    assert breaker.state == OPEN


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_single_exception_class_is_accepted(clock):
    """expected_exceptions may be a single exception class instead of a tuple"""
    breaker = make(clock, failure_threshold=1, expected_exceptions=ValueError)
    with pytest.raises(TypeError):
        breaker.call(fail, TypeError("not counted"))
    assert breaker.state == CLOSED
    with pytest.raises(ValueError):
        breaker.call(fail, ValueError("counted"))
    assert breaker.state == OPEN


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "options, error",
    [
        ({"failure_threshold": 0}, ValueError),
        ({"failure_threshold": -1}, ValueError),
        ({"failure_threshold": 2.0}, TypeError),
        ({"failure_threshold": True}, TypeError),
        ({"recovery_timeout": 0}, ValueError),
        ({"recovery_timeout": -5}, ValueError),
        ({"recovery_timeout": math.nan}, ValueError),
        ({"recovery_timeout": "10"}, TypeError),
        ({"half_open_max_calls": 0}, ValueError),
        ({"half_open_max_calls": 1.5}, TypeError),
        ({"expected_exceptions": ()}, ValueError),
        ({"expected_exceptions": "ValueError"}, TypeError),
        ({"expected_exceptions": (ValueError, int)}, TypeError),
        ({"expected_exceptions": ValueError("x")}, TypeError),
    ],
    ids=[
        "threshold-0",
        "threshold-negative",
        "threshold-float",
        "threshold-bool",
        "timeout-0",
        "timeout-negative",
        "timeout-nan",
        "timeout-str",
        "half-open-0",
        "half-open-float",
        "expected-empty",
        "expected-str",
        "expected-non-exception",
        "expected-instance",
    ],
)
def test_constructor_rejects_bad_arguments(clock, options, error):
    """CircuitBreaker raises ValueError for bad values and TypeError for bad types"""
    with pytest.raises(error):
        CircuitBreaker(clock=clock, **options)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_open_circuit_rejects_without_calling(clock):
    """An open circuit raises CircuitOpenError at once and never calls fn"""
    breaker = make(clock, failure_threshold=2, recovery_timeout=10)
    trip(breaker, 2)
    calls = []
    for _ in range(3):
        with pytest.raises(CircuitOpenError) as info:
            breaker.call(calls.append, "called")
        assert isinstance(info.value, Exception)
    assert calls == []
    assert breaker.state == OPEN


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_open_error_carries_exact_retry_after(clock):
    """CircuitOpenError.retry_after is the time left until the recovery timeout ends"""
    breaker = make(clock, failure_threshold=1, recovery_timeout=10)
    trip(breaker, 1)
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(ok)
    assert info.value.retry_after == pytest.approx(10.0)
    clock.advance(2.5)
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(ok)
    assert info.value.retry_after == pytest.approx(7.5)
    assert "7.5" in str(info.value)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_becomes_half_open_exactly_at_timeout(clock):
    """The state reads half_open from exactly opened_at + recovery_timeout on"""
    breaker = make(clock, failure_threshold=1, recovery_timeout=10)
    trip(breaker, 1)
    clock.advance(9.75)
    assert breaker.state == OPEN
    clock.advance(0.25)
    assert breaker.state == HALF_OPEN == "half_open"
    assert breaker.failure_count == 0


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_recovery_timer_starts_when_the_failure_is_recorded(clock):
    """The timeout counts from when the failing call ended, not when it started"""
    breaker = make(clock, failure_threshold=1, recovery_timeout=10)

    def slow_failure():
        clock.advance(4)  # the call itself takes 4 seconds, then fails
        raise Boom("timeout")

    with pytest.raises(Boom):
        breaker.call(slow_failure)
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(ok)
    assert info.value.retry_after == pytest.approx(10.0)
    clock.advance(9.5)
    assert breaker.state == OPEN


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_rejections_do_not_extend_the_timeout(clock):
    """Calls rejected while open do not restart or extend the recovery timeout"""
    breaker = make(clock, failure_threshold=1, recovery_timeout=4)
    trip(breaker, 1)
    for _ in range(4):
        clock.advance(0.75)
        with pytest.raises(CircuitOpenError):
            breaker.call(ok)
    clock.advance(1)
    assert breaker.call(ok) == "fine"


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_half_open_success_closes(clock):
    """A successful trial call in half-open closes the circuit and clears failures"""
    breaker = make(clock, failure_threshold=2, recovery_timeout=5)
    trip(breaker, 2)
    clock.advance(5)
    assert breaker.call(ok, "trial") == "trial"
    assert breaker.state == CLOSED
    assert breaker.failure_count == 0
    trip(breaker, 1)
    assert breaker.state == CLOSED  # the count started again from zero


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_half_open_failure_reopens_with_fresh_timeout(clock):
    """A failed trial call reopens the circuit at once, with a full new timeout"""
    breaker = make(clock, failure_threshold=3, recovery_timeout=5)
    trip(breaker, 3)
    clock.advance(6)
    with pytest.raises(Boom):  # a single failure is enough in half-open
        breaker.call(fail)
    assert breaker.state == OPEN
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(ok)
    assert info.value.retry_after == pytest.approx(5.0)


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_half_open_needs_max_calls_successes(clock):
    """With half_open_max_calls=3, three trial successes close; a failure reopens"""
    breaker = make(
        clock, failure_threshold=1, recovery_timeout=5, half_open_max_calls=3
    )
    trip(breaker, 1)
    clock.advance(5)
    assert breaker.call(ok) == "fine"
    assert breaker.call(ok) == "fine"
    assert breaker.state == HALF_OPEN
    with pytest.raises(Boom):
        breaker.call(fail)
    assert breaker.state == OPEN
    clock.advance(5)
    for i in range(3):
        assert breaker.state == HALF_OPEN, f"for {i!r}"
        assert breaker.call(ok, i) == i, f"for {i!r}"
    assert breaker.state == CLOSED


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_half_open_unexpected_exception_frees_the_trial(clock):
    """An unexpected exception in half-open changes no state and frees its trial slot"""
    breaker = make(
        clock, failure_threshold=1, recovery_timeout=5, expected_exceptions=Boom
    )
    trip(breaker, 1)
    clock.advance(5)
    for _ in range(3):
        with pytest.raises(KeyError):
            breaker.call(fail, KeyError("bug"))
        assert breaker.state == HALF_OPEN
    assert breaker.call(ok) == "fine"
    assert breaker.state == CLOSED


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_half_open_admits_at_most_max_calls_at_once(clock):
    """While max trial calls are running, further calls get CircuitOpenError(0.0)"""
    breaker = make(
        clock, failure_threshold=1, recovery_timeout=5, half_open_max_calls=2
    )
    trip(breaker, 1)
    clock.advance(5)
    release = threading.Event()
    entered = []
    lock = threading.Lock()

    def trial(i):
        with lock:
            entered.append(i)
        assert release.wait(5), "the test never released the trial"
        return i

    results = {}

    def caller(i):
        try:
            results[i] = breaker.call(trial, i)
        except CircuitOpenError as exc:
            results[i] = ("rejected", exc.retry_after)

    def start(i):
        thread = threading.Thread(target=caller, args=(i,), daemon=True)
        thread.start()
        return thread

    threads = []
    try:
        # The first two callers one at a time, each waited for inside its trial: the
        # outcome does not depend on which of several simultaneous callers came first.
        for i in range(2):
            threads.append(start(i))
            assert wait_for(lambda: len(entered) + len(results) == i + 1), f"for {i!r}"
        threads += [start(i) for i in range(2, 8)]
        assert wait_for(lambda: len(results) == 6), "rejections must not wait"
        assert sorted(entered) == [0, 1]
        assert sorted(results) == list(range(2, 8))
        assert all(r == ("rejected", 0.0) for r in results.values()), results
    finally:
        release.set()
        for t in threads:
            t.join(5)
    assert sorted(results[i] for i in entered) == sorted(entered)
    assert breaker.state == CLOSED


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_outcome_of_a_call_from_an_older_state_is_ignored(clock):
    """A trial that finishes after another trial reopened the circuit changes nothing"""
    breaker = make(
        clock, failure_threshold=1, recovery_timeout=5, half_open_max_calls=2
    )
    trip(breaker, 1)
    clock.advance(5)
    started = {"slow": threading.Event(), "quick": threading.Event()}
    go = {"slow": threading.Event(), "quick": threading.Event()}

    def trial(name, outcome):
        started[name].set()
        assert go[name].wait(5)
        if outcome == "fail":
            raise Boom(name)
        return name

    box = {}
    slow = threading.Thread(
        target=lambda: box.setdefault("slow", breaker.call(trial, "slow", "ok")),
        daemon=True,
    )
    slow.start()
    assert started["slow"].wait(5)
    quick_done = []

    def quick():
        try:
            breaker.call(trial, "quick", "fail")
        except Boom:
            quick_done.append(True)

    q = threading.Thread(target=quick, daemon=True)
    q.start()
    assert started["quick"].wait(5)
    go["quick"].set()
    q.join(5)
    assert quick_done == [True]
    assert breaker.state == OPEN
    go["slow"].set()
    slow.join(5)
    assert box.get("slow") == "slow"  # the caller still gets its result
    assert breaker.state == OPEN
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(ok)
    assert info.value.retry_after == pytest.approx(5.0)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_decorator_wraps_and_shares_state(clock):
    """@breaker keeps name and docstring, passes arguments, and shares one circuit"""
    breaker = make(clock, failure_threshold=2)

    @breaker
    def add(a, b=1):
        """Add two numbers."""
        return a + b

    @breaker
    def broken():
        raise Boom("x")

    assert add.__name__ == "add"
    assert add.__doc__ == "Add two numbers."
    assert add(2) == 3
    assert add(2, b=5) == 7
    for _ in range(2):
        with pytest.raises(Boom):
            broken()
    with pytest.raises(CircuitOpenError):
        add(1)


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_listeners_see_every_transition_in_order(clock):
    """Listeners get (old, new) for each change, in registration order"""
    breaker = make(clock, failure_threshold=1, recovery_timeout=5)
    seen = []
    breaker.add_listener(lambda old, new: seen.append(("first", old, new)))
    breaker.add_listener(lambda old, new: seen.append(("second", old, new)))
    trip(breaker, 1)
    clock.advance(5)
    with pytest.raises(Boom):
        breaker.call(fail)
    clock.advance(5)
    breaker.call(ok)
    transitions = [
        (CLOSED, OPEN),
        (OPEN, HALF_OPEN),
        (HALF_OPEN, OPEN),
        (OPEN, HALF_OPEN),
        (HALF_OPEN, CLOSED),
    ]
    assert seen == [
        (who, old, new) for old, new in transitions for who in ("first", "second")
    ]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_half_open_transition_is_reported_once_when_observed(clock):
    """Reading state after the timeout reports open -> half_open once, not again"""
    breaker = make(clock, failure_threshold=1, recovery_timeout=5)
    seen = []
    breaker.add_listener(lambda old, new: seen.append((old, new)))
    trip(breaker, 1)
    clock.advance(6)
    assert breaker.state == HALF_OPEN
    assert breaker.state == HALF_OPEN
    assert seen == [(CLOSED, OPEN), (OPEN, HALF_OPEN)]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_failing_listener_breaks_nothing(clock):
    """A listener that raises does not stop the change, other listeners or the call"""
    breaker = make(clock, failure_threshold=1)
    seen = []

    def bad(old, new):
        raise RuntimeError("listener bug")

    breaker.add_listener(bad)
    breaker.add_listener(lambda old, new: seen.append((old, new)))
    with pytest.raises(Boom):  # the caller sees fn's error, not the listener's
        breaker.call(fail)
    assert breaker.state == OPEN
    assert seen == [(CLOSED, OPEN)]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_listener_can_read_the_new_state(clock):
    """A listener may read breaker.state (it sees the new state) without deadlocking"""
    breaker = make(clock, failure_threshold=1)
    seen = []
    breaker.add_listener(lambda old, new: seen.append((new, breaker.state)))

    def scenario():
        with pytest.raises(Boom):
            breaker.call(fail)
        return True

    finished, value = run_in_thread(scenario)
    assert finished, "deadlock: the listener could not read breaker.state"
    assert value is True
    assert seen == [(OPEN, OPEN)]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_reset_closes_and_forgets(clock):
    """reset() closes an open circuit (telling listeners) and clears the count"""
    breaker = make(clock, failure_threshold=2)
    seen = []
    breaker.add_listener(lambda old, new: seen.append((old, new)))
    trip(breaker, 1)
    breaker.reset()
    assert breaker.failure_count == 0
    assert seen == []  # closed -> closed is no change
    trip(breaker, 2)
    breaker.reset()
    assert breaker.state == CLOSED
    assert breaker.call(ok) == "fine"
    assert seen == [(CLOSED, OPEN), (OPEN, CLOSED)]


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_slow_call_does_not_block_other_calls(clock):
    """fn runs outside the lock: a stuck call does not block other callers"""
    breaker = make(clock)
    release = threading.Event()
    inside = threading.Event()

    def stuck():
        inside.set()
        assert release.wait(5)
        return "late"

    worker = threading.Thread(target=lambda: breaker.call(stuck), daemon=True)
    worker.start()
    try:
        assert inside.wait(5)
        finished, value = run_in_thread(lambda: breaker.call(ok, "quick"), timeout=2)
        assert finished, "a second call waited for the first one to finish"
        assert value == "quick"
        finished, value = run_in_thread(lambda: breaker.state, timeout=2)
        assert finished and value == CLOSED
    finally:
        release.set()
        worker.join(5)


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_threads_open_the_circuit_exactly_once(tiny_switch_interval):
    """8 threads failing at once open the circuit once; late failures are not counted"""

    def frozen_yielding_clock():
        time.sleep(0)  # let other threads run in the middle of the breaker's work
        return 100.0

    threshold = 10
    for round_ in range(4):
        breaker = CircuitBreaker(
            failure_threshold=threshold,
            recovery_timeout=60,
            clock=frozen_yielding_clock,
        )
        seen = []
        breaker.add_listener(lambda old, new: seen.append((old, new)))
        attempts = []
        rejected = []
        lock = threading.Lock()
        barrier = threading.Barrier(8)

        def failing():
            with lock:
                attempts.append(1)
            raise Boom("down")

        def worker():
            barrier.wait(5)
            for _ in range(10):
                try:
                    breaker.call(failing)
                except Boom:
                    pass
                except CircuitOpenError:
                    with lock:
                        rejected.append(1)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert seen == [(CLOSED, OPEN)], f"round {round_}: {seen}"
        assert threshold <= len(attempts) <= threshold + 7, f"round {round_}"
        assert len(attempts) + len(rejected) == 8 * 10, f"for {round_!r}"
        assert breaker.state == OPEN, f"for {round_!r}"


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_threads_keep_transitions_consistent(tiny_switch_interval):
    """Under mixed concurrent traffic the transitions always form one valid chain"""
    lock = threading.Lock()
    state = {"now": 0.0}

    def ticking_clock():
        with lock:
            state["now"] += 1 / 256
            now = state["now"]
        time.sleep(0)  # let other threads run in the middle of the breaker's work
        return now

    breaker = CircuitBreaker(
        failure_threshold=3,
        recovery_timeout=0.25,
        half_open_max_calls=2,
        expected_exceptions=Boom,
        clock=ticking_clock,
    )
    seen = []

    def listener(old, new):
        if new == HALF_OPEN:  # slow to handle this one: other threads run meanwhile
            for _ in range(5):
                time.sleep(0)
        seen.append((old, new))

    breaker.add_listener(listener)
    barrier = threading.Barrier(8)
    errors = []

    def worker(index):
        barrier.wait(5)
        for i in range(100):
            try:
                if (i + index) % 8 < 4:  # bursts of 4 failures, then 4 successes
                    breaker.call(fail)
                else:
                    breaker.call(ok)
            except (Boom, CircuitOpenError):
                pass
            except BaseException as exc:  # reported below
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert len(seen) >= 3, "the traffic should have tripped the breaker"
    assert seen[0][0] == CLOSED
    for (_, new), (old, _) in zip(seen, seen[1:]):
        assert new == old, f"broken chain of transitions: {seen}"
    allowed = {
        (CLOSED, OPEN),
        (OPEN, HALF_OPEN),
        (HALF_OPEN, OPEN),
        (HALF_OPEN, CLOSED),
    }
    assert set(seen) <= allowed
