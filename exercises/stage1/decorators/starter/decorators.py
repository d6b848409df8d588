"""Three production-style decorators: timing, retrying and memoizing calls.

Every decorator here must keep the wrapped function's metadata (``__name__``,
``__qualname__``, ``__doc__``, ``__module__``, ``__wrapped__`` and therefore its
``inspect.signature``): use :func:`functools.wraps`.

Side effects that make tests slow or flaky (reading the clock, sleeping) are
injectable, so tests can pass a fake clock or a fake ``sleep``.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, NamedTuple, ParamSpec, TypeVar

__all__ = ["CacheInfo", "memoize", "retry", "timer"]

P = ParamSpec("P")
R = TypeVar("R")


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
    raise NotImplementedError("Task 1: write timer()")


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
    raise NotImplementedError("Task 2: write retry()")


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
    raise NotImplementedError("Task 3: write memoize()")
