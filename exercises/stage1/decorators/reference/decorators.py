"""Three production-style decorators: timing, retrying and memoizing calls.

Every decorator here keeps the wrapped function's metadata (``__name__``,
``__qualname__``, ``__doc__``, ``__module__``, ``__wrapped__`` and therefore its
``inspect.signature``) by using :func:`functools.wraps`.

Side effects that make tests slow or flaky (reading the clock, sleeping) are
injectable, so tests can pass a fake clock or a fake ``sleep``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable, NamedTuple, ParamSpec, TypeVar

__all__ = ["CacheInfo", "memoize", "retry", "timer"]

P = ParamSpec("P")
R = TypeVar("R")

_MISSING = object()


# --------------------------------------------------------------------- Task 1


def timer(
    func: Callable[P, R] | None = None,
    /,
    *,
    logger: logging.Logger | str | None = None,
    level: int = logging.INFO,
    clock: Callable[[], float] = time.perf_counter,
) -> Any:
    """Log how long each call of the decorated function takes.

    Usable both bare and with options::

        @timer
        def f(): ...

        @timer(logger="app.timing", level=logging.DEBUG)
        def g(): ...

    Each call logs one record at ``level`` with the message
    ``"<qualname> took <ms> ms"`` where ``<ms>`` is the elapsed time in
    milliseconds with exactly three decimals (``"Greeter.hello took 12.500 ms"``).
    If the function raises, the record is still logged, with the suffix
    ``" (raised <ExceptionClassName>)"``, and the same exception is re-raised.

    Args:
        func: the function, when used bare as ``@timer``.
        logger: a :class:`logging.Logger`, or a logger name; by default the
            logger named after the decorated function's module.
        level: the logging level of the records.
        clock: returns the current time in seconds; read once before and once
            after each call.

    Raises:
        TypeError: if ``func`` is given but is not callable.
    """
    if func is not None and not callable(func):
        raise TypeError(
            f"timer() expects a callable or keyword options, got {func!r}; "
            "write @timer or @timer(logger=..., level=...)"
        )

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        log = _resolve_logger(logger, fn)
        name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            start = clock()
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                elapsed_ms = (clock() - start) * 1000.0
                log.log(
                    level,
                    "%s took %.3f ms (raised %s)",
                    name,
                    elapsed_ms,
                    type(exc).__name__,
                )
                raise
            elapsed_ms = (clock() - start) * 1000.0
            log.log(level, "%s took %.3f ms", name, elapsed_ms)
            return result

        return wrapper

    if func is None:
        return decorate
    return decorate(func)


def _resolve_logger(
    logger: logging.Logger | str | None, fn: Callable[..., Any]
) -> logging.Logger:
    if logger is None:
        return logging.getLogger(getattr(fn, "__module__", None) or __name__)
    if isinstance(logger, str):
        return logging.getLogger(logger)
    return logger


# --------------------------------------------------------------------- Task 2


def retry(
    *,
    times: int = 3,
    exceptions: type[BaseException] | tuple[type[BaseException], ...] = (Exception,),
    backoff: float = 0.1,
    factor: float = 2.0,
    max_delay: float = 5.0,
    sleep: Callable[[float], Any] = time.sleep,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Retry the decorated function when it raises one of ``exceptions``.

    ``times`` is the total number of attempts (the first call included). After
    failed attempt ``k`` (``k = 1 .. times-1``) the wrapper calls
    ``sleep(min(backoff * factor ** (k - 1), max_delay))`` and tries again.
    After the last attempt the last exception propagates unchanged; there is no
    sleep after the last attempt. An exception that is not an instance of one
    of ``exceptions`` propagates at once, without sleeping or retrying.

    Every call of the decorated function starts afresh with ``times`` attempts.

    Raises:
        TypeError: ``times`` is not an int, ``exceptions`` is not an exception
            class or a tuple of them, or ``sleep`` is not callable.
        ValueError: ``times < 1``, ``exceptions`` is empty, ``backoff < 0``,
            ``factor < 1`` or ``max_delay < 0``.
    """
    if isinstance(times, bool) or not isinstance(times, int):
        raise TypeError(f"times must be an int, got {type(times).__name__}")
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    caught = _exception_tuple(exceptions)
    if backoff < 0:
        raise ValueError(f"backoff must be >= 0, got {backoff}")
    if factor < 1:
        raise ValueError(f"factor must be >= 1, got {factor}")
    if max_delay < 0:
        raise ValueError(f"max_delay must be >= 0, got {max_delay}")
    if not callable(sleep):
        raise TypeError(f"sleep must be callable, got {sleep!r}")

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            delay = min(backoff, max_delay)
            for _ in range(times - 1):
                try:
                    return fn(*args, **kwargs)
                except caught:
                    sleep(delay)
                    # Cap as we go: backoff * factor ** k overflows for big k.
                    delay = min(delay * factor, max_delay)
            return fn(*args, **kwargs)

        return wrapper

    return decorate


