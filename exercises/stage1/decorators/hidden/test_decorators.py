"""Hidden tests for the decorators exercise (timer, retry, memoize)."""

import inspect
import logging
import re

import pytest

from decorators import CacheInfo, memoize, retry, timer


class FakeClock:
    """Returns the given times in order; fails loudly when read too often."""

    def __init__(self, *times):
        self.times = list(times)

    def __call__(self):
        if not self.times:
            raise AssertionError("the clock was read more often than expected")
        return self.times.pop(0)


def _add(a, b=1):
    """Add two numbers."""
    return a + b


def _boom():
    """Always fails."""
    raise ValueError("boom")


def _records(caplog, name):
    return [r for r in caplog.records if r.name == name]


def _flaky(failures, exc_type=ConnectionError, result="ok"):
    """A function failing `failures` times (exc_type('attempt N')), then returning."""
    calls = []

    def fetch(*args, **kwargs):
        calls.append((args, kwargs))
        if len(calls) <= failures:
            raise exc_type(f"attempt {len(calls)}")
        return result

    return fetch, calls


# ---------------------------------------------------------------- Task 1: timer


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_bare_timer_returns_result_and_logs_once(caplog):
    """Bare @timer returns the result and logs one INFO record: <name> took <ms> ms"""
    caplog.set_level(logging.INFO)
    timed = timer(_add)
    assert timed(2, 3) == 5
    records = _records(caplog, _add.__module__)
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    assert re.fullmatch(r"_add took \d+\.\d{3} ms", records[0].getMessage())


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_timer_message_in_milliseconds_from_clock(caplog):
    """The logged time is (end - start) of the injected clock in ms, 3 decimals"""
    caplog.set_level(logging.INFO)
    timed = timer(clock=FakeClock(10.0, 10.25))(_add)
    assert timed(1, 1) == 2
    [record] = _records(caplog, _add.__module__)
    assert record.getMessage() == "_add took 250.000 ms"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_with_empty_parentheses(caplog):
    """@timer() with empty parentheses works like bare @timer"""
    caplog.set_level(logging.INFO)
    timed = timer()(_add)
    assert timed(4) == 5
    assert len(_records(caplog, _add.__module__)) == 1


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_each_call_logs_its_own_duration(caplog):
    """Every call logs its own record with its own duration"""
    caplog.set_level(logging.INFO)
    timed = timer(clock=FakeClock(0.0, 0.001, 5.0, 5.5, 7.0, 7.0))(_add)
    for _ in range(3):
        timed(1)
    messages = [r.getMessage() for r in _records(caplog, _add.__module__)]
    assert messages == [
        "_add took 1.000 ms",
        "_add took 500.000 ms",
        "_add took 0.000 ms",
    ]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_uses_qualified_name_for_methods(caplog):
    """The message names the function by its __qualname__ (Class.method)"""
    caplog.set_level(logging.INFO)

    class Greeter:
        @timer(clock=FakeClock(1.0, 1.0125))
        def hello(self, name):
            return f"hello {name}"

    assert Greeter().hello("li") == "hello li"
    [record] = _records(caplog, __name__)
    assert record.getMessage() == (
        "test_timer_uses_qualified_name_for_methods.<locals>.Greeter.hello"
        " took 12.500 ms"
    )


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_timer_custom_logger_and_level(caplog):
    """timer(logger=Logger, level=DEBUG) logs through that logger at DEBUG"""
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("hidden.timing")
    timed = timer(logger=log, level=logging.DEBUG, clock=FakeClock(0.0, 0.002))(_add)
    assert timed(1, 2) == 3
    [record] = _records(caplog, "hidden.timing")
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "_add took 2.000 ms"
    assert _records(caplog, _add.__module__) == []


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_logger_given_by_name(caplog):
    """timer(logger="some.name") logs through logging.getLogger("some.name")"""
    caplog.set_level(logging.INFO)
    timed = timer(logger="hidden.by_name", level=logging.WARNING)(_add)
    timed(1)
    [record] = _records(caplog, "hidden.by_name")
    assert record.levelno == logging.WARNING


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_goes_through_logging_not_print(caplog, capsys):
    """A DEBUG timing record is filtered out by an INFO logger and nothing is printed"""
    caplog.set_level(logging.INFO)
    timed = timer(logger="hidden.quiet", level=logging.DEBUG)(_add)
    assert timed(1) == 2
    assert _records(caplog, "hidden.quiet") == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_timer_logs_and_reraises_on_exception(caplog):
    """When the function raises, timer still logs and re-raises the same exception"""
    caplog.set_level(logging.INFO)
    error = ValueError("original")

    def fail():
        raise error

    timed = timer(logger="hidden.failing")(fail)
    with pytest.raises(ValueError) as excinfo:
        timed()
    assert excinfo.value is error
    [record] = _records(caplog, "hidden.failing")
    assert record.getMessage().startswith(f"{fail.__qualname__} took ")


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_failure_message_names_exception(caplog):
    """A failed call logs: <name> took <ms> ms (raised <ExceptionClass>)"""
    caplog.set_level(logging.INFO)
    timed = timer(clock=FakeClock(2.0, 2.5))(_boom)
    with pytest.raises(ValueError, match="boom"):
        timed()
    [record] = _records(caplog, _boom.__module__)
    assert record.getMessage() == "_boom took 500.000 ms (raised ValueError)"


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_timer_preserves_metadata():
    """timer keeps __name__, __qualname__, __doc__, __wrapped__ and the signature"""
    for form, timed in (
        ("@timer", timer(_add)),
        ("@timer(level=DEBUG)", timer(level=logging.DEBUG)(_add)),
    ):
        assert timed.__name__ == "_add", f"for {form}"
        assert timed.__qualname__ == "_add", f"for {form}"
        assert timed.__doc__ == "Add two numbers.", f"for {form}"
        assert timed.__wrapped__ is _add, f"for {form}"
        assert inspect.signature(timed) == inspect.signature(_add), f"for {form}"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_passes_arguments_through(caplog):
    """timer passes positional and keyword arguments through unchanged"""
    caplog.set_level(logging.INFO)

    @timer
    def echo(*args, **kwargs):
        return args, kwargs

    assert echo(1, [2], key="v") == ((1, [2]), {"key": "v"})


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_timer_rejects_non_callable():
    """timer(42) or timer("name") positionally raises TypeError"""
    with pytest.raises(TypeError):
        timer(42)
    with pytest.raises(TypeError):
        timer("app.timing")


