"""A small movie site: SQLAlchemy 2.0 ORM models, select() queries and Jinja pages."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

ENGINE_KEY = "movie_site.engine"


class Base(DeclarativeBase):
    pass


# Task 1: declare Movie (table "movies") and Review (table "reviews") here, with
# the one-to-many relationship, UniqueConstraint("title", "year") on movies and
# CheckConstraint("rating BETWEEN 1 AND 10") on reviews.


def add_movie(engine: Engine, title: str, year: int) -> int:
    """Store a movie and return its id; a second (title, year) raises IntegrityError."""
    raise NotImplementedError


def add_review(
    engine: Engine, movie_id: int, author: str, rating: int, body: str
) -> int:
    """Store a review and return its id; the database refuses a rating outside 1-10."""
    raise NotImplementedError


def top_rated(engine: Engine, limit: int = 10) -> list[dict[str, Any]]:
    """Reviewed movies by average rating, best first, ties by title, in one SELECT.

    Each row: {"id", "title", "year", "average" (rounded to 2 places), "reviews"}.
    """
    raise NotImplementedError


def stars(value: float | None) -> str:
    """A 1-10 rating as five stars, halves rounded up: 7.0 -> ★★★★☆, None -> ☆☆☆☆☆."""
    raise NotImplementedError


# Task 3: the templates, loaded with app.jinja_loader = DictLoader(TEMPLATES).
# Keep the ".html" names: Flask autoescapes only those.
TEMPLATES = {
    "base.html": """<!doctype html>
<html>
<head><title>{% block title %}Movies{% endblock %} | Movie Site</title></head>
<body>
<main>{% block content %}{% endblock %}</main>
</body>
</html>
""",
    "list.html": "",
    "detail.html": "",
}


def create_app(database_url: str) -> Flask:
    """The site over the database at database_url, its tables created if missing.

    Keep the engine at app.extensions[ENGINE_KEY]. Routes: GET /, GET /movies/<id>,
    POST /movies/<id>/reviews.
    """
    raise NotImplementedError
