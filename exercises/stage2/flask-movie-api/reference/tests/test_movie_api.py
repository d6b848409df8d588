"""Tests for movie_api.py, using Flask's test client (no real server).

Run them with:  grader test   (or: python -m pytest -q tests)
"""

import json

import pytest

from movie_api import InMemoryCache, create_app


def movie(movie_id, title, year, rating, votes, genres):
    return {
        "id": movie_id,
        "title": title,
        "year": year,
        "rating": rating,
        "votes": votes,
        "genres": genres,
    }


MOVIES = [
    movie(1, "B", 1990, 9.0, 5, ["Drama"]),
    movie(2, "A", 2000, 8.0, 9, ["War"]),
    movie(3, "C", 2010, 9.0, 1, ["drama"]),
]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class SpyCache:
    def __init__(self):
        self.data = {}
        self.sets = []

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value, ex=None):
        self.sets.append((key, ex))
        self.data[key] = value


class DownCache:
    def get(self, key):
        raise ConnectionError("down")

    def set(self, key, value, ex=None):
        raise ConnectionError("down")


@pytest.fixture
def movies_file(tmp_path):
    path = tmp_path / "movies.json"
    path.write_text(json.dumps(MOVIES), encoding="utf-8")
    return str(path)


@pytest.fixture
def client(movies_file):
    return create_app({"MOVIES_PATH": movies_file}).test_client()


def ids(response):
    assert response.is_json
    return [m["id"] for m in response.get_json()["items"]]


def test_shipped_dataset_loads():
    body = create_app().test_client().get("/movies").get_json()
    assert body["total"] == 42
    assert body["pages"] == 5


def test_get_one_movie_and_404(client):
    assert client.get("/movies/2").get_json() == MOVIES[1]
    missing = client.get("/movies/99")
    assert missing.status_code == 404
    assert missing.get_json()["status"] == 404
    assert client.post("/movies").get_json()["status"] == 405


def test_filters(client):
    assert ids(client.get("/movies?genre=DRAMA")) == [1, 3]
    assert ids(client.get("/movies?min_rating=8.5&max_rating=9")) == [1, 3]
    assert ids(client.get("/movies?year_from=1995&year_to=2005")) == [2]


@pytest.mark.parametrize(
    "query",
    [
        "min_rating=x",
        "max_rating=11",
        "min_rating=9&max_rating=8",
        "year_from=abc",
        "year_from=2001&year_to=2000",
        "year_to=-5",
        "genre=%20",
        "page=0",
        "per_page=51",
        "sort=size",
    ],
)
def test_bad_parameters(client, query):
    response = client.get(f"/movies?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400
    assert query.split("=")[0] in body["message"]


def test_sort_and_ties(client):
    assert ids(client.get("/movies?sort=-rating")) == [1, 3, 2]
    assert ids(client.get("/movies?sort=title")) == [2, 1, 3]
    assert ids(client.get("/movies?sort=-votes")) == [2, 1, 3]


def test_pagination_and_links(client):
    body = client.get("/movies?sort=-year&per_page=2").get_json()
    assert [m["id"] for m in body["items"]] == [3, 2]
    assert (body["total"], body["pages"]) == (3, 2)
    assert body["links"]["prev"] is None
    page2 = client.get(body["links"]["next"]).get_json()
    assert [m["id"] for m in page2["items"]] == [1]
    assert page2["links"]["next"] is None
    assert "sort=-year" in page2["links"]["prev"]
    empty = client.get("/movies?page=5").get_json()
    assert empty["items"] == [] and empty["links"]["next"] is None


def test_in_memory_cache_expiry():
    clock = FakeClock()
    cache = InMemoryCache(clock=clock)
    assert cache.get("k") is None
    cache.set("k", "v", ex=10)
    cache.set("forever", "f")
    clock.now = 9.9
    assert cache.get("k") == "v"
    clock.now = 10
    assert cache.get("k") is None
    assert cache.get("forever") == "f"
    with pytest.raises(ValueError):
        cache.set("k", "v", ex=0)


def test_app_caches_list_responses(movies_file):
    cache = SpyCache()
    client = create_app(
        {"MOVIES_PATH": movies_file, "CACHE": cache, "CACHE_TTL": 30}
    ).test_client()
    first = client.get("/movies?genre=war&min_rating=5")
    second = client.get("/movies?min_rating=5.0&genre=War&x=1")
    assert first.get_json() == second.get_json()
    assert len(cache.sets) == 1 and cache.sets[0][1] == 30
    client.get("/movies?page=0")
    assert len(cache.sets) == 1


def test_app_expires_cached_results(movies_file):
    clock = FakeClock()
    cache = InMemoryCache(clock=clock)
    stored = []
    real_set = cache.set

    def spy_set(key, value, ex=None):
        stored.append(key)
        real_set(key, value, ex=ex)

    cache.set = spy_set
    client = create_app({"MOVIES_PATH": movies_file, "CACHE": cache}).test_client()
    client.get("/movies")
    clock.now = 3599
    client.get("/movies")
    assert len(stored) == 1
    clock.now = 3600
    client.get("/movies")
    assert len(stored) == 2


def test_cache_outage_is_survived(movies_file):
    app = create_app({"MOVIES_PATH": movies_file, "CACHE": DownCache()})
    client = app.test_client()
    assert ids(client.get("/movies")) == [1, 2, 3]
