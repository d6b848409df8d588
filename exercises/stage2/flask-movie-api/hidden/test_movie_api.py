import contextlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from movie_api import InMemoryCache, create_app


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


MOVIES = json.loads((Path("data") / "movies.json").read_text(encoding="utf-8"))

SMALL = [
    {"id": 5, "title": "Echo", "year": 2001, "rating": 8.0, "votes": 50,
     "genres": ["Drama"]},
    {"id": 2, "title": "Bravo", "year": 1999, "rating": 9.0, "votes": 300,
     "genres": ["Comedy", "Drama"]},
    {"id": 9, "title": "Alpha", "year": 2001, "rating": 9.0, "votes": 300,
     "genres": ["Sci-Fi"]},
    {"id": 1, "title": "Delta", "year": 1980, "rating": 7.5, "votes": 10,
     "genres": ["drama", "War"]},
    {"id": 7, "title": "Charlie", "year": 2010, "rating": 9.0, "votes": 20,
     "genres": ["Comedy"]},
]  # fmt: skip


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


class CountingCache:
    """A Redis-like test double: a plain dict (no expiry) that logs every call."""

    def __init__(self):
        self.data = {}
        self.gets = []
        self.sets = []

    def get(self, key):
        value = self.data.get(key)
        self.gets.append((key, value is not None))
        return value

    def set(self, key, value, ex=None):
        self.sets.append((key, value, ex))
        self.data[key] = value
        return True


class CountingWrapper:
    """Counts the calls that reach a real cache (the student's InMemoryCache)."""

    def __init__(self, inner):
        self.inner = inner
        self.hits = 0
        self.sets = 0

    def get(self, key):
        value = self.inner.get(key)
        self.hits += value is not None
        return value

    def set(self, key, value, ex=None):
        self.sets += 1
        return self.inner.set(key, value, ex=ex)


class BrokenCache:
    """A cache whose server is down."""

    def get(self, key):
        raise ConnectionError("redis is down")

    def set(self, key, value, ex=None):
        raise ConnectionError("redis is down")


def client_for(config=None):
    return create_app(config).test_client()


@pytest.fixture
def client():
    return client_for({"CACHE": CountingCache()})


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL), encoding="utf-8")
    return client_for({"MOVIES_PATH": str(path), "CACHE": CountingCache()})


def ids(body):
    return [m["id"] for m in body["items"]]


def oracle(predicate=lambda m: True, key=lambda m: m["id"], reverse=False):
    chosen = sorted((m for m in MOVIES if predicate(m)), key=lambda m: m["id"])
    return [m["id"] for m in sorted(chosen, key=key, reverse=reverse)]


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.is_json, url
    return response.get_json()