# ---------------------------------------------------------------- Task 2: retry


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_retry_succeeds_after_transient_failures():
    """retry calls again after failures and returns the first successful result"""
    sleeps = []
    fetch, calls = _flaky(2)
    wrapped = retry(times=3, exceptions=(ConnectionError,), sleep=sleeps.append)(fetch)
    assert wrapped("url", timeout=3) == "ok"
    assert calls == [(("url",), {"timeout": 3})] * 3
    assert sleeps == pytest.approx([0.1, 0.2])


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_retry_reraises_last_exception():
    """After the last attempt retry re-raises the exception of that last attempt"""
    sleeps = []
    fetch, calls = _flaky(100)
    wrapped = retry(times=4, exceptions=ConnectionError, sleep=sleeps.append)(fetch)
    with pytest.raises(ConnectionError, match="^attempt 4$"):
        wrapped()
    assert len(calls) == 4


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_no_sleep_after_last_attempt():
    """A call that always fails sleeps exactly times - 1 times"""
    sleeps = []
    fetch, _ = _flaky(100, exc_type=TimeoutError)
    wrapped = retry(times=3, backoff=0.5, sleep=sleeps.append)(fetch)
    with pytest.raises(TimeoutError):
        wrapped()
    assert sleeps == pytest.approx([0.5, 1.0])


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_retry_unlisted_exception_propagates_immediately():
    """An exception not listed in `exceptions` is raised at once: no retry, no sleep"""
    sleeps = []
    fetch, calls = _flaky(100, exc_type=KeyError)
    wrapped = retry(times=5, exceptions=(ConnectionError,), sleep=sleeps.append)(fetch)
    with pytest.raises(KeyError):
        wrapped()
    assert len(calls) == 1
    assert sleeps == []


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_catches_subclasses_of_listed_exceptions():
    """A subclass of a listed exception (KeyError of LookupError) is retried"""
    sleeps = []
    fetch, calls = _flaky(1, exc_type=KeyError)
    wrapped = retry(times=2, exceptions=(LookupError,), sleep=sleeps.append)(fetch)
    assert wrapped() == "ok"
    assert len(calls) == 2


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_default_does_not_catch_base_exception():
    """By default only Exception is retried: a BaseException subclass is not"""

    class Abort(BaseException):
        pass

    sleeps = []
    fetch, calls = _flaky(100, exc_type=Abort)
    wrapped = retry(sleep=sleeps.append)(fetch)
    with pytest.raises(Abort):
        wrapped()
    assert len(calls) == 1
    assert sleeps == []


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_retry_exponential_backoff_capped_by_max_delay():
    """Delays grow as backoff * factor ** k and never exceed max_delay"""
    sleeps = []
    fetch, _ = _flaky(100)
    wrapped = retry(
        times=6, backoff=1.0, factor=3.0, max_delay=20.0, sleep=sleeps.append
    )(fetch)
    with pytest.raises(ConnectionError):
        wrapped()
    assert sleeps == pytest.approx([1.0, 3.0, 9.0, 20.0, 20.0])


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_defaults():
    """Defaults: 3 attempts, backoff 0.1 s doubling each time"""
    sleeps = []
    fetch, calls = _flaky(100, exc_type=RuntimeError)
    wrapped = retry(sleep=sleeps.append)(fetch)
    with pytest.raises(RuntimeError, match="^attempt 3$"):
        wrapped()
    assert len(calls) == 3
    assert sleeps == pytest.approx([0.1, 0.2])


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_times_one_means_single_attempt():
    """times=1 makes a single attempt and never sleeps"""
    sleeps = []
    fetch, calls = _flaky(100)
    wrapped = retry(times=1, sleep=sleeps.append)(fetch)
    with pytest.raises(ConnectionError, match="^attempt 1$"):
        wrapped()
    assert len(calls) == 1
    assert sleeps == []


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_retry_each_call_starts_afresh():
    """Every call gets the full number of attempts and restarts the backoff"""
    sleeps = []
    outcomes = iter([False, False, True, False, False, True])

    def sometimes():
        if not next(outcomes):
            raise ConnectionError("not yet")
        return "done"

    wrapped = retry(times=3, sleep=sleeps.append)(sometimes)
    assert wrapped() == "done"
    assert wrapped() == "done"
    assert sleeps == pytest.approx([0.1, 0.2, 0.1, 0.2])


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_retry_rejects_times_below_one():
    """retry(times=0) or a negative times raises ValueError when retry() is called"""
    with pytest.raises(ValueError):
        retry(times=0)
    with pytest.raises(ValueError):
        retry(times=-2)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_rejects_non_int_times():
    """retry(times=2.5) or times="3" raises TypeError"""
    with pytest.raises(TypeError):
        retry(times=2.5)
    with pytest.raises(TypeError):
        retry(times="3")


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_rejects_bad_backoff_settings():
    """Negative backoff, factor below 1 or negative max_delay raise ValueError"""
    with pytest.raises(ValueError):
        retry(backoff=-0.1)
    with pytest.raises(ValueError):
        retry(factor=0.5)
    with pytest.raises(ValueError):
        retry(max_delay=-1)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_rejects_non_exception_classes():
    """exceptions that are not exception classes raise TypeError; empty is ValueError"""
    with pytest.raises(TypeError):
        retry(exceptions=(ValueError, "oops"))
    with pytest.raises(TypeError):
        retry(exceptions=int)
    with pytest.raises(ValueError):
        retry(exceptions=())


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_retry_preserves_metadata():
    """retry keeps __name__, __doc__, __wrapped__ and the signature"""
    wrapped = retry(times=2, sleep=lambda s: None)(_add)
    assert wrapped.__name__ == "_add"
    assert wrapped.__doc__ == "Add two numbers."
    assert wrapped.__wrapped__ is _add
    assert inspect.signature(wrapped) == inspect.signature(_add)
    assert wrapped(2, b=5) == 7


