import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from orm_movie_site import (
    ENGINE_KEY,
    add_movie,
    add_review,
    create_app,
    stars,
    top_rated,
)


@pytest.fixture
def app(tmp_path):
    return create_app(f"sqlite:///{tmp_path / 'movies.db'}")


@pytest.fixture
def engine(app):
    return app.extensions[ENGINE_KEY]


@pytest.fixture
def client(app):
    return app.test_client()


def test_duplicate_movie_is_refused(engine):
    add_movie(engine, "Alpha", 2001)
    with pytest.raises(IntegrityError):
        add_movie(engine, "Alpha", 2001)


@pytest.mark.parametrize("rating", [0, 11])
def test_rating_check_constraint(engine, rating):
    movie = add_movie(engine, "Alpha", 2001)
    with pytest.raises(IntegrityError):
        add_review(engine, movie, "ann", rating, "x")


def test_top_rated_ties_by_title(engine):
    for title, ratings in [("B", [8]), ("A", [6, 10]), ("C", [9]), ("D", [])]:
        movie = add_movie(engine, title, 2000)
        for rating in ratings:
            add_review(engine, movie, "x", rating, "y")
    assert [(r["title"], r["average"]) for r in top_rated(engine)] == [
        ("C", 9.0),
        ("A", 8.0),
        ("B", 8.0),
    ]


def test_list_page_uses_two_selects(engine, client):
    for n in range(5):
        add_review(engine, add_movie(engine, f"M{n}", 2000), "x", 5, "y")
    selects = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda *args: selects.append(args[2]) if args[2].startswith("SELECT") else None,
    )
    response = client.get("/")
    assert response.status_code == 200
    assert len(selects) <= 2


def test_detail_escapes_and_uses_layout(engine, client):
    movie = add_movie(engine, "Alpha", 2001)
    add_review(engine, movie, "eve", 9, "<script>x</script>")
    html = client.get(f"/movies/{movie}").get_data(as_text=True)
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert '<header class="site">' in html
    assert client.get("/movies/42").status_code == 404


@pytest.mark.parametrize(
    "value, expected", [(None, "☆☆☆☆☆"), (7.0, "★★★★☆"), (10, "★★★★★")]
)
def test_stars(value, expected):
    assert stars(value) == expected


@pytest.mark.parametrize(
    "fields",
    [
        {"author": ""},
        {"author": "a" * 81},
        {"body": ""},
        {"body": "b" * 2001},
        {"rating": "x"},
        {"rating": "11"},
    ],
)
def test_invalid_review_is_400_and_session_recovers(engine, client, fields):
    movie = add_movie(engine, "Alpha", 2001)
    data = {"author": "ann", "rating": "8", "body": "good"}
    assert (
        client.post(f"/movies/{movie}/reviews", data={**data, **fields}).status_code
        == 400
    )
    response = client.post(f"/movies/{movie}/reviews", data=data)
    assert response.status_code == 303
    assert top_rated(engine)[0]["reviews"] == 1
    assert client.post("/movies/99/reviews", data=data).status_code == 404
