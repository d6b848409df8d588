import pytest

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


def test_stars_of_seven():
    assert stars(7.0) == "★★★★☆"


def test_top_rated_averages(engine):
    movie = add_movie(engine, "Alpha", 2001)
    add_review(engine, movie, "ann", 9, "great")
    add_review(engine, movie, "bob", 6, "fine")
    assert top_rated(engine)[0]["average"] == 7.5


def test_list_page_names_the_movie(app, engine):
    add_movie(engine, "Alpha", 2001)
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "Alpha (2001)" in response.get_data(as_text=True)
