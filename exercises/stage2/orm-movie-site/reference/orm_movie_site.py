"""A small movie site: SQLAlchemy 2.0 ORM models, select() queries and Jinja pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, redirect, render_template, request
from jinja2 import DictLoader
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    UniqueConstraint,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)
from werkzeug.wrappers import Response

ENGINE_KEY = "movie_site.engine"


class Base(DeclarativeBase):
    pass


class Movie(Base):
    __tablename__ = "movies"
    __table_args__ = (UniqueConstraint("title", "year", name="uq_movie_title_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    reviews: Mapped[list[Review]] = relationship(
        back_populates="movie", cascade="all, delete-orphan", order_by="Review.id"
    )


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 10", name="ck_review_rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    movie_id: Mapped[int] = mapped_column(ForeignKey("movies.id"))
    author: Mapped[str] = mapped_column(String(80))
    rating: Mapped[int]
    body: Mapped[str] = mapped_column(String(2000))
    movie: Mapped[Movie] = relationship(back_populates="reviews")


def add_movie(engine: Engine, title: str, year: int) -> int:
    """Store a movie and return its id; a second (title, year) raises IntegrityError."""
    with Session(engine) as session:
        movie = Movie(title=title, year=year)
        session.add(movie)
        session.commit()
        return movie.id


def add_review(
    engine: Engine, movie_id: int, author: str, rating: int, body: str
) -> int:
    """Store a review and return its id; the database refuses a rating outside 1-10."""
    with Session(engine) as session:
        review = Review(movie_id=movie_id, author=author, rating=rating, body=body)
        session.add(review)
        session.commit()
        return review.id


def top_rated(engine: Engine, limit: int = 10) -> list[dict[str, Any]]:
    """Reviewed movies by average rating, best first, ties by title, in one SELECT."""
    average = func.avg(Review.rating).label("average")
    count = func.count(Review.id).label("reviews")
    query = (
        select(Movie.id, Movie.title, Movie.year, average, count)
        .join(Review, Review.movie_id == Movie.id)
        .group_by(Movie.id)
        .order_by(average.desc(), Movie.title, Movie.year)
        .limit(limit)
    )
    with Session(engine) as session:
        return [
            {
                "id": row.id,
                "title": row.title,
                "year": row.year,
                "average": round(float(row.average), 2),
                "reviews": row.reviews,
            }
            for row in session.execute(query)
        ]


def stars(value: float | None) -> str:
    """A 1-10 rating as five stars, halves rounded up: 7.0 -> ★★★★☆."""
    if value is None:
        return "☆" * 5
    full = min(5, max(0, int(value / 2 + 0.5)))
    return "★" * full + "☆" * (5 - full)


def average_rating(movie: Movie) -> float | None:
    if not movie.reviews:
        return None
    return sum(r.rating for r in movie.reviews) / len(movie.reviews)


TEMPLATES = {
    "base.html": """<!doctype html>
<html>
<head><title>{% block title %}Movies{% endblock %} | Movie Site</title></head>
<body>
<header class="site"><a href="/">Movie Site</a></header>
<main>{% block content %}{% endblock %}</main>
</body>
</html>
""",
    "list.html": """{% extends "base.html" %}
{% block title %}All movies{% endblock %}
{% block content %}
<h1>All movies</h1>
<ul id="movies">
{% for movie in movies %}
  <li class="movie" data-id="{{ movie.id }}">
    <a href="/movies/{{ movie.id }}">{{ movie.title }} ({{ movie.year }})</a>
    <span class="stars">{{ averages[movie.id] | stars }}</span>
    <span class="count">{{ movie.reviews | length }}</span>
    <span class="authors">{{ movie.reviews | map(attribute="author")
                              | join(", ") }}</span>
  </li>
{% endfor %}
</ul>
{% endblock %}
""",
    "detail.html": """{% extends "base.html" %}
{% block title %}{{ movie.title }}{% endblock %}
{% block content %}
<h1>{{ movie.title }} ({{ movie.year }})</h1>
<p class="stars">{{ average | stars }}</p>
<ul id="reviews">
{% for review in movie.reviews %}
  <li class="review">
    <span class="author">{{ review.author }}</span>
    <span class="rating">{{ review.rating }}</span>
    <p class="body">{{ review.body }}</p>
  </li>
{% endfor %}
</ul>
{% if errors %}
<ul class="errors">{% for error in errors %}<li>{{ error }}</li>{% endfor %}</ul>
{% endif %}
<form method="post" action="/movies/{{ movie.id }}/reviews">
  <input name="author" value="{{ form.author }}">
  <input name="rating" value="{{ form.rating }}">
  <textarea name="body">{{ form.body }}</textarea>
  <button type="submit">Add review</button>
</form>
{% endblock %}
""",
}


def validate_review(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Clean the posted fields; return them and the errors (empty when valid)."""
    errors = []
    author = form.get("author", "").strip()
    body = form.get("body", "").strip()
    if not author:
        errors.append("author is required")
    elif len(author) > 80:
        errors.append("author must be at most 80 characters")
    if not body:
        errors.append("body is required")
    elif len(body) > 2000:
        errors.append("body must be at most 2000 characters")
    try:
        rating = int(form.get("rating", "").strip())
    except ValueError:
        errors.append("rating must be a whole number from 1 to 10")
        rating = 0
    return {"author": author, "rating": rating, "body": body}, errors


def create_app(database_url: str) -> Flask:
    """The site over the database at database_url, its tables created if missing."""
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    app = Flask(__name__)
    app.jinja_loader = DictLoader(TEMPLATES)
    app.add_template_filter(stars, "stars")
    app.extensions[ENGINE_KEY] = engine

    @app.get("/")
    def movie_list() -> str:
        query = select(Movie).options(selectinload(Movie.reviews)).order_by(Movie.title)
        with Session(engine) as session:
            movies = session.scalars(query).all()
            averages = {m.id: average_rating(m) for m in movies}
            return render_template("list.html", movies=movies, averages=averages)

    def detail(
        session: Session, movie_id: int, form: dict[str, Any], errors: list[str]
    ) -> str:
        query = (
            select(Movie)
            .options(selectinload(Movie.reviews))
            .where(Movie.id == movie_id)
        )
        movie = session.scalars(query).one_or_none()
        if movie is None:
            abort(404)
        return render_template(
            "detail.html",
            movie=movie,
            average=average_rating(movie),
            form=form,
            errors=errors,
        )

    @app.get("/movies/<int:movie_id>")
    def movie_detail(movie_id: int) -> str:
        with Session(engine) as session:
            return detail(session, movie_id, {}, [])

    @app.post("/movies/<int:movie_id>/reviews")
    def post_review(movie_id: int) -> Response | tuple[str, int]:
        fields, errors = validate_review(request.form.to_dict())
        with Session(engine) as session:
            if session.get(Movie, movie_id) is None:
                abort(404)
            if not errors:
                session.add(Review(movie_id=movie_id, **fields))
                try:
                    session.commit()
                    return redirect(f"/movies/{movie_id}", code=303)
                except IntegrityError:
                    session.rollback()
                    errors = ["rating must be a whole number from 1 to 10"]
            form = dict(request.form.to_dict())
            return detail(session, movie_id, form, errors), 400

    return app
