import asyncio
import socket
import threading
import time
from collections import Counter

import pytest
from aiohttp import web

from async_fetch import run_fetch_all


class LoadServer:
    """An aiohttp server in its own thread and event loop that watches its load.

    Routes:
      /delay/<ms>?tag=X     sleep ms milliseconds, answer 200 with the body X
      /status/<code>        answer that status with the body "status <code>"
      /flaky/<key>/<n>      answer 503 to the first n requests of key, then 200
    The server records every request, the number of requests in flight, the
    peak of that number, and requests abandoned by the client.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        assert started.wait(10), "test server did not start"

    def reset(self):
        with self.lock:
            self.log = []
            self.in_flight = 0
            self.peak = 0
            self.aborted = 0
            self.flaky = Counter()

    def _run(self, started):
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/delay/{ms}", self._delay)
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/flaky/{key}/{n}", self._flaky)
        self.runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = self.runner.addresses[0][1]
        started.set()
        self.loop.run_forever()

    async def _tracked(self, request, work):
        with self.lock:
            self.log.append((request.path, time.monotonic()))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            return await work()
        except asyncio.CancelledError:
            with self.lock:
                self.aborted += 1
            raise
        finally:
            with self.lock:
                self.in_flight -= 1

    async def _delay(self, request):
        async def work():
            await asyncio.sleep(int(request.match_info["ms"]) / 1000)
            return web.Response(text=request.query.get("tag", "done"))

        return await self._tracked(request, work)

    async def _status(self, request):
        code = int(request.match_info["code"])

        async def work():
            return web.Response(status=code, text=f"status {code}")

        return await self._tracked(request, work)

    async def _flaky(self, request):
        key, failures = request.match_info["key"], int(request.match_info["n"])

        async def work():
            await asyncio.sleep(0.02)
            with self.lock:
                self.flaky[key] += 1
                seen = self.flaky[key]
            if seen <= failures:
                return web.Response(status=503, text=f"busy {seen}")
            return web.Response(text=f"ok after {failures}")

        return await self._tracked(request, work)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self):
        with self.lock:
            return [path for path, _ in self.log]

    def times(self, path):
        with self.lock:
            return [stamp for p, stamp in self.log if p == path]

    def snapshot(self):
        with self.lock:
            return {
                "requests": len(self.log),
                "in_flight": self.in_flight,
                "peak": self.peak,
                "aborted": self.aborted,
            }

    def close(self):
        future = asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop)
        future.result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def _server():
    server = LoadServer()
    yield server
    server.close()


@pytest.fixture
def server(_server):
    _server.reset()
    yield _server
    _server.reset()


def fetch(urls, **options):
    """Run the submission's fetch_all to completion; return its results."""
    report = run_fetch_all(urls, **options)
    assert report["cancelled"] is False
    return report["results"]


def cancel(urls, after, **options):
    """Run fetch_all and cancel it after `after` seconds; return the report."""
    started = time.monotonic()
    report = run_fetch_all(urls, cancel_after=after, **options)
    report = dict(report)
    report["call_seconds"] = time.monotonic() - started
    return report


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing-listens-here"


