"""Charts of a cleaned movie table with Matplotlib, and a report that saves them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # no display in the sandbox: draw into memory, save to files

import matplotlib.pyplot as plt  # noqa: E402  (must come after use("Agg"))
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

FORMATS = ("png", "svg")
REPORT = ("films_per_year", "genre_ratings", "rating_votes")


def _check(movies: pd.DataFrame, columns: Iterable[str]) -> None:
    """ValueError unless `movies` is a non-empty DataFrame with `columns`."""
    if not isinstance(movies, pd.DataFrame):
        raise ValueError(f"movies must be a DataFrame, not {type(movies).__name__}")
    missing = [c for c in columns if c not in movies.columns]
    if missing:
        raise ValueError(f"movies has no column {', '.join(missing)}")
    if movies.empty:
        raise ValueError("movies is empty: there is nothing to draw")


def films_per_year(movies: pd.DataFrame, min_rating: float = 0.0) -> pd.Series:
    """Films with a rating >= min_rating per year, every year from the table's first
    to its last (0 where none), index named "year", Series named "films"."""
    _check(movies, ["year", "rating"])
    years = pd.RangeIndex(movies["year"].min(), movies["year"].max() + 1, name="year")
    chosen = movies[movies["rating"] >= min_rating]
    counts = chosen.groupby("year").size().reindex(years, fill_value=0)
    return counts.astype(int).rename("films")


def plot_films_per_year(movies: pd.DataFrame, threshold: float = 8.5) -> Figure:
    """A line per series: all films, and those rated threshold or more."""
    every = films_per_year(movies)
    high = films_per_year(movies, min_rating=threshold)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(every.index, every.to_numpy(), marker="o", label="All films")
    ax.plot(high.index, high.to_numpy(), marker="s", label=f"Rated {threshold}+")
    ax.set_xlabel("Year")
    ax.set_ylabel("Films")
    ax.set_title("Films per year")
    ax.set_xlim(every.index[0], every.index[-1])
    ax.set_ylim(bottom=0)
    ax.legend()
    return fig


def mean_rating_by_genre(movies: pd.DataFrame) -> pd.Series:
    """Mean rating per genre, highest first, ties by genre name."""
    _check(movies, ["genre", "rating"])
    means = movies.groupby("genre")["rating"].mean().rename("rating")
    frame = means.reset_index().sort_values(
        ["rating", "genre"], ascending=[False, True], kind="mergesort"
    )
    return frame.set_index("genre")["rating"]


def plot_genre_ratings(movies: pd.DataFrame) -> Figure:
    """A bar per genre, in mean_rating_by_genre's order, on a 0-10 scale."""
    means = mean_rating_by_genre(movies)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(list(means.index), means.to_numpy())
    ax.set_xlabel("Genre")
    ax.set_ylabel("Mean rating")
    ax.set_title("Mean rating by genre")
    ax.set_ylim(0, 10)
    return fig


def plot_rating_votes(movies: pd.DataFrame, bins: int = 10) -> Figure:
    """A histogram of ratings above a scatter of votes by rating, sharing the x axis."""
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a whole number >= 1, not {bins!r}")
    _check(movies, ["rating", "votes"])
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6, 6))
    top.hist(movies["rating"].to_numpy(), bins=bins)
    top.set_ylabel("Films")
    top.set_title("Ratings")
    bottom.scatter(movies["rating"].to_numpy(), movies["votes"].to_numpy())
    bottom.set_yscale("log")
    bottom.set_xlabel("Rating")
    bottom.set_ylabel("Votes")
    bottom.set_title("Votes by rating")
    fig.suptitle("Ratings and votes")
    return fig


def save_report(
    movies: pd.DataFrame, folder: str | Path, formats: Iterable[str] = FORMATS
) -> list[Path]:
    """Save every chart in every format as folder/<chart>.<format>, closing each figure.

    Returns the paths written: chart by chart in REPORT's order, formats as given.
    """
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be some of {FORMATS}, not {formats!r}")
    _check(movies, ["year", "genre", "rating", "votes"])
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    drawers = (plot_films_per_year, plot_genre_ratings, plot_rating_votes)
    written = []
    for name, draw in zip(REPORT, drawers):
        fig = draw(movies)
        try:
            for fmt in formats:
                path = out / f"{name}.{fmt}"
                fig.savefig(path, format=fmt)
                written.append(path)
        finally:
            plt.close(fig)
    return written
