"""A small Flask API over a movie dataset, with a Redis-style TTL cache.

``create_app`` is an application factory: every call builds a new, independent
app from a config dict, which is what makes the app easy to test::

    app = create_app({"MOVIES_PATH": "data/movies.json"})
    client = app.test_client()
    client.get("/movies?genre=drama&min_rating=9&sort=-rating&per_page=5")

Endpoints:

* ``GET /movies``: filter, sort and paginate the movies (results cached);
* ``GET /movies/<id>``: one movie.

Every error response is JSON: ``{"status": 400, "error": "Bad Request",
"message": "..."}``.

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports and private
helpers (parameter parsing, filtering, sorting, ...) as you need them.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from flask import Flask

DEFAULT_MOVIES_PATH = "data/movies.json"
DEFAULT_CACHE_TTL = 3600
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 50
SORT_FIELDS = ("id", "title", "year", "rating", "votes")


class InMemoryCache:
    """A dict with Redis-style expiry: ``set(key, value, ex=seconds)``.

    ``clock`` returns the current time in seconds; inject a fake one in tests.
    An entry set at time ``t`` with ``ex`` seconds is returned while
    ``clock() < t + ex`` and is gone from ``t + ex`` on.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        raise NotImplementedError

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None`` if missing or expired."""
        raise NotImplementedError

    def set(self, key: str, value: str, ex: float | None = None) -> None:
        """Store ``value`` under ``key``, expiring after ``ex`` seconds (never if None).

        Raises:
            ValueError: ``ex`` is not a positive number.
        """
        raise NotImplementedError


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app.

    Config keys (all optional): ``MOVIES_PATH`` (the JSON list of movies,
    default ``data/movies.json``), ``CACHE`` (an object with ``get(key)`` and
    ``set(key, value, ex=seconds)``; default a new :class:`InMemoryCache`),
    ``CACHE_TTL`` (seconds, default 3600). Other keys go into ``app.config``.
    """
    raise NotImplementedError