# -------------------------------------------------------------- Task 3: memoize


def _counted(fn):
    """Wrap fn so every real call is recorded in .calls."""
    calls = []

    def inner(*args, **kwargs):
        calls.append((args, kwargs))
        return fn(*args, **kwargs)

    return inner, calls


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_memoize_second_call_is_served_from_cache():
    """A repeated call returns the cached result without calling the function"""
    calls = []

    @memoize(maxsize=8)
    def square(x):
        calls.append(x)
        return x * x

    assert square(4) == 16
    assert square(4) == 16
    assert square(5) == 25
    assert calls == [4, 5]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_memoize_keyword_order_does_not_matter():
    """f(a=1, b=2) and f(b=2, a=1) are the same cache entry"""
    calls = []

    @memoize
    def area(a, b):
        calls.append((a, b))
        return a * b

    assert area(a=2, b=3) == 6
    assert area(b=3, a=2) == 6
    assert calls == [(2, 3)]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_memoize_positional_keyword_and_default_are_one_call():
    """f(1, 2), f(1, b=2), f(b=2, a=1) and f(1) with default b=2 share one entry"""
    calls = []

    @memoize
    def power(a, b=2):
        calls.append((a, b))
        return a**b

    assert power(3, 2) == 9
    assert power(3, b=2) == 9
    assert power(b=2, a=3) == 9
    assert power(3) == 9
    assert calls == [(3, 2)]
    assert power.cache_info().currsize == 1


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_var_kwargs_order_does_not_matter():
    """For **kwargs, the order of the keyword arguments does not matter"""
    calls = []

    @memoize
    def build(**options):
        calls.append(options)
        return sorted(options)

    assert build(x=1, y=2) == ["x", "y"]
    assert build(y=2, x=1) == ["x", "y"]
    assert build(x=1, y=3) == ["x", "y"]
    assert len(calls) == 2


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_memoize_unhashable_argument_raises_clear_type_error():
    """An unhashable argument raises TypeError naming the function; it is not called"""
    calls = []

    @memoize
    def total(items):
        calls.append(items)
        return sum(items)

    with pytest.raises(TypeError, match="hashable") as excinfo:
        total([1, 2, 3])
    assert "total" in str(excinfo.value)
    assert calls == []
    assert total((1, 2, 3)) == 6


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_memoize_evicts_least_recently_used():
    """With maxsize=2 a hit refreshes an entry and the least recently used is evicted"""
    double, calls = _counted(lambda x: 2 * x)
    cached = memoize(maxsize=2)(double)
    cached(1)
    cached(2)
    cached(1)  # hit: 1 is now the most recently used
    cached(3)  # evicts 2, not 1
    cached(1)  # still cached
    cached(2)  # computed again
    assert [args[0] for args, _ in calls] == [1, 2, 3, 2]
    assert cached.cache_info().currsize == 2


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_memoize_cache_info_counts_hits_and_misses():
    """cache_info() returns CacheInfo(hits, misses, maxsize, currsize)"""
    cached = memoize(maxsize=3)(_add)
    assert cached.cache_info() == CacheInfo(hits=0, misses=0, maxsize=3, currsize=0)
    for value in (1, 2, 1, 1, 3, 4):
        cached(value)
    info = cached.cache_info()
    assert isinstance(info, CacheInfo)
    assert (info.hits, info.misses, info.maxsize, info.currsize) == (2, 4, 3, 3)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_cache_clear_resets_everything():
    """cache_clear() empties the cache and resets hits and misses"""
    inner, calls = _counted(_add)
    cached = memoize(inner)
    cached(1)
    cached(1)
    cached.cache_clear()
    assert cached.cache_info() == CacheInfo(0, 0, 128, 0)
    cached(1)
    assert len(calls) == 2


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_memoize_caches_none_and_falsy_results():
    """A cached None or 0 is a hit too: the function is not called again"""
    inner, calls = _counted(lambda key: None if key == "none" else 0)
    cached = memoize(maxsize=4)(inner)
    assert cached("none") is None
    assert cached("none") is None
    assert cached("zero") == 0
    assert cached("zero") == 0
    assert len(calls) == 2
    assert cached.cache_info().hits == 2


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_does_not_cache_exceptions():
    """A call that raises stores nothing: the next call runs the function again"""
    fetch, calls = _flaky(1, exc_type=OSError, result=42)
    cached = memoize(maxsize=4)(fetch)
    with pytest.raises(OSError):
        cached("k")
    assert cached("k") == 42
    assert cached("k") == 42
    assert len(calls) == 2
    info = cached.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 2, 1)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_unbounded_when_maxsize_none():
    """maxsize=None never evicts"""
    inner, calls = _counted(_add)
    cached = memoize(maxsize=None)(inner)
    for value in range(300):
        cached(value)
    for value in range(300):
        cached(value)
    assert len(calls) == 300
    assert cached.cache_info() == CacheInfo(300, 300, None, 300)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_bare_uses_default_maxsize_128():
    """Bare @memoize works and has maxsize 128"""
    inner, calls = _counted(_add)
    cached = memoize(inner)
    for value in range(129):
        cached(value)
    cached(0)  # evicted by the 129th distinct call
    assert len(calls) == 130
    assert cached.cache_info().maxsize == 128
    assert cached.cache_info().currsize == 128


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_rejects_maxsize_below_one():
    """memoize(maxsize=0) or a negative maxsize raises ValueError"""
    with pytest.raises(ValueError):
        memoize(maxsize=0)
    with pytest.raises(ValueError):
        memoize(maxsize=-5)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_rejects_non_int_maxsize():
    """memoize(maxsize=1.5) or maxsize="10" raises TypeError"""
    with pytest.raises(TypeError):
        memoize(maxsize=1.5)
    with pytest.raises(TypeError):
        memoize(maxsize="10")


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_functions_have_separate_caches():
    """Two memoized functions never share cache entries or statistics"""
    first = memoize(lambda x: ("first", x))
    second = memoize(lambda x: ("second", x))
    assert first(1) == ("first", 1)
    assert second(1) == ("second", 1)
    assert first.cache_info().misses == 1
    assert second.cache_info().misses == 1


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_memoize_preserves_metadata():
    """memoize keeps __name__, __doc__, __wrapped__ and the signature"""
    for form, cached in (
        ("@memoize", memoize(_add)),
        ("@memoize(maxsize=2)", memoize(maxsize=2)(_add)),
    ):
        assert cached.__name__ == "_add", f"for {form}"
        assert cached.__doc__ == "Add two numbers.", f"for {form}"
        assert cached.__wrapped__ is _add, f"for {form}"
        assert inspect.signature(cached) == inspect.signature(_add), f"for {form}"
