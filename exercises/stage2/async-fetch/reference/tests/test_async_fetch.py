"""Tests for async_fetch.py against a local aiohttp server.

Run them with:  grader test   (or: python -m pytest -q tests)
"""

import asyncio
import socket
import threading
from collections import Counter

import pytest
from aiohttp import web

from async_fetch import Result, fetch_all, run_fetch_all


class Site:
    """A local aiohttp server in a background thread that counts its load."""

    def __init__(self):
        self.hits = Counter()
        self.in_flight = 0
        self.peak = 0
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/hello/{name}", self.hello)
        app.router.add_get("/missing", self.missing)
        app.router.add_get("/flaky/{failures}", self.flaky)
        app.router.add_get("/slow/{ms}", self.slow)
        self.runner = web.AppRunner(app, handler_cancellation=True)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.base = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def hello(self, request):
        return web.Response(text="hello " + request.match_info["name"])

    async def missing(self, request):
        self.hits["missing"] += 1
        return web.Response(status=404, text="no such page")

    async def flaky(self, request):
        self.hits["flaky"] += 1
        if self.hits["flaky"] <= int(request.match_info["failures"]):
            return web.Response(status=503, text="busy")
        return web.Response(text="finally")

    async def slow(self, request):
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(int(request.match_info["ms"]) / 1000)
            return web.Response(text="slow")
        finally:
            self.in_flight -= 1

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def site():
    server = Site()
    yield server
    server.stop()


def fetch(urls, **kwargs):
    options = {"limit": 2, "timeout": 5, "retries": 0, "backoff": 0.01}
    options.update(kwargs)
    return asyncio.run(fetch_all(urls, **options))


def test_result_ok_property():
    assert Result("u", status=200, text="x", attempts=1).ok
    assert not Result("u", status=500, error="http", attempts=3).ok


def test_order_and_fields(site):
    urls = [f"{site.base}/slow/100", f"{site.base}/hello/b"]
    slow, hello = fetch(urls)
    assert (slow.url, slow.text) == (urls[0], "slow")
    assert (hello.status, hello.text, hello.error, hello.attempts) == (
        200,
        "hello b",
        None,
        1,
    )


def test_empty_and_bad_arguments():
    assert fetch([]) == []
    for bad in ({"limit": 0}, {"timeout": 0}, {"retries": -1}, {"backoff": -1}):
        with pytest.raises(ValueError):
            fetch(["http://127.0.0.1:9/"], **bad)


def test_concurrency_is_bounded(site):
    fetch([f"{site.base}/slow/80"] * 6, limit=2)
    assert site.peak == 2


def test_client_errors_are_not_retried(site):
    (result,) = fetch([f"{site.base}/missing"], retries=3)
    assert (result.status, result.error, result.attempts) == (404, "http", 1)
    assert site.hits["missing"] == 1


def test_server_errors_are_retried(site):
    (result,) = fetch([f"{site.base}/flaky/2"], retries=2)
    assert (result.status, result.text, result.attempts) == (200, "finally", 3)
    site.hits.clear()
    (result,) = fetch([f"{site.base}/flaky/5"], retries=1)
    assert (result.status, result.error, result.attempts) == (503, "http", 2)


def test_timeout_and_connection_errors(site):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    slow, refused = fetch([f"{site.base}/slow/2000", dead], timeout=0.2, retries=1)
    assert (slow.error, slow.status, slow.attempts) == ("timeout", None, 2)
    assert (refused.error, refused.text, refused.attempts) == ("connection", None, 2)


def test_cancellation_propagates_and_cleans_up(site):
    async def scenario():
        task = asyncio.create_task(
            fetch_all([f"{site.base}/slow/3000"] * 3, limit=3, timeout=10)
        )
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.05)
        current = asyncio.current_task()
        return [t for t in asyncio.all_tasks() if t is not current and not t.done()]

    assert asyncio.run(scenario()) == []


def test_run_fetch_all_reports_cancellation(site):
    report = run_fetch_all(
        [f"{site.base}/slow/3000"] * 2, cancel_after=0.2, limit=1, timeout=10
    )
    assert report["cancelled"] is True and report["results"] is None
    assert report["stop_seconds"] < 1 and report["pending_tasks"] == 0
    report = run_fetch_all([f"{site.base}/hello/x"], limit=1, timeout=5)
    assert report["cancelled"] is False
    assert [r.text for r in report["results"]] == ["hello x"]
