"""Clean and analyse a Douban-Top-250-like movie list with pandas.

``data/movies.csv`` is what a quick scraper produced: years such as
``"1961(中国大陆) / 1964"``, ratings such as ``"8.9分"`` or ``"暂无评分"``, vote
counts such as ``"1,234,567人评价"``, runtimes such as ``"142分钟"``, several
countries per movie (``"中国大陆 / 香港"``) and a few duplicated rows.

The parsers turn one raw cell into a Python value; :func:`load_movies` builds
the clean, typed table; the other functions answer questions about it.

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (re, math, ...)
and private helpers as you need them.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

import pandas as pd

COLUMNS = [
    "id",
    "title",
    "year",
    "decade",
    "country",
    "genre",
    "rating",
    "votes",
    "runtime",
]
COUNTRY_ALIASES = {"USA": "美国", "UK": "英国", "中国香港": "香港", "中国台湾": "台湾"}
MIN_YEAR, MAX_YEAR = 1900, 2025
PIVOT_VALUES = ("count", "mean_rating")


def parse_year(value: Any) -> int | None:
    """The year of a raw ``year`` cell, or None.

    The year is the first run of 4 digits in the text, if it lies in
    ``MIN_YEAR..MAX_YEAR`` (1900..2025): ``"1994年"`` -> 1994,
    ``"1961(中国大陆) / 1964"`` -> 1961, ``"2094"`` -> None, ``"未知"`` -> None.
    Missing cells (None, NaN, blank text) give None; non-str values are
    converted with ``str()`` first.
    """
    raise NotImplementedError


def parse_rating(value: Any) -> float | None:
    """The rating of a raw ``rating`` cell as a float, or None.

    Surrounding spaces and one trailing ``"分"`` are removed, then the text is
    read with ``float()``. Text that is not a number (``"暂无评分"``,
    ``"N/A"``) and numbers outside ``0..10`` (``"97"``, ``"-1"``, NaN) give
    None, and so do missing cells.
    """
    raise NotImplementedError


def parse_votes(value: Any) -> int | None:
    """The vote count of a raw ``votes`` cell as an int, or None.

    Spaces, thousands separators (``","``) and one trailing ``"人评价"`` are
    removed; what is left must be ASCII digits only (``"1,234,567人评价"`` ->
    1234567). Anything else (``"不详"``, ``"12.5"``, ``"-5"``) gives None, and
    so do missing cells.
    """
    raise NotImplementedError


def parse_runtime(value: Any) -> int | None:
    """The runtime in minutes of a raw ``runtime`` cell, or None.

    The runtime is the first run of digits in the text: ``"142分钟"``,
    ``"142 分钟"`` and ``"142分钟(导演剪辑版)"`` all give 142; ``"未知"`` and
    missing cells give None.
    """
    raise NotImplementedError


def split_countries(value: Any) -> list[str]:
    """The list of countries of a raw ``country`` cell.

    Split on ``"/"``, strip every part, drop empty parts, map each name
    through ``COUNTRY_ALIASES`` (``"USA"`` -> ``"美国"``, ``"中国香港"`` ->
    ``"香港"``) and keep only the first occurrence of a name, in order:
    ``"美国 / USA / 英国"`` -> ``["美国", "英国"]``. Missing cells give ``[]``.
    """
    raise NotImplementedError


def load_movies(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the raw CSV and return one clean row per movie.

    Columns (in this order) and dtypes: ``id`` int64, ``title`` str,
    ``year`` Int64, ``decade`` Int64, ``country`` str (countries joined by
    ``"/"``, missing when there is none), ``genre`` str (the first genre),
    ``rating`` float64, ``votes`` Int64, ``runtime`` Int64. Rows repeating an
    earlier ``id`` are dropped (the first one wins); the index is 0..n-1.
    """
    raise NotImplementedError


def explode_countries(movies: pd.DataFrame) -> pd.DataFrame:
    """One row per (movie, country); movies without a country are left out.

    Every other column is repeated; the rows keep the movie order and, within
    a movie, the order of its countries. The index is 0..n-1.
    """
    raise NotImplementedError


def iqr_bounds(values: Iterable[float], k: float = 1.5) -> tuple[float, float]:
    """``(Q1 - k*IQR, Q3 + k*IQR)`` of the non-missing values.

    Quartiles use pandas' default (linear) interpolation.

    Raises:
        ValueError: if ``k`` is negative or there is no non-missing value.
    """
    raise NotImplementedError


def flag_outliers(movies: pd.DataFrame, column: str, k: float = 1.5) -> pd.DataFrame:
    """A copy of ``movies`` with a bool column ``<column>_outlier``.

    A value is an outlier when it lies strictly outside :func:`iqr_bounds`;
    missing values are never outliers.

    Raises:
        ValueError: if ``column`` is missing or not numeric, or ``k`` < 0.
    """
    raise NotImplementedError


def mean_rating_by_country(movies: pd.DataFrame, min_count: int = 5) -> pd.Series:
    """Mean rating per country, over countries with >= ``min_count`` rated movies.

    A movie counts for each of its countries. Sorted by mean rating descending,
    ties by country ascending. Name ``"rating"``, index name ``"country"``.
    """
    raise NotImplementedError


def high_rated_by_country(movies: pd.DataFrame, threshold: float = 9.0) -> pd.Series:
    """How many movies rated >= ``threshold`` each country has.

    Countries without such a movie are left out. Sorted by count descending,
    ties by country ascending. An int64 Series named ``"count"``, index name
    ``"country"``.
    """
    raise NotImplementedError


def best_decade(movies: pd.DataFrame, min_count: int = 5) -> int:
    """The decade with the highest mean rating among decades with enough movies.

    Only movies with a decade and a rating count; a decade needs at least
    ``min_count`` of them. Ties go to the earlier decade.

    Raises:
        ValueError: if ``min_count`` < 1 or no decade has enough rated movies.
    """
    raise NotImplementedError


def rating_votes_correlation(movies: pd.DataFrame) -> float:
    """Pearson correlation of rating and votes over movies that have both.

    Raises:
        ValueError: if fewer than 2 movies have both values.
    """
    raise NotImplementedError


def genre_decade_pivot(movies: pd.DataFrame, value: str = "count") -> pd.DataFrame:
    """A genre x decade table.

    Rows: the genres (sorted), columns: the decades (ascending ints), over the
    movies that have both a genre and a decade. ``value="count"`` gives the
    number of movies (int64, 0 for empty cells); ``value="mean_rating"`` gives
    the mean rating (float64, not rounded; NaN where no movie is rated), with
    the same rows and columns as the count table.

    Raises:
        ValueError: for any other ``value``.
    """
    raise NotImplementedError