def _exception_tuple(
    exceptions: type[BaseException] | tuple[type[BaseException], ...],
) -> tuple[type[BaseException], ...]:
    message = "exceptions must be an exception class or a tuple of exception classes"
    if isinstance(exceptions, type):
        exceptions = (exceptions,)
    try:
        caught = tuple(exceptions)
    except TypeError:
        raise TypeError(f"{message}, got {exceptions!r}") from None
    if not caught:
        raise ValueError("exceptions must name at least one exception class")
    for exc in caught:
        if not (isinstance(exc, type) and issubclass(exc, BaseException)):
            raise TypeError(f"{message}, got {exc!r}")
    return caught


# --------------------------------------------------------------------- Task 3


class CacheInfo(NamedTuple):
    """Statistics of a memoized function, as returned by ``cache_info()``."""

    hits: int
    misses: int
    maxsize: int | None
    currsize: int


def memoize(func: Callable[P, R] | None = None, /, *, maxsize: int | None = 128) -> Any:
    """Cache results of the decorated function, least recently used out first.

    Usable as ``@memoize`` (``maxsize=128``) or ``@memoize(maxsize=N)``;
    ``maxsize=None`` means unbounded.

    Calls are cached by their *bound* arguments: the arguments are bound to the
    function's signature and defaults are applied, so ``f(1, 2)``,
    ``f(1, b=2)``, ``f(b=2, a=1)`` and (when ``b`` defaults to 2) ``f(1)`` are
    the same call. Keyword order never matters, also for ``**kwargs``.

    A hit returns the cached value (even ``None`` or ``0``) and makes the entry
    the most recently used. A miss calls the function, stores the result and,
    when the cache holds more than ``maxsize`` entries, drops the least
    recently used one. A call that raises counts as a miss and stores nothing.

    The wrapper gets two attributes:

    * ``cache_info()`` -> :class:`CacheInfo` (hits, misses, maxsize, currsize);
    * ``cache_clear()`` empties the cache and resets hits and misses to 0.

    Raises:
        TypeError: at decoration, ``maxsize`` is neither ``None`` nor an int;
            at call time, an argument is unhashable (the message names the
            function and says the arguments must be hashable; the function is
            not called).
        ValueError: ``maxsize < 1``.
    """
    if maxsize is not None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError(
                f"maxsize must be an int or None, got {type(maxsize).__name__}"
            )
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1 or None, got {maxsize}")
    if func is not None and not callable(func):
        raise TypeError(
            f"memoize() expects a callable or keyword options, got {func!r}; "
            "write @memoize or @memoize(maxsize=...)"
        )

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)
        name = getattr(fn, "__qualname__", repr(fn))
        cache: OrderedDict[Hashable, Any] = OrderedDict()
        lock = threading.RLock()
        hits = 0
        misses = 0

        def make_key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            parts = []
            for param_name, value in bound.arguments.items():
                kind = signature.parameters[param_name].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    value = tuple(sorted(value.items()))
                parts.append((param_name, value))
            key = tuple(parts)
            try:
                hash(key)
            except TypeError as exc:
                raise TypeError(
                    f"{name}() is memoized, so its arguments must be hashable: {exc}"
                ) from exc
            return key

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            nonlocal hits, misses
            key = make_key(args, kwargs)
            with lock:
                cached = cache.get(key, _MISSING)
                if cached is not _MISSING:
                    cache.move_to_end(key)
                    hits += 1
                    return cached
                misses += 1
            result = fn(*args, **kwargs)
            with lock:
                cache[key] = result
                cache.move_to_end(key)
                if maxsize is not None and len(cache) > maxsize:
                    cache.popitem(last=False)
            return result

        def cache_info() -> CacheInfo:
            with lock:
                return CacheInfo(hits, misses, maxsize, len(cache))

        def cache_clear() -> None:
            nonlocal hits, misses
            with lock:
                cache.clear()
                hits = 0
                misses = 0

        wrapper.cache_info = cache_info  # type: ignore[attr-defined]
        wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
        return wrapper

    if func is None:
        return decorate
    return decorate(func)
