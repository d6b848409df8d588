"""Hidden tests: each has a task marker, points, and a docstring title.

`core` marks the tests that carry a task's lesson: the task's gate needs them to pass.
The fakeredis client is made here and handed to the submission, so every command
it sends is seen by the test.
"""

import json
import threading
import time

import fakeredis
import pytest

from redis_cache import (
    acquire_lock,
    allow_request,
    cached,
    get_movie,
    get_with_lock,
    make_key,
    record_view,
    release_lock,
    top_movies,
)

MOVIES = {i: {"id": i, "title": f"Movie {i}", "year": 1990 + i} for i in range(1, 6)}


class Loader:
    """A loader that counts its calls."""

    def __init__(self, delay=0.0):
        self.calls = []
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, movie_id):
        with self.lock:
            self.calls.append(movie_id)
        if self.delay:
            time.sleep(self.delay)
        return MOVIES.get(movie_id)


class LoaderDown(Exception):
    """The loader's own failure, so the test tells it from a NotImplementedError."""


class FixedRandom:
    def __init__(self, value):
        self.value = value
        self.asked = []

    def randint(self, low, high):
        self.asked.append((low, high))
        return self.value


@pytest.fixture(params=[True, False], ids=["str", "bytes"])
def client(request):
    return fakeredis.FakeRedis(decode_responses=request.param)


@pytest.fixture
def r():
    return fakeredis.FakeRedis(decode_responses=True)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_get_movie_loads_once_then_hits(client):
    """get_movie calls the loader on a miss only and stores the movie as JSON"""
    loader = Loader()
    assert get_movie(client, loader, 2, rng=FixedRandom(0)) == MOVIES[2]
    assert get_movie(client, loader, 2, rng=FixedRandom(0)) == MOVIES[2]
    assert loader.calls == [2]
    assert json.loads(client.get("movie:2")) == MOVIES[2]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_get_movie_reads_what_another_process_cached(r):
    """a movie already in Redis is returned without the loader"""
    r.set("movie:3", json.dumps({"id": 3, "title": "cached"}))
    loader = Loader()
    assert get_movie(r, loader, 3) == {"id": 3, "title": "cached"}
    assert loader.calls == []


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize(
    "ttl, jitter, spread", [(3600, 300, 0), (3600, 300, 300), (100, 10, 7)],
    ids=["no-spread", "full-spread", "small"],
)
def test_get_movie_ttl_has_jitter(r, ttl, jitter, spread):
    """the TTL is ttl + rng.randint(0, jitter)"""
    rng = FixedRandom(spread)
    get_movie(r, Loader(), 1, ttl=ttl, jitter=jitter, rng=rng)
    assert rng.asked == [(0, jitter)]
    assert ttl + spread - 2 <= r.ttl("movie:1") <= ttl + spread


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_get_movie_caches_a_miss_briefly(client):
    """an unknown id is cached as null for miss_ttl; the loader is not asked again"""
    loader = Loader()
    assert get_movie(client, loader, 99, miss_ttl=30, rng=FixedRandom(0)) is None
    assert get_movie(client, loader, 99, miss_ttl=30, rng=FixedRandom(0)) is None
    assert loader.calls == [99]
    assert json.loads(client.get("movie:99")) is None
    assert 28 <= client.ttl("movie:99") <= 30


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "movie_id, error",
    [(0, ValueError), (-1, ValueError), ("1", TypeError), (True, TypeError)],
    ids=["zero", "negative", "str", "bool"],
)
def test_get_movie_refuses_bad_ids(r, movie_id, error):
    """a movie id that is not a positive int is refused before Redis is asked"""
    loader = Loader()
    with pytest.raises(error):
        get_movie(r, loader, movie_id)
    assert loader.calls == [] and r.keys() == []


# --------------------------------------------------------------------- task 2


