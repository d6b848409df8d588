"""Hidden tests for the ORM movie site: models, queries, pages and the review form."""

import pytest
from bs4 import BeautifulSoup
from orm_movie_site import (
    ENGINE_KEY,
    add_movie,
    add_review,
    create_app,
    stars,
    top_rated,
)

from grader.testing import student_module


@pytest.fixture
def app(tmp_path):
    return create_app(f"sqlite:///{tmp_path / 'movies.db'}")


@pytest.fixture
def engine(app):
    return app.extensions[ENGINE_KEY]


@pytest.fixture
def client(app):
    return app.test_client()


def soup_of(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def raised_name(call):
    try:
        call()
    except Exception as error:  # stand-ins of the student's exceptions keep their name
        return type(error).__name__
    return None


class SelectCounter:
    """Counts the SELECTs the engine runs, through a listener in the app's process."""

    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append(statement)

    def attach(self, engine):
        student_module("sqlalchemy.event").listen(engine, "before_cursor_execute", self)
        return self


# Task 1: models and constraints


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_add_movie_returns_distinct_ids(engine):
    """add_movie stores movies and returns a new id for each"""
    first = add_movie(engine, "Alpha", 2001)
    second = add_movie(engine, "Alpha", 2002)
    assert isinstance(first, int) and isinstance(second, int)
    assert first != second


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_same_title_and_year_is_refused(engine):
    """a second movie with the same title and year raises IntegrityError"""
    add_movie(engine, "Alpha", 2001)
    assert raised_name(lambda: add_movie(engine, "Alpha", 2001)) == "IntegrityError"


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("rating", [0, 11, -3], ids=["zero", "eleven", "negative"])
def test_rating_outside_range_is_refused_by_the_database(engine, rating):
    """the database's CHECK constraint refuses a rating outside 1-10"""
    movie = add_movie(engine, "Alpha", 2001)
    name = raised_name(lambda: add_review(engine, movie, "ann", rating, "meh"))
    assert name == "IntegrityError", f"rating {rating}: raised {name}"


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("rating", [1, 10], ids=["one", "ten"])
def test_rating_bounds_are_accepted(engine, rating):
    """ratings 1 and 10 are both accepted"""
    movie = add_movie(engine, "Alpha", 2001)
    assert isinstance(add_review(engine, movie, "ann", rating, "ok"), int)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_review_needs_an_existing_movie_column_layout(engine):
    """the tables movies and reviews exist, reviews with a movie_id foreign key"""
    inspector = student_module("sqlalchemy").inspect(engine)
    assert {"movies", "reviews"} <= set(inspector.get_table_names())
    keys = inspector.get_foreign_keys("reviews")
    assert [(k["referred_table"], list(k["constrained_columns"])) for k in keys] == [
        ("movies", ["movie_id"])
    ]


# Task 2: queries with select()


def seed_ranking(engine):
    ids = {}
    for title, year in [("Echo", 2001), ("Bravo", 1999), ("Alpha", 2005),
                        ("Delta", 1980), ("Unseen", 2020)]:  # fmt: skip
        ids[title] = add_movie(engine, title, year)
    for title, ratings in [("Echo", [9, 7]), ("Bravo", [8, 8, 8]), ("Alpha", [10, 6]),
                           ("Delta", [9])]:  # fmt: skip
        for n, rating in enumerate(ratings):
            add_review(engine, ids[title], f"critic{n}", rating, "fine")
    return ids


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_top_rated_orders_by_average_then_title(engine):
    """top_rated sorts by average rating, best first, ties by title"""
    seed_ranking(engine)
    rows = top_rated(engine)
    assert [(r["title"], r["average"], r["reviews"]) for r in rows] == [
        ("Delta", 9.0, 1),
        ("Alpha", 8.0, 2),
        ("Bravo", 8.0, 3),
        ("Echo", 8.0, 2),
    ]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_top_rated_leaves_out_unreviewed_and_honours_limit(engine):
    """top_rated leaves out movies without reviews and returns at most limit rows"""
    seed_ranking(engine)
    assert "Unseen" not in [r["title"] for r in top_rated(engine)]
    assert [r["title"] for r in top_rated(engine, limit=2)] == ["Delta", "Alpha"]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_top_rated_rounds_average_and_gives_year(engine):
    """top_rated gives each movie's year and its average rounded to 2 places"""
    movie = add_movie(engine, "Thirds", 1990)
    for rating in (7, 7, 8):
        add_review(engine, movie, "x", rating, "ok")
    (row,) = top_rated(engine)
    assert (row["year"], row["average"], row["reviews"]) == (1990, 7.33, 3)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_top_rated_is_one_select(engine):
    """top_rated computes the aggregate in the database: a single SELECT"""
    seed_ranking(engine)
    counter = SelectCounter().attach(engine)
    top_rated(engine)
    assert len(counter.statements) == 1, counter.statements


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_list_page_avoids_n_plus_one(engine, client):
    """listing 20 movies with their reviews takes at most 2 SELECTs"""
    for n in range(20):
        movie = add_movie(engine, f"Movie {n:02d}", 2000 + n)
        add_review(engine, movie, f"author{n}", 1 + n % 10, "ok")
    counter = SelectCounter().attach(engine)
    response = client.get("/")
    assert response.status_code == 200
    assert len(soup_of(response).select("li.movie")) == 20
    assert len(counter.statements) <= 2, f"{len(counter.statements)} SELECTs"


# Task 3: templates


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_list_page_shows_movies_sorted_with_links(engine, client):
    """the list page shows every movie by title, linking to its detail page"""
    beta = add_movie(engine, "Beta", 1999)
    alpha = add_movie(engine, "Alpha", 2001)
    items = soup_of(client.get("/")).select("ul#movies li.movie")
    links = [li.find("a") for li in items]
    assert [a.get_text(strip=True) for a in links] == ["Alpha (2001)", "Beta (1999)"]
    assert [a["href"] for a in links] == [f"/movies/{alpha}", f"/movies/{beta}"]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_list_page_counts_reviews_and_names_authors(engine, client):
    """each list item gives the number of reviews and their authors"""
    movie = add_movie(engine, "Alpha", 2001)
    add_review(engine, movie, "ann", 8, "good")
    add_review(engine, movie, "bob", 6, "fine")
    (item,) = soup_of(client.get("/")).select("li.movie")
    assert item.select_one(".count").get_text(strip=True) == "2"
    assert item.select_one(".authors").get_text(strip=True) == "ann, bob"


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_detail_page_escapes_review_text(engine, client):
    """a review holding <script> is shown as text, never as markup"""
    movie = add_movie(engine, "Alpha & <Omega>", 2001)
    add_review(engine, movie, "<b>eve</b>", 9, "<script>alert(1)</script>")
    response = client.get(f"/movies/{movie}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in html and "<b>eve" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    soup = soup_of(response)
    assert soup.select_one("li.review .body").get_text() == "<script>alert(1)</script>"
    assert soup.h1.get_text(strip=True) == "Alpha & <Omega> (2001)"


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_detail_page_lists_reviews_in_order(engine, client):
    """the detail page lists author and rating of each review, oldest first"""
    movie = add_movie(engine, "Alpha", 2001)
    for author, rating in [("ann", 8), ("bob", 3), ("cy", 10)]:
        add_review(engine, movie, author, rating, "text")
    reviews = soup_of(client.get(f"/movies/{movie}")).select("li.review")
    assert [
        (r.select_one(".author").get_text(strip=True),
         r.select_one(".rating").get_text(strip=True)) for r in reviews
    ] == [("ann", "8"), ("bob", "3"), ("cy", "10")]  # fmt: skip


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.core
def test_pages_inherit_the_base_layout(engine, client):
    """both pages carry the base layout's header and a title naming the page"""
    movie = add_movie(engine, "Alpha", 2001)
    for url, title in [("/", "All movies | Movie Site"),
                       (f"/movies/{movie}", "Alpha | Movie Site")]:  # fmt: skip
        soup = soup_of(client.get(url))
        assert soup.select_one("header.site") is not None, url
        assert soup.title.get_text(strip=True) == title, url


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_unknown_movie_is_404(client):
    """the detail page of an unknown movie answers 404"""
    assert client.get("/movies/999").status_code == 404


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize(
    "value, expected",
    [(None, "☆☆☆☆☆"), (10, "★★★★★"), (7.0, "★★★★☆"), (5.0, "★★★☆☆"),
     (4.9, "★★☆☆☆"), (1, "★☆☆☆☆"), (0.5, "☆☆☆☆☆"), (8.5, "★★★★☆")],
    ids=["none", "ten", "seven", "five", "four-nine", "one", "half", "eight-half"],
)  # fmt: skip
def test_stars_filter(value, expected):
    """stars turns a 1-10 rating into five stars, halves rounded up"""
    assert stars(value) == expected


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_pages_use_the_stars_filter(engine, client):
    """list and detail pages show each movie's average as stars"""
    movie = add_movie(engine, "Alpha", 2001)
    add_review(engine, movie, "ann", 9, "x")
    add_review(engine, movie, "bob", 6, "y")
    assert (
        soup_of(client.get("/")).select_one("li.movie .stars").get_text(strip=True)
        == "★★★★☆"
    )
    assert (
        soup_of(client.get(f"/movies/{movie}"))
        .select_one(".stars")
        .get_text(strip=True)
        == "★★★★☆"
    )


# Task 4: the review form


def post(client, movie, **fields):
    data = {"author": "ann", "rating": "8", "body": "Loved it"}
    data.update(fields)
    return client.post(f"/movies/{movie}/reviews", data=data)


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_valid_review_redirects_and_is_listed(engine, client):
    """a valid review is stored and answered with 303 to the detail page"""
    movie = add_movie(engine, "Alpha", 2001)
    response = post(client, movie, author="  zoe ", rating="9")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/movies/{movie}")
    (review,) = soup_of(client.get(f"/movies/{movie}")).select("li.review")
    assert review.select_one(".author").get_text(strip=True) == "zoe"
    assert top_rated(engine)[0]["average"] == 9.0


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize(
    "fields, word",
    [({"author": "  "}, "author"), ({"body": ""}, "body"),
     ({"rating": "ten"}, "rating"), ({"rating": ""}, "rating"),
     ({"author": "a" * 81}, "author"), ({"body": "b" * 2001}, "body"),
     ({"rating": "11"}, "rating"), ({"rating": "0"}, "rating")],
    ids=["blank-author", "empty-body", "word-rating", "no-rating", "long-author",
         "long-body", "rating-11", "rating-0"],
)  # fmt: skip
def test_invalid_review_rerenders_form_with_400(engine, client, fields, word):
    """an invalid review answers 400 with the form, an error naming the field, no row"""
    movie = add_movie(engine, "Alpha", 2001)
    add_review(engine, movie, "old", 7, "kept")
    response = post(client, movie, **fields)
    assert response.status_code == 400
    soup = soup_of(response)
    errors = " ".join(li.get_text() for li in soup.select(".errors li"))
    assert word in errors.lower(), errors
    assert soup.select_one("form[method=post]") is not None
    assert [li.select_one(".author").get_text(strip=True)
            for li in soup.select("li.review")] == ["old"]  # fmt: skip
    assert top_rated(engine)[0]["reviews"] == 1


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_invalid_form_keeps_what_was_typed(engine, client):
    """the re-rendered form keeps the submitted values, escaped"""
    movie = add_movie(engine, "Alpha", 2001)
    response = post(client, movie, author='<i>"x"</i>', rating="99", body="So <good>")
    soup = soup_of(response)
    assert soup.select_one("input[name=author]")["value"] == '<i>"x"</i>'
    assert soup.select_one("input[name=rating]")["value"] == "99"
    assert soup.select_one("textarea[name=body]").get_text() == "So <good>"
    assert "<i>" not in response.get_data(as_text=True)


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_session_usable_after_refused_review(engine, client):
    """after a refused review the next valid one is stored: the session rolled back"""
    movie = add_movie(engine, "Alpha", 2001)
    assert post(client, movie, rating="42").status_code == 400
    assert post(client, movie, rating="4").status_code == 303
    assert [(r["reviews"], r["average"]) for r in top_rated(engine)] == [(1, 4.0)]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_review_for_unknown_movie_is_404(client):
    """posting a review to an unknown movie answers 404 and stores nothing"""
    assert post(client, 999).status_code == 404
