"""Fetch many URLs concurrently with asyncio + aiohttp, politely and safely.

:func:`fetch_all` downloads a list of URLs with at most ``limit`` requests in
flight at any moment, a timeout per request, retries with exponential backoff
for server errors, timeouts and connection problems, and one :class:`Result`
per URL (in input order) instead of an exception. If the caller cancels it,
every request still running is cancelled and the HTTP session is closed::

    results = asyncio.run(fetch_all(urls, limit=5, timeout=3, retries=2))
    for result in results:
        print(result.url, result.status, result.error)

:func:`run_fetch_all` (given) runs ``fetch_all`` in a fresh event loop, can
cancel it after a delay, and reports what happened; the hidden tests use it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Sequence

import aiohttp

HTTP_ERROR = "http"
TIMEOUT_ERROR = "timeout"
CONNECTION_ERROR = "connection"


@dataclass(frozen=True)
class Result:
    """The outcome of fetching one URL (describing its last attempt).

    Attributes:
        url: the URL, exactly as given.
        status: the HTTP status of the last response, or ``None`` if the last
            attempt got no response (timeout, connection error).
        text: the body of the last response, or ``None`` without a response.
        error: ``None`` on success (status below 400), otherwise ``"http"``
            (status 400 or more), ``"timeout"`` or ``"connection"``.
        attempts: how many requests were made for this URL.
    """

    url: str
    status: int | None = None
    text: str | None = None
    error: str | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """True when the URL was fetched successfully."""
        return self.error is None


def _retryable(result: Result) -> bool:
    if result.error in (TIMEOUT_ERROR, CONNECTION_ERROR):
        return True
    return result.status is not None and 500 <= result.status <= 599


async def _attempt(
    session: aiohttp.ClientSession,
    url: str,
    attempt: int,
    timeout: aiohttp.ClientTimeout,
) -> Result:
    """One request; every failure becomes a Result (cancellation propagates)."""
    try:
        async with session.get(url, timeout=timeout) as response:
            text = await response.text(errors="replace")
            error = HTTP_ERROR if response.status >= 400 else None
            return Result(url, response.status, text, error, attempt)
    except asyncio.TimeoutError:
        # Checked first: aiohttp's ServerTimeoutError is also a ClientError.
        return Result(url, error=TIMEOUT_ERROR, attempts=attempt)
    except (aiohttp.ClientError, OSError):
        return Result(url, error=CONNECTION_ERROR, attempts=attempt)


async def _fetch_one(
    session: aiohttp.ClientSession,
    semaphore: asyncio.Semaphore,
    url: str,
    *,
    timeout: aiohttp.ClientTimeout,
    retries: int,
    backoff: float,
) -> Result:
    attempt = 1
    while True:
        async with semaphore:
            result = await _attempt(session, url, attempt, timeout)
        if attempt > retries or not _retryable(result):
            return result
        # Sleep outside the semaphore: a waiting retry must not block others.
        await asyncio.sleep(backoff * 2 ** (attempt - 1))
        attempt += 1


async def fetch_all(
    urls: Sequence[str],
    *,
    limit: int = 10,
    timeout: float = 10.0,
    retries: int = 2,
    backoff: float = 0.1,
) -> list[Result]:
    """Fetch every URL and return one :class:`Result` per URL, in input order.

    At most ``limit`` requests are in flight at any moment. Each request may
    take at most ``timeout`` seconds. Statuses 500-599, timeouts and
    connection errors are retried up to ``retries`` times (so at most
    ``retries + 1`` requests per URL), sleeping ``backoff * 2 ** (n - 1)``
    seconds after the n-th failed attempt. Other statuses are not retried.
    Errors are reported in the results, never raised. Cancelling the call
    cancels every pending request and closes the session.

    Raises:
        ValueError: ``limit < 1``, ``timeout <= 0``, ``retries < 0`` or
            ``backoff < 0``.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    if retries < 0:
        raise ValueError(f"retries must not be negative, got {retries}")
    if backoff < 0:
        raise ValueError(f"backoff must not be negative, got {backoff}")
    if not urls:
        return []
    semaphore = asyncio.Semaphore(limit)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession() as session:
        # A TaskGroup cancels and awaits every task if we are cancelled.
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(
                    _fetch_one(
                        session,
                        semaphore,
                        url,
                        timeout=client_timeout,
                        retries=retries,
                        backoff=backoff,
                    )
                )
                for url in urls
            ]
    return [task.result() for task in tasks]


def run_fetch_all(
    urls: Sequence[str], *, cancel_after: float | None = None, **options: Any
) -> dict[str, Any]:
    """Run :func:`fetch_all` in a new event loop and report what happened.

    GIVEN, DO NOT CHANGE: the hidden tests drive your code through this function.

    ``options`` go to ``fetch_all`` (``limit``, ``timeout``, ...). With
    ``cancel_after``, the ``fetch_all`` task is cancelled if it is still
    running after that many seconds. The report is a dict:

    * ``results``: the list of :class:`Result`, or ``None`` when cancelled;
    * ``cancelled``: whether the task ended cancelled;
    * ``stop_seconds``: seconds from ``cancel()`` until the task was done;
    * ``pending_tasks``: tasks of the loop still pending 50 ms after the end.

    An exception raised by ``fetch_all`` (``ValueError``) propagates.
    """

    async def main() -> dict[str, Any]:
        task = asyncio.create_task(fetch_all(urls, **options))
        stop_seconds = 0.0
        done, _ = await asyncio.wait({task}, timeout=cancel_after)
        if not done:
            task.cancel()
            started = time.monotonic()
            await asyncio.wait({task})
            stop_seconds = time.monotonic() - started
        await asyncio.sleep(0.05)
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        cancelled = task.cancelled()
        return {
            "results": None if cancelled else task.result(),
            "cancelled": cancelled,
            "stop_seconds": stop_seconds,
            "pending_tasks": len(pending),
        }

    return asyncio.run(main())
