"""My tests for decorators.py: fake clocks and fake sleeps, never real waiting."""

import inspect
import logging

import pytest

from decorators import CacheInfo, memoize, retry, timer


def make_clock(*times):
    """A fake clock returning the given times one by one."""
    values = iter(times)
    return lambda: next(values)


def greet(name, punctuation="!"):
    """Say hello."""
    return f"hello {name}{punctuation}"


def failing_then(failures, exc_type=ConnectionError):
    """A function failing `failures` times, then returning "ok"; and its call log."""
    calls = []

    def fn():
        calls.append(1)
        if len(calls) <= failures:
            raise exc_type(f"attempt {len(calls)}")
        return "ok"

    return fn, calls


# ------------------------------------------------------------------------ timer


def test_timer_bare_logs_to_module_logger(caplog):
    caplog.set_level(logging.INFO)
    timed = timer(greet)
    assert timed("li") == "hello li!"
    [record] = caplog.records
    assert record.name == greet.__module__
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith("greet took ")
    assert record.getMessage().endswith(" ms")


def test_timer_exact_message_with_fake_clock(caplog):
    caplog.set_level(logging.DEBUG)
    timed = timer(logger="app.timing", level=logging.DEBUG, clock=make_clock(1, 1.5))(
        greet
    )
    timed("wang", punctuation="?")
    [record] = caplog.records
    assert record.name == "app.timing"
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "greet took 500.000 ms"


def test_timer_accepts_logger_object(caplog):
    caplog.set_level(logging.INFO)
    log = logging.getLogger("app.object")
    timer(logger=log)(greet)("zhang")
    assert [r.name for r in caplog.records] == ["app.object"]


def test_timer_method_qualname(caplog):
    caplog.set_level(logging.INFO)

    class Service:
        @timer(clock=make_clock(0.0, 0.004))
        def run(self):
            return 1

    assert Service().run() == 1
    assert caplog.records[0].getMessage().endswith("Service.run took 4.000 ms")


def test_timer_logs_and_reraises(caplog):
    caplog.set_level(logging.INFO)
    error = KeyError("missing")

    @timer(clock=make_clock(0.0, 0.25))
    def lookup():
        raise error

    with pytest.raises(KeyError) as excinfo:
        lookup()
    assert excinfo.value is error
    assert (
        caplog.records[0]
        .getMessage()
        .endswith("lookup took 250.000 ms (raised KeyError)")
    )


def test_timer_keeps_metadata():
    timed = timer()(greet)
    assert timed.__name__ == "greet"
    assert timed.__doc__ == "Say hello."
    assert timed.__wrapped__ is greet
    assert inspect.signature(timed) == inspect.signature(greet)


def test_timer_rejects_non_callable():
    with pytest.raises(TypeError, match="callable"):
        timer("app.timing")


# ------------------------------------------------------------------------ retry


def test_retry_recovers_with_exponential_backoff():
    sleeps = []
    fn, calls = failing_then(3)
    wrapped = retry(times=4, backoff=0.5, factor=2.0, sleep=sleeps.append)(fn)
    assert wrapped() == "ok"
    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_retry_reraises_the_last_exception():
    sleeps = []
    fn, calls = failing_then(10)
    wrapped = retry(times=3, exceptions=ConnectionError, sleep=sleeps.append)(fn)
    with pytest.raises(ConnectionError, match="attempt 3"):
        wrapped()
    assert len(calls) == 3
    assert sleeps == pytest.approx([0.1, 0.2])


def test_retry_max_delay_caps_the_wait():
    sleeps = []
    fn, _ = failing_then(10)
    wrapped = retry(times=5, backoff=1, factor=10, max_delay=30, sleep=sleeps.append)(
        fn
    )
    with pytest.raises(ConnectionError):
        wrapped()
    assert sleeps == [1, 10, 30, 30]


def test_retry_does_not_retry_other_exceptions():
    sleeps = []
    fn, calls = failing_then(10, exc_type=ValueError)
    wrapped = retry(exceptions=(ConnectionError, TimeoutError), sleep=sleeps.append)(fn)
    with pytest.raises(ValueError):
        wrapped()
    assert len(calls) == 1
    assert sleeps == []


def test_retry_keeps_metadata():
    wrapped = retry(sleep=lambda seconds: None)(greet)
    assert wrapped.__name__ == "greet"
    assert wrapped.__wrapped__ is greet
    assert inspect.signature(wrapped) == inspect.signature(greet)
    assert wrapped("li") == "hello li!"


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"times": 0}, ValueError),
        ({"times": -1}, ValueError),
        ({"times": 1.5}, TypeError),
        ({"times": True}, TypeError),
        ({"backoff": -1}, ValueError),
        ({"factor": 0.9}, ValueError),
        ({"max_delay": -0.1}, ValueError),
        ({"exceptions": ()}, ValueError),
        ({"exceptions": (ValueError, 1)}, TypeError),
        ({"exceptions": 5}, TypeError),
        ({"sleep": 0.1}, TypeError),
    ],
)
def test_retry_validates_arguments(kwargs, error):
    with pytest.raises(error):
        retry(**kwargs)


# ---------------------------------------------------------------------- memoize


def test_memoize_binds_arguments_before_caching():
    calls = []

    @memoize
    def power(base, exp=2, **options):
        calls.append((base, exp, options))
        return base**exp

    assert power(3) == 9
    assert power(3, 2) == 9
    assert power(exp=2, base=3) == 9
    assert power(3, flag=1, mode="a") == 9
    assert power(3, mode="a", flag=1) == 9
    assert len(calls) == 2


def test_memoize_lru_eviction_and_info():
    calls = []

    @memoize(maxsize=2)
    def ident(x):
        calls.append(x)
        return x

    for x in (1, 2, 1, 3, 2):
        ident(x)
    assert calls == [1, 2, 3, 2]
    assert ident.cache_info() == CacheInfo(hits=1, misses=4, maxsize=2, currsize=2)
    ident.cache_clear()
    assert ident.cache_info() == CacheInfo(0, 0, 2, 0)


def test_memoize_caches_none_but_not_exceptions():
    calls = []

    @memoize(maxsize=None)
    def maybe(x):
        calls.append(x)
        if x < 0:
            raise ValueError("negative")
        return None

    assert maybe(1) is None
    assert maybe(1) is None
    with pytest.raises(ValueError):
        maybe(-1)
    with pytest.raises(ValueError):
        maybe(-1)
    assert calls == [1, -1, -1]
    assert maybe.cache_info() == CacheInfo(1, 3, None, 1)


def test_memoize_unhashable_argument():
    calls = []

    @memoize
    def first(items):
        calls.append(items)
        return items[0]

    with pytest.raises(TypeError, match="hashable"):
        first(["a"])
    assert calls == []


def test_memoize_keeps_metadata():
    cached = memoize(maxsize=4)(greet)
    assert cached.__name__ == "greet"
    assert cached.__wrapped__ is greet
    assert inspect.signature(cached) == inspect.signature(greet)


@pytest.mark.parametrize(
    "maxsize, error",
    [(0, ValueError), (-3, ValueError), (2.0, TypeError), ("8", TypeError)],
)
def test_memoize_validates_maxsize(maxsize, error):
    with pytest.raises(error):
        memoize(maxsize=maxsize)


def test_memoize_rejects_non_callable():
    with pytest.raises(TypeError, match="callable"):
        memoize(64)