def make_counted(client, ttl=60, prefix="sq"):
    calls = []

    def area(width, height=1, *, unit="m"):
        calls.append((width, height, unit))
        return {"area": width * height, "unit": unit}

    return cached(client, ttl, prefix)(area), calls


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_cached_runs_the_function_once_per_call(client):
    """the decorated function runs once per distinct call, results come from Redis"""
    area, calls = make_counted(client)
    assert area(2, 3) == {"area": 6, "unit": "m"}
    assert area(2, 3) == {"area": 6, "unit": "m"}
    assert area(4, 3) == {"area": 12, "unit": "m"}
    assert calls == [(2, 3, "m"), (4, 3, "m")]
    assert all(key.startswith(b"sq:" if isinstance(key, bytes) else "sq:")
               for key in client.keys())


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_cached_key_ignores_kwargs_order(r):
    """keyword arguments in another order hit the same entry"""
    area, calls = make_counted(r)
    area(2, height=3, unit="cm")
    area(2, unit="cm", height=3)
    assert len(calls) == 1
    ab, ba = {"a": 1, "b": 2}, {"b": 2, "a": 1}
    assert make_key("p", (1,), ab) == make_key("p", (1,), ba)
    assert make_key("p", (1,), {}) != make_key("p", (2,), {})
    assert make_key("p", (1,), {}) != make_key("q", (1,), {})
    assert make_key("p", (1,), {}).startswith("p:")


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_cached_sets_the_ttl(r):
    """each entry expires after the decorator's ttl"""
    area, _ = make_counted(r, ttl=45)
    area(1)
    (key,) = r.keys()
    assert 43 <= r.ttl(key) <= 45


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_invalidate_drops_one_entry(r):
    """invalidate(*args) deletes that call's entry only; the next call runs again"""
    area, calls = make_counted(r)
    area(2)
    area(5)
    assert area.invalidate(2) is True
    assert area.invalidate(2) is False
    area(2)
    area(5)
    assert calls == [(2, 1, "m"), (5, 1, "m"), (2, 1, "m")]


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "ttl, prefix, error",
    [(0, "p", ValueError), (1.5, "p", TypeError), (10, "", ValueError)],
    ids=["zero-ttl", "float-ttl", "empty-prefix"],
)
def test_cached_refuses_bad_settings(r, ttl, prefix, error):
    """a ttl that is not a positive int or an empty prefix is refused at decoration"""
    with pytest.raises(error):
        cached(r, ttl, prefix)


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_lock_is_exclusive_and_expires(client):
    """acquire_lock uses SET NX PX: a second acquire fails, the lock has a PX ttl"""
    token = acquire_lock(client, "lock:a", 2000)
    assert isinstance(token, str) and token
    assert acquire_lock(client, "lock:a", 2000) is None
    assert 1000 < client.pttl("lock:a") <= 2000
    other = acquire_lock(client, "lock:b", 2000)
    assert other and other != token


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_release_only_by_the_owner(client):
    """release_lock deletes the lock only for the token that holds it"""
    token = acquire_lock(client, "lock:a", 5000)
    assert release_lock(client, "lock:a", "not-" + token) is False
    assert client.exists("lock:a") == 1
    assert release_lock(client, "lock:a", token) is True
    assert client.exists("lock:a") == 0
    assert release_lock(client, "lock:a", token) is False


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_release_spares_a_lock_taken_over(r):
    """after a lock expired and another owner took it, the old token cannot free it"""
    old = acquire_lock(r, "lock:a", 5000)
    r.delete("lock:a")
    new = acquire_lock(r, "lock:a", 5000)
    assert release_lock(r, "lock:a", old) is False
    assert r.get("lock:a") == new


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_stampede_runs_the_loader_once(client):
    """eight threads missing the same key: one loader call, everyone gets its value"""
    calls = []
    count_lock = threading.Lock()

    def loader():
        with count_lock:
            calls.append(1)
        time.sleep(0.3)
        return {"title": "Heat", "views": 7}

    results = [None] * 8
    start = threading.Barrier(8)

    def worker(i):
        start.wait()
        results[i] = get_with_lock(client, "movie:9", loader, ttl=60, timeout=5)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert results == [{"title": "Heat", "views": 7}] * 8
    assert client.exists("lock:movie:9") == 0
    assert 58 <= client.ttl("movie:9") <= 60


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_lock_is_released_when_the_loader_fails(r):
    """a loader that raises leaves no lock behind and caches nothing"""

    def loader():
        raise LoaderDown("database down")

    with pytest.raises(LoaderDown):
        get_with_lock(r, "k", loader, ttl=60)
    assert r.keys() == []


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_waiting_gives_up_after_timeout(r):
    """while someone else holds the lock and fills nothing, a caller times out"""
    acquire_lock(r, "lock:k", 10000)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        get_with_lock(r, "k", lambda: 1, ttl=60, timeout=0.3)
    assert time.monotonic() - started < 3


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_rate_limit_counts_within_the_window(client):
    """allow_request lets limit calls through, then refuses; users are counted apart"""
    got = [allow_request(client, "ann", 3, 60) for _ in range(5)]
    assert got == [True, True, True, False, False]
    assert allow_request(client, "bob", 3, 60) is True
    assert int(client.get("rate:ann")) == 5
    assert 58 <= client.ttl("rate:ann") <= 60


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_rate_limit_does_not_extend_the_window(r):
    """later calls do not push the window's end back"""
    r.set("rate:ann", 1, ex=30)
    assert allow_request(r, "ann", 5, 600) is True
    assert r.ttl("rate:ann") <= 30


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_rate_limit_repairs_a_counter_without_expiry(r):
    """a counter left without a TTL gets the window, so it cannot block forever"""
    r.set("rate:ann", 7)
    assert allow_request(r, "ann", 5, 60) is False
    assert 58 <= r.ttl("rate:ann") <= 60


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_leaderboard_ranks_by_views(client):
    """record_view counts with ZINCRBY; top_movies gives (id, views), most first"""
    views = {1: 3, 2: 7, 3: 1, 4: 5, 5: 2}
    for movie_id, n in views.items():
        for i in range(n):
            total = record_view(client, movie_id)
            assert total == i + 1
    assert top_movies(client, 3) == [(2, 7), (4, 5), (1, 3)]
    assert top_movies(client, 10) == [(2, 7), (4, 5), (1, 3), (5, 2), (3, 1)]
    assert client.zscore("views", "4") == 5


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_leaderboards_are_apart(r):
    """a board name keeps separate counts; an empty board has no rows"""
    record_view(r, 1, board="week")
    assert top_movies(r, 5) == []
    assert top_movies(r, 5, board="week") == [(1, 1)]


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "n, error", [(0, ValueError), ("3", TypeError)], ids=["zero", "str"]
)
def test_top_movies_refuses_bad_n(r, n, error):
    """n must be a positive int"""
    with pytest.raises(error):
        top_movies(r, n)
