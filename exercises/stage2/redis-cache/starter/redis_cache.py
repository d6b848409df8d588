"""Caching with Redis: cache-aside, a caching decorator, a stampede lock, counters.

Every function takes a ``redis.Redis``-compatible ``client`` (in tests a
``fakeredis.FakeRedis``), so nothing here opens a connection of its own. The
client may answer ``str`` (``decode_responses=True``) or ``bytes``: both work.
"""

from __future__ import annotations

from typing import Any, Callable

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
    raise NotImplementedError


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
    raise NotImplementedError


# --------------------------------------------------------------------- task 2


def make_key(prefix: str, args: tuple, kwargs: dict) -> str:
    """``<prefix>:<json>``: the same call gives the same key, kwargs in any order."""
    raise NotImplementedError


def cached(client: Any, ttl: int, key_prefix: str) -> Callable:
    """Decorator: cache the function's JSON-able result for ``ttl`` seconds.

    The wrapper gets ``invalidate(*args, **kwargs)``, which deletes the entry
    of that call and says whether there was one.
    """
    raise NotImplementedError


# --------------------------------------------------------------------- task 3


def acquire_lock(client: Any, name: str, ttl_ms: int) -> str | None:
    """A fresh token when the lock was free (``SET NX PX``), else ``None``."""
    raise NotImplementedError


def release_lock(client: Any, name: str, token: str) -> bool:
    """Delete the lock only while it still holds ``token`` (WATCH/MULTI)."""
    raise NotImplementedError


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
    raise NotImplementedError


# --------------------------------------------------------------------- task 4


def allow_request(client: Any, user: str, limit: int, window: int) -> bool:
    """Fixed-window rate limit: at most ``limit`` calls per ``window`` seconds.

    INCR counts; the window's EXPIRE is set by the first call only, so later
    calls do not push the window's end back.
    """
    raise NotImplementedError


def record_view(client: Any, movie_id: int, board: str = "views") -> int:
    """Count one view of a movie on a sorted set; the movie's new total."""
    raise NotImplementedError


def top_movies(client: Any, n: int, board: str = "views") -> list[tuple[int, int]]:
    """The ``n`` most viewed movies as ``(movie_id, views)``, most viewed first."""
    raise NotImplementedError