def all_pages(client, url):
    """Follow links.next from `url`, collecting ids and the links followed."""
    collected, links = [], []
    while url is not None:
        body = get_json(client, url)
        collected.extend(ids(body))
        url = body["links"]["next"]
        if url is not None:
            links.append(url)
        assert len(links) < 100
    return collected, links


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_create_app_builds_independent_flask_apps(tmp_path):
    """create_app returns a new Flask app per call, each with its own config and dataset"""
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL), encoding="utf-8")
    default_app = create_app()
    small_app = create_app({"MOVIES_PATH": str(path), "SOMETHING": "kept"})
    for app in (default_app, small_app):
        assert callable(getattr(app, "test_client", None)), f"for {app!r}"
        assert callable(getattr(app, "route", None)), f"for {app!r}"
    assert default_app is not small_app
    assert small_app.config["SOMETHING"] == "kept"
    assert get_json(default_app.test_client(), "/movies")["total"] == len(MOVIES)
    assert get_json(small_app.test_client(), "/movies")["total"] == len(SMALL)


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_get_movie_by_id_returns_the_movie(client):
    """GET /movies/<id> returns that movie's full JSON object"""
    for movie in (MOVIES[0], MOVIES[22], MOVIES[-1]):
        assert get_json(client, f"/movies/{movie['id']}") == movie, f"for {movie!r}"


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_unknown_movie_is_a_json_404(client):
    """GET /movies/999 answers 404 with JSON status, error and a message"""
    body = get_json(client, "/movies/999", status=404)
    assert body["status"] == 404
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_other_http_errors_are_json_too(client):
    """Unknown routes and non-integer ids give JSON 404s; POST /movies gives a JSON 405"""
    for url in ("/movies/abc", "/no-such-page", "/movies/-3"):
        assert get_json(client, url, status=404)["status"] == 404, f"for {url!r}"
    response = client.post("/movies", json={"title": "new"})
    assert response.status_code == 405
    assert response.is_json
    assert response.get_json()["status"] == 405


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_list_defaults_to_first_ten_by_id(client):
    """GET /movies without parameters gives page 1 of 10 movies in id order, with totals"""
    body = get_json(client, "/movies")
    assert ids(body) == oracle()[:10]
    assert body["items"][0] == MOVIES[0]
    assert (body["page"], body["per_page"]) == (1, 10)
    assert (body["total"], body["pages"]) == (42, 5)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_genre_filter_is_case_insensitive(client):
    """genre matches any of a movie's genres, ignoring case"""
    expected = oracle(lambda m: "Sci-Fi" in m["genres"])
    for value in ("Sci-Fi", "sci-fi", "SCI-FI"):
        body = get_json(client, f"/movies?genre={value}&per_page=50")
        assert ids(body) == expected, f"for {value!r}"
        assert body["total"] == len(expected), f"for {value!r}"


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_rating_range_is_inclusive(client):
    """min_rating and max_rating keep movies with min <= rating <= max"""
    body = get_json(client, "/movies?min_rating=9.4&max_rating=9.5&per_page=50")
    assert ids(body) == oracle(lambda m: 9.4 <= m["rating"] <= 9.5)
    body = get_json(client, "/movies?min_rating=9.6&per_page=50")
    assert ids(body) == [1, 2, 24]
    body = get_json(client, "/movies?max_rating=8&per_page=50")
    assert ids(body) == [41, 42]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_year_range_is_inclusive(client):
    """year_from and year_to keep movies released in that range, both ends included"""
    body = get_json(client, "/movies?year_from=1994&year_to=1998&per_page=50")
    assert ids(body) == oracle(lambda m: 1994 <= m["year"] <= 1998)
    body = get_json(client, "/movies?year_to=1961&per_page=50")
    assert ids(body) == [24, 36, 38]


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_filters_combine(client):
    """All filters apply together and total counts the matches before paging"""
    body = get_json(
        client,
        "/movies?genre=drama&min_rating=9.3&year_from=1990&year_to=2009&per_page=4",
    )
    expected = oracle(
        lambda m: "Drama" in m["genres"]
        and m["rating"] >= 9.3
        and 1990 <= m["year"] <= 2009
    )
    assert body["total"] == len(expected)
    assert body["pages"] == -(-len(expected) // 4)
    assert ids(body) == expected[:4]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_no_match_is_an_empty_page(client):
    """A filter that matches nothing gives 200, no items, total 0, pages 0, no next/prev"""
    body = get_json(client, "/movies?genre=western")
    assert body["items"] == []
    assert (body["total"], body["pages"]) == (0, 0)
    assert body["links"]["next"] is None and body["links"]["prev"] is None


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_unknown_parameters_are_ignored(client):
    """Unknown query parameters (utm_source, q) change nothing"""
    assert ids(get_json(client, "/movies?utm_source=x&q=y")) == oracle()[:10]


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "query, names",
    [
        ("min_rating=abc", ["min_rating"]),
        ("min_rating=10.5", ["min_rating"]),
        ("max_rating=-1", ["max_rating"]),
        ("min_rating=nan", ["min_rating"]),
        ("max_rating=", ["max_rating"]),
        ("year_from=19x4", ["year_from"]),
        ("year_to=1994.5", ["year_to"]),
        ("min_rating=9&max_rating=8", ["min_rating", "max_rating"]),
        ("year_from=2000&year_to=1990", ["year_from", "year_to"]),
        ("genre=%20%20", ["genre"]),
        ("page=0", ["page"]),
        ("page=-2", ["page"]),
        ("page=two", ["page"]),
        ("per_page=0", ["per_page"]),
        ("per_page=51", ["per_page"]),
        ("sort=budget", ["sort"]),
        ("sort=--rating", ["sort"]),
    ],
    ids=[
        "rating-not-number",
        "rating-above-10",
        "rating-negative",
        "rating-nan",
        "rating-empty",
        "year-not-int",
        "year-float",
        "min-above-max",
        "from-after-to",
        "blank-genre",
        "page-zero",
        "page-negative",
        "page-word",
        "per-page-zero",
        "per-page-too-big",
        "unknown-sort",
        "double-minus-sort",
    ],
)
@pytest.mark.core
def test_bad_parameters_give_json_400(client, query, names):
    """A bad query parameter answers 400 JSON whose message names the parameter"""
    body = get_json(client, f"/movies?{query}", status=400)
    assert body["status"] == 400
    assert isinstance(body["error"], str) and body["error"]
    assert any(name in body["message"] for name in names), body["message"]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "sort, key, reverse",
    [
        ("rating", "rating", False),
        ("-rating", "rating", True),
        ("year", "year", False),
        ("-votes", "votes", True),
        ("title", "title", False),
        ("-id", "id", True),
    ],
    ids=["rating", "rating-desc", "year", "votes-desc", "title", "id-desc"],
)
def test_sorting_full_dataset(client, sort, key, reverse):
    """sort=field / sort=-field orders the movies, ties broken by ascending id"""
    body = get_json(client, f"/movies?sort={sort}&per_page=50")
    assert ids(body) == oracle(key=lambda m: m[key], reverse=reverse)


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_descending_sort_keeps_ties_in_ascending_id_order(small):
    """With sort=-rating, movies with equal ratings stay in ascending id order"""
    assert ids(get_json(small, "/movies?sort=-rating")) == [2, 7, 9, 5, 1]
    assert ids(get_json(small, "/movies?sort=-year")) == [7, 5, 9, 2, 1]
    assert ids(get_json(small, "/movies?sort=votes")) == [1, 7, 5, 2, 9]
    assert ids(get_json(small, "/movies?sort=title")) == [9, 2, 7, 1, 5]


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_pagination_slices_the_sorted_results(client):
    """page and per_page pick the right slice and report page, per_page, total, pages"""
    expected = oracle(key=lambda m: m["rating"], reverse=True)
    body = get_json(client, "/movies?sort=-rating&page=3&per_page=7")
    assert ids(body) == expected[14:21]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (
        3,
        7,
        42,
        6,
    )
    last = get_json(client, "/movies?sort=-rating&page=5&per_page=10")
    assert ids(last) == expected[40:]
    assert last["links"]["next"] is None


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_per_page_bounds_are_inclusive(client):
    """per_page=1 and per_page=50 are both allowed"""
    one = get_json(client, "/movies?per_page=1&page=42")
    assert ids(one) == [42] and one["pages"] == 42
    fifty = get_json(client, "/movies?per_page=50")
    assert len(fifty["items"]) == 42 and fifty["pages"] == 1


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_page_past_the_end_is_empty(client):
    """A page after the last one answers 200 with no items and no next link"""
    body = get_json(client, "/movies?page=9")
    assert body["items"] == []
    assert body["total"] == 42
    assert body["links"]["next"] is None


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_following_next_links_walks_every_page(client):
    """links.next keeps filters and sort: following it yields every match exactly once"""
    url = "/movies?genre=drama&sort=-votes&per_page=4&min_rating=9"
    collected, links = all_pages(client, url)
    expected = oracle(
        lambda m: "Drama" in m["genres"] and m["rating"] >= 9,
        key=lambda m: m["votes"],
        reverse=True,
    )
    assert collected == expected
    assert len(links) == -(-len(expected) // 4) - 1
    for number, link in enumerate(links, start=2):
        parts = urlsplit(link)
        assert parts.path == "/movies", f"for {(number, link)!r}"
        query = parse_qs(parts.query)
        assert query["page"] == [str(number)], f"for {(number, link)!r}"
        assert query["per_page"] == ["4"], f"for {(number, link)!r}"
        assert query["genre"][0].lower() == "drama", f"for {(number, link)!r}"
        assert query["sort"] == ["-votes"], f"for {(number, link)!r}"


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_prev_and_self_links(client):
    """links.prev points at the previous page (None on page 1); links.self repeats the page"""
    first = get_json(client, "/movies?year_from=1990&per_page=5")
    assert first["links"]["prev"] is None
    second = get_json(client, "/movies?year_from=1990&per_page=5&page=2")
    prev = get_json(client, second["links"]["prev"])
    assert ids(prev) == ids(first)
    assert parse_qs(urlsplit(second["links"]["prev"]).query)["page"] == ["1"]
    again = get_json(client, second["links"]["self"])
    assert ids(again) == ids(second)
    assert parse_qs(urlsplit(second["links"]["self"]).query)["year_from"] == ["1990"]


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_cache_get_and_set():
    """InMemoryCache.get returns None for a missing key and the stored value after set"""
    cache = InMemoryCache(clock=FakeClock())
    assert cache.get("k") is None
    cache.set("k", "v1", ex=60)
    cache.set("other", "v2")
    assert cache.get("k") == "v1"
    assert cache.get("other") == "v2"


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_cache_entry_expires_exactly_after_ex_seconds():
    """An entry set with ex=10 is alive until 9.999 s later and gone at 10 s"""
    clock = FakeClock(100.0)
    cache = InMemoryCache(clock=clock)
    cache.set("k", "v", ex=10)
    clock.now = 109.999
    assert cache.get("k") == "v"
    clock.now = 110.0
    assert cache.get("k") is None
    clock.now = 105.0
    assert cache.get("k") is None


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_cache_without_ex_never_expires():
    """An entry set without ex never expires"""
    clock = FakeClock(0.0)
    cache = InMemoryCache(clock=clock)
    cache.set("k", "forever")
    clock.now = 10.0**9
    assert cache.get("k") == "forever"


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_cache_set_overwrites_and_restarts_the_ttl():
    """Setting an existing key replaces its value and starts a new TTL"""
    clock = FakeClock(0.0)
    cache = InMemoryCache(clock=clock)
    cache.set("k", "old", ex=10)
    clock.now = 8.0
    cache.set("k", "new", ex=10)
    clock.now = 15.0
    assert cache.get("k") == "new"
    clock.now = 18.0
    assert cache.get("k") is None
    cache.set("k", "again", ex=5)
    assert cache.get("k") == "again"


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_cache_keys_expire_independently():
    """Each key has its own expiry time"""
    clock = FakeClock(0.0)
    cache = InMemoryCache(clock=clock)
    cache.set("short", "s", ex=5)
    clock.now = 3.0
    cache.set("long", "l", ex=5)
    clock.now = 6.0
    assert cache.get("short") is None
    assert cache.get("long") == "l"


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_cache_rejects_non_positive_ex():
    """ex=0 or a negative ex raises ValueError"""
    cache = InMemoryCache(clock=FakeClock())
    for ex in (0, -5):
        with raises_for(ex, ValueError):
            cache.set("k", "v", ex=ex)
    assert cache.get("k") is None


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_cache_default_clock_works():
    """InMemoryCache() without arguments works with the real clock"""
    cache = InMemoryCache()
    cache.set("k", "v", ex=60)
    assert cache.get("k") == "v"


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_repeated_query_is_served_from_the_cache():
    """The second identical request is a cache hit: one set with ex=CACHE_TTL, same body"""
    cache = CountingCache()
    client = client_for({"CACHE": cache, "CACHE_TTL": 120})
    url = "/movies?genre=comedy&sort=-rating&per_page=3"
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert len(cache.sets) == 1
    key, value, ex = cache.sets[0]
    assert isinstance(key, str)
    assert isinstance(value, str)
    assert json.loads(value) == first.get_json()
    assert ex == 120
    assert cache.gets[-1] == (key, True)


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_a_cache_hit_returns_the_stored_value():
    """On a hit the app answers with the cached JSON instead of recomputing it"""
    cache = CountingCache()
    client = client_for({"CACHE": cache})
    client.get("/movies?genre=war")
    key = cache.sets[0][0]
    cache.data[key] = json.dumps({"items": [], "total": -1, "marker": "from-cache"})
    response = client.get("/movies?genre=war")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json()["marker"] == "from-cache"
    assert len(cache.sets) == 1


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_equivalent_queries_share_one_cache_entry():
    """Parameter order, unknown parameters and spelled-out defaults share one entry"""
    cache = CountingCache()
    client = client_for({"CACHE": cache})
    variants = [
        "/movies?genre=drama&min_rating=9",
        "/movies?min_rating=9&genre=drama",
        "/movies?genre=drama&min_rating=9&utm_source=newsletter",
        "/movies?genre=drama&min_rating=9&page=1&per_page=10&sort=id",
    ]
    bodies = [get_json(client, url) for url in variants]
    assert len(cache.sets) == 1
    assert all(ids(body) == ids(bodies[0]) for body in bodies)
    for url in (
        "/movies?genre=drama&min_rating=9&page=2",
        "/movies?genre=drama&min_rating=9.2",
        "/movies?genre=comedy&min_rating=9",
        "/movies?genre=drama&min_rating=9&sort=-id",
    ):
        get_json(client, url)
    assert len(cache.sets) == 5
    assert len({key for key, _, _ in cache.sets}) == 5


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_cached_results_expire_after_the_ttl():
    """With InMemoryCache and a fake clock, a result is reused until CACHE_TTL seconds pass"""
    clock = FakeClock(0.0)
    cache = CountingWrapper(InMemoryCache(clock=clock))
    client = client_for({"CACHE": cache, "CACHE_TTL": 60})
    url = "/movies?year_from=2000"
    expected = get_json(client, url)
    assert (cache.sets, cache.hits) == (1, 0)
    clock.now = 59.5
    assert get_json(client, url) == expected
    assert (cache.sets, cache.hits) == (1, 1)
    clock.now = 60.0
    assert get_json(client, url) == expected
    assert cache.sets == 2


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_errors_are_not_cached():
    """400 and 404 responses are never stored in the cache"""
    app = create_app({"CACHE": CountingCache()})
    client = app.test_client()
    get_json(client, "/movies?page=0", status=400)
    get_json(client, "/movies?sort=nope", status=400)
    get_json(client, "/movies/999", status=404)
    assert app.config["CACHE"].sets == []


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.core
def test_a_broken_cache_does_not_break_the_api():
    """When the cache raises (Redis down), requests still succeed with correct data"""
    client = client_for({"CACHE": BrokenCache()})
    for _ in range(2):
        body = get_json(client, "/movies?genre=animation&per_page=50")
        assert ids(body) == oracle(lambda m: "Animation" in m["genres"])


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_default_cache_is_used_without_config():
    """Without a CACHE in the config the app still caches and answers consistently"""
    client = client_for()
    first = get_json(client, "/movies?sort=-year&per_page=5")
    second = get_json(client, "/movies?sort=-year&per_page=5")
    assert first == second
    assert ids(first) == oracle(key=lambda m: m["year"], reverse=True)[:5]
