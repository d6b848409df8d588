"""Caching with Redis: cache-aside, a caching decorator, a stampede lock, counters.

Every function takes a ``redis.Redis``-compatible ``client`` (in tests a
``fakeredis.FakeRedis``), so nothing here opens a connection of its own. The
client may answer ``str`` (``decode_responses=True``) or ``bytes``: both work.
"""

from __future__ import annotations

import functools
import json
import random
import time
import uuid
from typing import Any, Callable

import redis

MOVIE_TTL = 3600
MOVIE_JITTER = 300
MISS_TTL = 60


def _text(value: Any) -> str:
    """A reply as ``str`` whatever ``decode_responses`` the client was made with."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _check_positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


# --------------------------------------------------------------------- task 1


def movie_key(movie_id: int) -> str:
    """The cache key of one movie: ``movie:<id>``."""
    _check_positive("movie_id", movie_id)
    return f"movie:{movie_id}"


def get_movie(
    client: Any,
    loader: Callable[[int], dict | None],
    movie_id: int,
    *,
    ttl: int = MOVIE_TTL,
    jitter: int = MOVIE_JITTER,
    miss_ttl: int = MISS_TTL,
    rng: Any = None,
) -> dict | None:
    """Cache-aside: the cached movie, else ``loader(movie_id)`` stored as JSON.

    A found movie lives ``ttl + rng.randint(0, jitter)`` seconds, so keys
    written together do not all expire together. A miss (``None``) is cached
    as ``"null"`` for ``miss_ttl`` seconds so unknown ids do not reach the loader.
    """
    key = movie_key(movie_id)
    _check_positive("ttl", ttl)
    _check_positive("miss_ttl", miss_ttl)
    if isinstance(jitter, bool) or not isinstance(jitter, int) or jitter < 0:
        raise ValueError(f"jitter must be an int >= 0, got {jitter!r}")
    raw = client.get(key)
    if raw is not None:
        return json.loads(raw)
    movie = loader(movie_id)
    if movie is None:
        client.set(key, "null", ex=miss_ttl)
        return None
    spread = (rng or random).randint(0, jitter)
    client.set(key, json.dumps(movie), ex=ttl + spread)
    return movie


# --------------------------------------------------------------------- task 2


def make_key(prefix: str, args: tuple, kwargs: dict) -> str:
    """``<prefix>:<json>``: the same call gives the same key, kwargs in any order."""
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("key_prefix must be a non-empty string")
    body = json.dumps([list(args), kwargs], sort_keys=True, separators=(",", ":"))
    return f"{prefix}:{body}"


def cached(client: Any, ttl: int, key_prefix: str) -> Callable:
    """Decorator: cache the function's JSON-able result for ``ttl`` seconds.

    The wrapper gets ``invalidate(*args, **kwargs)``, which deletes the entry
    of that call and says whether there was one.
    """
    _check_positive("ttl", ttl)
    make_key(key_prefix, (), {})

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = make_key(key_prefix, args, kwargs)
            raw = client.get(key)
            if raw is not None:
                return json.loads(raw)
            result = fn(*args, **kwargs)
            client.set(key, json.dumps(result), ex=ttl)
            return result

        def invalidate(*args: Any, **kwargs: Any) -> bool:
            return bool(client.delete(make_key(key_prefix, args, kwargs)))

        wrapper.invalidate = invalidate  # type: ignore[attr-defined]
        return wrapper

    return decorate


# --------------------------------------------------------------------- task 3


def acquire_lock(client: Any, name: str, ttl_ms: int) -> str | None:
    """A fresh token when the lock was free (``SET NX PX``), else ``None``."""
    _check_positive("ttl_ms", ttl_ms)
    token = uuid.uuid4().hex
    return token if client.set(name, token, nx=True, px=ttl_ms) else None


def release_lock(client: Any, name: str, token: str) -> bool:
    """Delete the lock only while it still holds ``token`` (WATCH/MULTI)."""
    with client.pipeline() as pipe:
        try:
            pipe.watch(name)
            held = pipe.get(name)
            if held is None or _text(held) != token:
                pipe.unwatch()
                return False
            pipe.multi()
            pipe.delete(name)
            pipe.execute()
            return True
        except redis.WatchError:
            return False


def get_with_lock(
    client: Any,
    key: str,
    loader: Callable[[], Any],
    *,
    ttl: int,
    lock_ms: int = 5000,
    poll: float = 0.01,
    timeout: float = 5.0,
) -> Any:
    """The cached value of ``key``; on a miss only the lock holder runs ``loader``.

    The others poll the key until the holder has stored it, and raise
    ``TimeoutError`` after ``timeout`` seconds.
    """
    _check_positive("ttl", ttl)
    deadline = time.monotonic() + timeout
    lock = f"lock:{key}"
    while True:
        raw = client.get(key)
        if raw is not None:
            return json.loads(raw)
        token = acquire_lock(client, lock, lock_ms)
        if token is not None:
            try:
                raw = client.get(key)
                if raw is not None:
                    return json.loads(raw)
                value = loader()
                client.set(key, json.dumps(value), ex=ttl)
                return value
            finally:
                release_lock(client, lock, token)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{key} was not filled within {timeout} s")
        time.sleep(poll)


# --------------------------------------------------------------------- task 4


def allow_request(client: Any, user: str, limit: int, window: int) -> bool:
    """Fixed-window rate limit: at most ``limit`` calls per ``window`` seconds.

    INCR counts; the window's EXPIRE is set by the first call only, so later
    calls do not push the window's end back.
    """
    _check_positive("limit", limit)
    _check_positive("window", window)
    key = f"rate:{user}"
    count = client.incr(key)
    if count == 1 or client.ttl(key) == -1:
        client.expire(key, window)
    return count <= limit


def record_view(client: Any, movie_id: int, board: str = "views") -> int:
    """Count one view of a movie on a sorted set; the movie's new total."""
    _check_positive("movie_id", movie_id)
    return int(client.zincrby(board, 1, str(movie_id)))


def top_movies(client: Any, n: int, board: str = "views") -> list[tuple[int, int]]:
    """The ``n`` most viewed movies as ``(movie_id, views)``, most viewed first."""
    _check_positive("n", n)
    rows = client.zrevrange(board, 0, n - 1, withscores=True)
    return [(int(_text(member)), int(score)) for member, score in rows]
