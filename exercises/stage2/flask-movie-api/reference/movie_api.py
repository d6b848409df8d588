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
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import Any, Callable, Protocol

from flask import Flask, Response, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

DEFAULT_MOVIES_PATH = "data/movies.json"
DEFAULT_CACHE_TTL = 3600
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 50
SORT_FIELDS = ("id", "title", "year", "rating", "votes")
LINK_PARAMS = (
    "genre",
    "min_rating",
    "max_rating",
    "year_from",
    "year_to",
    "sort",
)

logger = logging.getLogger(__name__)


class Cache(Protocol):
    """The part of the Redis client API this app uses."""

    def get(self, key: str) -> str | None: ...  # pragma: no cover

    def set(
        self, key: str, value: str, ex: float | None = None
    ) -> Any: ...  # pragma: no cover


class InMemoryCache:
    """A dict with Redis-style expiry: ``set(key, value, ex=seconds)``.

    ``clock`` returns the current time in seconds; inject a fake one in tests.
    An entry set at time ``t`` with ``ex`` seconds is returned while
    ``clock() < t + ex`` and is gone from ``t + ex`` on.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[str, float | None]] = {}

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None`` if missing or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and self._clock() >= expires_at:
            del self._entries[key]
            return None
        return value

    def set(self, key: str, value: str, ex: float | None = None) -> None:
        """Store ``value`` under ``key``, expiring after ``ex`` seconds (never if None).

        Raises:
            ValueError: ``ex`` is not a positive number.
        """
        if ex is not None and not ex > 0:
            raise ValueError(f"ex must be a positive number of seconds, got {ex!r}")
        expires_at = None if ex is None else self._clock() + ex
        self._entries[key] = (value, expires_at)


def _bad_request(message: str) -> None:
    abort(400, description=message)


def _float_param(name: str, low: float, high: float) -> float | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        _bad_request(f"{name} must be a number between {low:g} and {high:g}")
    return value


def _int_param(
    name: str, default: int | None, low: int, high: int | None = None
) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        _bad_request(f"{name} must be a whole number, got {raw!r}")
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and at most {high}"
        _bad_request(f"{name} must be at least {low}{upper}, got {value}")
    return value


def _query() -> dict[str, Any]:
    """The validated parameters of ``GET /movies``; abort(400) on bad input."""
    genre = request.args.get("genre")
    if genre is not None:
        genre = genre.strip().casefold()
        if not genre:
            _bad_request("genre must not be blank")
    min_rating = _float_param("min_rating", 0, 10)
    max_rating = _float_param("max_rating", 0, 10)
    if min_rating is not None and max_rating is not None and min_rating > max_rating:
        _bad_request("min_rating must not be greater than max_rating")
    year_from = _int_param("year_from", None, 0, 9999)
    year_to = _int_param("year_to", None, 0, 9999)
    if year_from is not None and year_to is not None and year_from > year_to:
        _bad_request("year_from must not be greater than year_to")
    sort = request.args.get("sort", "id")
    if sort.removeprefix("-") not in SORT_FIELDS:
        _bad_request(f"sort must be one of {', '.join(SORT_FIELDS)} (or -field)")
    return {
        "genre": genre,
        "min_rating": min_rating,
        "max_rating": max_rating,
        "year_from": year_from,
        "year_to": year_to,
        "sort": sort,
        "page": _int_param("page", 1, 1),
        "per_page": _int_param("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    }


def _matches(movie: dict[str, Any], query: dict[str, Any]) -> bool:
    genre = query["genre"]
    if genre is not None and genre not in (g.casefold() for g in movie["genres"]):
        return False
    if query["min_rating"] is not None and movie["rating"] < query["min_rating"]:
        return False
    if query["max_rating"] is not None and movie["rating"] > query["max_rating"]:
        return False
    if query["year_from"] is not None and movie["year"] < query["year_from"]:
        return False
    if query["year_to"] is not None and movie["year"] > query["year_to"]:
        return False
    return True


def _sorted(movies: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    field = sort.removeprefix("-")
    by_id = sorted(movies, key=lambda m: m["id"])
    # sorted() is stable: ties keep the ascending id order in both directions.
    return sorted(by_id, key=lambda m: m[field], reverse=sort.startswith("-"))


def _link(page: int, per_page: int) -> str:
    params = {k: request.args[k] for k in LINK_PARAMS if k in request.args}
    return url_for("list_movies", **params, page=page, per_page=per_page)


def _movie_page(movies: list[dict[str, Any]], query: dict[str, Any]) -> dict:
    found = _sorted([m for m in movies if _matches(m, query)], query["sort"])
    page, per_page = query["page"], query["per_page"]
    pages = math.ceil(len(found) / per_page)
    start = (page - 1) * per_page
    return {
        "items": found[start : start + per_page],
        "page": page,
        "per_page": per_page,
        "total": len(found),
        "pages": pages,
        "links": {
            "self": _link(page, per_page),
            "next": _link(page + 1, per_page) if page < pages else None,
            "prev": _link(page - 1, per_page) if page > 1 else None,
        },
    }


def _cache_get(cache: Cache, key: str) -> str | None:
    try:
        return cache.get(key)
    except Exception:  # a cache outage must not take the API down
        logger.warning("cache get failed for %s", key, exc_info=True)
        return None


def _cache_set(cache: Cache, key: str, value: str, ttl: float) -> None:
    try:
        cache.set(key, value, ex=ttl)
    except Exception:
        logger.warning("cache set failed for %s", key, exc_info=True)


def _error_response(exc: HTTPException) -> tuple[Response, int]:
    code = exc.code or 500
    return jsonify(status=code, error=exc.name, message=exc.description), code


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app.

    Config keys (all optional): ``MOVIES_PATH`` (the JSON list of movies,
    default ``data/movies.json``), ``CACHE`` (an object with ``get(key)`` and
    ``set(key, value, ex=seconds)``; default a new :class:`InMemoryCache`),
    ``CACHE_TTL`` (seconds, default 3600). Other keys go into ``app.config``.
    """
    app = Flask(__name__)
    app.config.update(
        MOVIES_PATH=DEFAULT_MOVIES_PATH, CACHE=None, CACHE_TTL=DEFAULT_CACHE_TTL
    )
    app.config.update(config or {})
    if app.config["CACHE"] is None:
        app.config["CACHE"] = InMemoryCache()
    path = Path(app.config["MOVIES_PATH"])
    movies: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    by_id = {movie["id"]: movie for movie in movies}
    cache: Cache = app.config["CACHE"]
    ttl = app.config["CACHE_TTL"]

    app.register_error_handler(HTTPException, _error_response)

    @app.get("/movies")
    def list_movies() -> Response:
        query = _query()
        key = "movies:" + json.dumps(query, sort_keys=True)
        body = _cache_get(cache, key)
        if body is None:
            body = json.dumps(_movie_page(movies, query), ensure_ascii=False)
            _cache_set(cache, key, body, ttl)
        return Response(body, mimetype="application/json")

    @app.get("/movies/<int:movie_id>")
    def get_movie(movie_id: int) -> Response:
        movie = by_id.get(movie_id)
        if movie is None:
            abort(404, description=f"movie {movie_id} not found")
        return jsonify(movie)

    return app
