"""Tests of redis_cache against fakeredis: no server, no sleeping on TTLs."""

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
    movie_key,
    record_view,
    release_lock,
    top_movies,
)


class Fixed:
    def randint(self, low, high):
        return high


@pytest.fixture
def r():
    return fakeredis.FakeRedis(decode_responses=True)


def test_get_movie_caches_hits_and_misses(r):
    calls = []

    def loader(movie_id):
        calls.append(movie_id)
        return {"id": 1} if movie_id == 1 else None

    assert get_movie(r, loader, 1, ttl=100, jitter=5, rng=Fixed()) == {"id": 1}
    assert get_movie(r, loader, 1) == {"id": 1}
    assert r.ttl("movie:1") == 105
    assert get_movie(r, loader, 2, miss_ttl=9) is None
    assert get_movie(r, loader, 2) is None
    assert calls == [1, 2]
    assert r.ttl("movie:2") == 9


@pytest.mark.parametrize("bad", [0, "1", True])
def test_movie_key_refuses_bad_ids(bad):
    with pytest.raises((TypeError, ValueError)):
        movie_key(bad)


def test_get_movie_refuses_negative_jitter(r):
    with pytest.raises(ValueError):
        get_movie(r, lambda i: None, 1, jitter=-1)


def test_cached_and_invalidate(r):
    calls = []

    @cached(r, 30, "f")
    def add(a, b=0):
        calls.append((a, b))
        return a + b

    assert add(1, b=2) == add(1, b=2) == 3
    assert calls == [(1, 2)]
    assert add.invalidate(1, b=2) is True
    assert add(1, b=2) == 3
    assert len(calls) == 2
    assert make_key("f", (), {"x": 1, "y": 2}) == make_key("f", (), {"y": 2, "x": 1})
    with pytest.raises(ValueError):
        cached(r, 30, "")


def test_lock_owner_release(r):
    token = acquire_lock(r, "lock:x", 1000)
    assert acquire_lock(r, "lock:x", 1000) is None
    assert release_lock(r, "lock:x", "other") is False
    assert release_lock(r, "lock:x", token) is True
    assert not r.exists("lock:x")


def test_get_with_lock_one_loader_for_many_threads(r):
    calls = []

    def loader():
        calls.append(1)
        time.sleep(0.2)
        return [1, 2]

    out = []

    def worker():
        out.append(get_with_lock(r, "k", loader, ttl=9))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and out == [[1, 2]] * 4


def test_get_with_lock_times_out(r):
    acquire_lock(r, "lock:k", 5000)
    with pytest.raises(TimeoutError):
        get_with_lock(r, "k", lambda: 1, ttl=9, timeout=0.05)


def test_rate_limit_and_leaderboard(r):
    assert [allow_request(r, "u", 2, 10) for _ in range(3)] == [True, True, False]
    assert r.ttl("rate:u") == 10
    for movie_id in (1, 2, 2):
        record_view(r, movie_id)
    assert top_movies(r, 5) == [(2, 2), (1, 1)]