def wait_until(predicate, seconds=2.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_results_come_back_in_input_order(server):
    """Results follow the input order even when later URLs finish first"""
    urls = [server.url(f"/delay/{ms}?tag=t{i}") for i, ms in enumerate([300, 150, 0])]
    results = fetch(urls, limit=3, timeout=5, retries=0)
    assert [r.url for r in results] == urls
    assert [r.text for r in results] == ["t0", "t1", "t2"]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_successful_result_fields(server):
    """A 200 gives status 200, the body as text, error None, attempts 1 and ok True"""
    url = server.url("/delay/0?tag=你好")
    (result,) = fetch([url], limit=1, timeout=5, retries=2)
    assert result.url == url
    assert result.status == 200
    assert result.text == "你好"
    assert result.error is None
    assert result.attempts == 1
    assert result.ok is True


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_empty_input_gives_empty_list():
    """fetch_all([]) returns []"""
    assert list(fetch([], limit=3, timeout=1, retries=1)) == []


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_http_errors_are_captured_per_url(server):
    """A 404 among good URLs becomes a Result with status 404 and error 'http'"""
    urls = [server.url("/delay/0?tag=a"), server.url("/status/404")]
    urls.append(server.url("/delay/0?tag=c"))
    good1, missing, good2 = fetch(urls, limit=2, timeout=5, retries=1)
    assert (good1.text, good2.text) == ("a", "c")
    assert good1.ok and good2.ok
    assert missing.status == 404
    assert missing.error == "http"
    assert missing.text == "status 404"
    assert missing.ok is False


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_connection_errors_are_captured_per_url(server):
    """A refused connection becomes error 'connection' with no status or text"""
    dead = closed_port_url()
    results = fetch(
        [dead, server.url("/delay/0?tag=fine")],
        limit=2,
        timeout=2,
        retries=1,
        backoff=0.01,
    )
    assert results[0].url == dead
    assert results[0].error == "connection"
    assert results[0].status is None and results[0].text is None
    assert results[0].ok is False
    assert results[1].text == "fine"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_invalid_url_is_a_connection_error(server):
    """A malformed URL is reported as error 'connection', not raised"""
    results = fetch(
        ["not a url", server.url("/delay/0?tag=ok")],
        limit=2,
        timeout=2,
        retries=0,
    )
    assert results[0].url == "not a url"
    assert results[0].error == "connection"
    assert results[1].ok


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_duplicate_urls_are_fetched_for_each_position(server):
    """The same URL twice gives two results and two requests"""
    url = server.url("/delay/10?tag=dup")
    results = fetch([url, url], limit=2, timeout=5, retries=0)
    assert [r.text for r in results] == ["dup", "dup"]
    assert server.paths() == ["/delay/10", "/delay/10"]


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 0, "timeout": 1, "retries": 0},
        {"limit": 2, "timeout": 0, "retries": 0},
        {"limit": 2, "timeout": 1, "retries": -1},
        {"limit": 2, "timeout": 1, "retries": 0, "backoff": -0.1},
    ],
    ids=["limit-zero", "timeout-zero", "retries-negative", "backoff-negative"],
)
def test_bad_arguments_raise_value_error(server, kwargs):
    """Invalid limit, timeout, retries or backoff raise ValueError and send nothing"""
    with pytest.raises(ValueError):
        run_fetch_all([server.url("/delay/0")], **kwargs)
    assert server.paths() == []


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.parametrize("limit", [1, 3])
@pytest.mark.core
def test_concurrency_reaches_but_never_exceeds_limit(server, limit):
    """The server never sees more than `limit` requests at once, and does see `limit`"""
    urls = [server.url(f"/delay/120?tag={i}") for i in range(8)]
    results = fetch(urls, limit=limit, timeout=5, retries=0)
    assert [r.text for r in results] == [str(i) for i in range(8)]
    stats = server.snapshot()
    assert stats["requests"] == 8
    assert stats["peak"] == limit


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_requests_really_run_concurrently(server):
    """Twelve 150 ms requests with limit 4 finish far sooner than one by one"""
    urls = [server.url(f"/delay/150?tag={i}") for i in range(12)]
    started = time.monotonic()
    results = fetch(urls, limit=4, timeout=5, retries=0)
    elapsed = time.monotonic() - started
    assert all(r.ok for r in results)
    assert server.snapshot()["peak"] == 4
    assert elapsed < 1.4, f"took {elapsed:.2f} s; one by one takes 1.8 s"


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_limit_above_url_count_runs_everything_at_once(server):
    """With limit larger than the number of URLs, all requests run together"""
    urls = [server.url(f"/delay/150?tag={i}") for i in range(5)]
    fetch(urls, limit=50, timeout=5, retries=0)
    assert server.snapshot()["peak"] == 5


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_retried_requests_also_respect_the_limit(server):
    """Retries count against the limit too: the peak stays at most `limit`"""
    urls = [server.url(f"/flaky/limit{i}/2") for i in range(6)]
    results = fetch(urls, limit=2, timeout=5, retries=2, backoff=0.01)
    assert all(r.ok and r.attempts == 3 for r in results)
    stats = server.snapshot()
    assert stats["requests"] == 18
    assert stats["peak"] <= 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_a_free_slot_is_reused_at_once_without_batching(server):
    """A slot freed by a fast request is reused at once, even while a slow one runs"""
    urls = [server.url("/delay/900?tag=slow")]
    urls += [server.url(f"/delay/50?tag=f{i}") for i in range(4)]
    results = fetch(urls, limit=2, timeout=5, retries=0)
    assert [r.text for r in results] == ["slow", "f0", "f1", "f2", "f3"]
    slow_start = server.times("/delay/900")[0]
    fast_starts = server.times("/delay/50")
    assert len(fast_starts) == 4
    assert fast_starts[-1] - slow_start < 0.6
    assert server.snapshot()["peak"] == 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_a_retry_waiting_in_backoff_does_not_hold_a_slot(server):
    """While a URL sleeps before its retry, another URL may use its slot"""
    urls = [server.url("/flaky/hold/1"), server.url("/delay/0?tag=free")]
    results = fetch(urls, limit=1, timeout=5, retries=1, backoff=0.6)
    assert [r.ok for r in results] == [True, True]
    assert server.paths() == ["/flaky/hold/1", "/delay/0", "/flaky/hold/1"]
    first_try = server.times("/flaky/hold/1")[0]
    assert server.times("/delay/0")[0] - first_try < 0.35


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_server_errors_are_retried_until_success(server):
    """Two 503 answers are retried; the third attempt succeeds (attempts 3)"""
    url = server.url("/flaky/twice/2")
    (result,) = fetch([url], limit=1, timeout=5, retries=2, backoff=0.01)
    assert result.ok
    assert (result.status, result.text, result.attempts) == (200, "ok after 2", 3)
    assert server.paths() == ["/flaky/twice/2"] * 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_retries_run_out(server):
    """When every attempt gets 503, the result is the last 503 after retries + 1 requests"""
    url = server.url("/flaky/always/99")
    (result,) = fetch([url], limit=1, timeout=5, retries=2, backoff=0.01)
    assert (result.status, result.error, result.attempts) == (503, "http", 3)
    assert result.text == "busy 3"
    assert len(server.paths()) == 3


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_zero_retries_means_one_attempt(server):
    """retries=0 makes exactly one request even for a 503"""
    (result,) = fetch([server.url("/flaky/once/1")], limit=1, timeout=5, retries=0)
    assert (result.status, result.attempts) == (503, 1)
    assert len(server.paths()) == 1


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_client_errors_are_not_retried(server):
    """404 and 400 answers are final: one request each, no retry"""
    urls = [server.url("/status/404"), server.url("/status/400")]
    results = fetch(urls, limit=2, timeout=5, retries=3, backoff=0.01)
    assert [(r.status, r.attempts) for r in results] == [(404, 1), (400, 1)]
    assert sorted(server.paths()) == ["/status/400", "/status/404"]


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_slow_responses_time_out_and_are_retried(server):
    """A response slower than `timeout` is error 'timeout'; it is retried and stays fast"""
    started = time.monotonic()
    results = fetch(
        [server.url("/delay/3000"), server.url("/delay/0?tag=quick")],
        limit=2,
        timeout=0.25,
        retries=1,
        backoff=0.01,
    )
    elapsed = time.monotonic() - started
    slow, quick = results
    assert slow.error == "timeout"
    assert slow.status is None and slow.text is None
    assert slow.attempts == 2
    assert quick.text == "quick"
    assert server.paths().count("/delay/3000") == 2
    assert elapsed < 1.5


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_backoff_doubles_between_attempts(server):
    """The waits before retries are about backoff, then 2 * backoff"""
    fetch([server.url("/flaky/backoff/2")], limit=1, timeout=5, retries=2,
                  backoff=0.15)  # fmt: skip
    stamps = server.times("/flaky/backoff/2")
    assert len(stamps) == 3
    first, second = stamps[1] - stamps[0], stamps[2] - stamps[1]
    assert 0.14 <= first < 0.6
    assert 0.29 <= second < 0.9


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_cancellation_propagates_quickly(server):
    """Cancelling fetch_all ends it as cancelled at once instead of returning results"""
    urls = [server.url("/delay/3000") for _ in range(4)]
    report = cancel(urls, 0.3, limit=2, timeout=10, retries=0)
    assert report["cancelled"] is True
    assert report["results"] is None
    assert report["stop_seconds"] < 1.0
    assert report["call_seconds"] < 2.0


