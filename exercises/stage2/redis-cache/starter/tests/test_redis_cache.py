"""Your own tests. Extend this file until it covers at least 70% of redis_cache.py.

fakeredis is a Redis server in pure Python: every test gets a fresh, empty one.
Check expiry with r.ttl(key) instead of sleeping.

Run them with:  grader test   (or: python -m pytest -q tests)
"""

import fakeredis
import pytest

from redis_cache import get_movie


@pytest.fixture
def r():
    return fakeredis.FakeRedis(decode_responses=True)


def test_a_movie_is_loaded_once(r):
    calls = []

    def loader(movie_id):
        calls.append(movie_id)
        return {"id": movie_id}

    assert get_movie(r, loader, 1) == {"id": 1}
    assert get_movie(r, loader, 1) == {"id": 1}
    assert calls == [1]
