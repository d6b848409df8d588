"""Charts of a cleaned movie table with Matplotlib, and a report that saves them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # no display in the sandbox: draw into memory, save to files

import matplotlib.pyplot as plt  # noqa: E402  (after use("Agg"))
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

FORMATS = ("png", "svg")
REPORT = ("films_per_year", "genre_ratings", "rating_votes")


def films_per_year(movies: pd.DataFrame, min_rating: float = 0.0) -> pd.Series:
    """Films with a rating >= min_rating per year, every year from the table's first
    to its last (0 where none), index named "year", Series named "films"."""
    raise NotImplementedError


def plot_films_per_year(movies: pd.DataFrame, threshold: float = 8.5) -> Figure:
    """A line per series: all films, and those rated threshold or more."""
    raise NotImplementedError


def mean_rating_by_genre(movies: pd.DataFrame) -> pd.Series:
    """Mean rating per genre, highest first, ties by genre name."""
    raise NotImplementedError


def plot_genre_ratings(movies: pd.DataFrame) -> Figure:
    """A bar per genre, in mean_rating_by_genre's order, on a 0-10 scale."""
    raise NotImplementedError


def plot_rating_votes(movies: pd.DataFrame, bins: int = 10) -> Figure:
    """A histogram of ratings above a scatter of votes by rating, sharing the x axis."""
    raise NotImplementedError


def save_report(
    movies: pd.DataFrame, folder: str | Path, formats: Iterable[str] = FORMATS
) -> list[Path]:
    """Save every chart in every format as folder/<chart>.<format>, closing each figure.

    Returns the paths written: chart by chart in REPORT's order, formats as given.
    """
    raise NotImplementedError