@pytest.mark.task(4)
@pytest.mark.points(3)
def test_cancellation_aborts_in_flight_requests(server):
    """After cancellation every open request is dropped and no new one is sent"""
    urls = [server.url("/delay/3000") for _ in range(6)]
    cancel(urls, 0.3, limit=3, timeout=10, retries=0)
    assert server.snapshot()["requests"] == 3
    assert wait_until(lambda: server.snapshot()["in_flight"] == 0, seconds=1.5)
    assert server.snapshot()["aborted"] == 3
    time.sleep(0.3)
    assert server.snapshot()["requests"] == 3


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_cancellation_leaves_no_tasks_behind(server):
    """After cancellation no task started by fetch_all is still pending"""
    urls = [server.url("/delay/3000") for _ in range(5)]
    report = cancel(urls, 0.3, limit=5, timeout=10, retries=0)
    assert report["cancelled"] is True
    assert report["pending_tasks"] == 0


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_cancellation_during_backoff(server):
    """Cancelling while a retry waits in backoff also stops that URL cleanly"""
    urls = [server.url("/flaky/waiting/5"), server.url("/delay/3000")]
    report = cancel(urls, 0.3, limit=2, timeout=10, retries=3, backoff=2.0)
    assert report["cancelled"] is True
    assert report["stop_seconds"] < 1.0
    assert report["pending_tasks"] == 0
    assert wait_until(lambda: server.snapshot()["in_flight"] == 0, seconds=1.5)
    assert server.paths().count("/flaky/waiting/5") == 1


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_normal_completion_leaves_no_tasks_behind(server):
    """After fetch_all returns normally, none of its tasks are still running"""
    urls = [server.url(f"/delay/20?tag={i}") for i in range(4)]
    report = run_fetch_all(urls, cancel_after=5, limit=2, timeout=5, retries=0)
    assert report["cancelled"] is False
    assert [r.text for r in report["results"]] == ["0", "1", "2", "3"]
    assert report["pending_tasks"] == 0
