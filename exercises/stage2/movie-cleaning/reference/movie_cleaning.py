"""Clean and analyse a Douban-Top-250-like movie list with pandas.

``data/movies.csv`` is what a quick scraper produced: years such as
``"1961(中国大陆) / 1964"``, ratings such as ``"8.9分"`` or ``"暂无评分"``, vote
counts such as ``"1,234,567人评价"``, runtimes such as ``"142分钟"``, several
countries per movie (``"中国大陆 / 香港"``) and a few duplicated rows.

The parsers turn one raw cell into a Python value; :func:`load_movies` builds
the clean, typed table; the other functions answer questions about it.
"""

from __future__ import annotations

import math
import os
import re
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

_YEAR = re.compile(r"\d{4}")
_INTEGER = re.compile(r"\d+")


def _text(value: Any) -> str | None:
    """``value`` stripped, or None for a missing cell (None, NaN, blank text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


# --------------------------------------------------------------------- task 1


def parse_year(value: Any) -> int | None:
    """The year of a raw ``year`` cell, or None.

    The year is the first run of 4 digits in the text, if it lies in
    ``MIN_YEAR..MAX_YEAR`` (1900..2025): ``"1994年"`` -> 1994,
    ``"1961(中国大陆) / 1964"`` -> 1961, ``"2094"`` -> None, ``"未知"`` -> None.
    Missing cells (None, NaN, blank text) give None; non-str values are
    converted with ``str()`` first.
    """
    text = _text(value)
    match = _YEAR.search(text) if text else None
    if match is None:
        return None
    year = int(match.group())
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def parse_rating(value: Any) -> float | None:
    """The rating of a raw ``rating`` cell as a float, or None.

    Surrounding spaces and one trailing ``"分"`` are removed, then the text is
    read with ``float()``. Text that is not a number (``"暂无评分"``,
    ``"N/A"``) and numbers outside ``0..10`` (``"97"``, ``"-1"``, NaN) give
    None, and so do missing cells.
    """
    text = _text(value)
    if text is None:
        return None
    text = text.removesuffix("分").strip()
    try:
        rating = float(text)
    except ValueError:
        return None
    return rating if 0 <= rating <= 10 else None


def parse_votes(value: Any) -> int | None:
    """The vote count of a raw ``votes`` cell as an int, or None.

    Spaces, thousands separators (``","``) and one trailing ``"人评价"`` are
    removed; what is left must be ASCII digits only (``"1,234,567人评价"`` ->
    1234567). Anything else (``"不详"``, ``"12.5"``, ``"-5"``) gives None, and
    so do missing cells.
    """
    text = _text(value)
    if text is None:
        return None
    text = text.removesuffix("人评价").replace(",", "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def parse_runtime(value: Any) -> int | None:
    """The runtime in minutes of a raw ``runtime`` cell, or None.

    The runtime is the first run of digits in the text: ``"142分钟"``,
    ``"142 分钟"`` and ``"142分钟(导演剪辑版)"`` all give 142; ``"未知"`` and
    missing cells give None.
    """
    text = _text(value)
    match = _INTEGER.search(text) if text else None
    return int(match.group()) if match else None


def split_countries(value: Any) -> list[str]:
    """The list of countries of a raw ``country`` cell.

    Split on ``"/"``, strip every part, drop empty parts, map each name
    through ``COUNTRY_ALIASES`` (``"USA"`` -> ``"美国"``, ``"中国香港"`` ->
    ``"香港"``) and keep only the first occurrence of a name, in order:
    ``"美国 / USA / 英国"`` -> ``["美国", "英国"]``. Missing cells give ``[]``.
    """
    text = _text(value)
    if text is None:
        return []
    countries: list[str] = []
    for part in text.split("/"):
        name = part.strip()
        name = COUNTRY_ALIASES.get(name, name)
        if name and name not in countries:
            countries.append(name)
    return countries


def _main_genre(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    genres = [g.strip() for g in text.split("/") if g.strip()]
    return genres[0] if genres else None


# --------------------------------------------------------------------- task 2


def load_movies(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the raw CSV and return one clean row per movie.

    Columns (in this order) and dtypes: ``id`` int64, ``title`` str,
    ``year`` Int64, ``decade`` Int64, ``country`` str (countries joined by
    ``"/"``, missing when there is none), ``genre`` str (the first genre),
    ``rating`` float64, ``votes`` Int64, ``runtime`` Int64. Rows repeating an
    earlier ``id`` are dropped (the first one wins); the index is 0..n-1.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    raw["id"] = raw["id"].str.strip().astype("int64")
    raw = raw.drop_duplicates(subset="id", keep="first").reset_index(drop=True)
    year = pd.array([parse_year(v) for v in raw["year"]], dtype="Int64")
    countries = ["/".join(split_countries(v)) or None for v in raw["country"]]
    frame = pd.DataFrame(
        {
            "id": raw["id"],
            "title": raw["title"].str.strip(),
            "year": year,
            "decade": year // 10 * 10,
            "country": pd.array(countries, dtype="str"),
            "genre": pd.array([_main_genre(v) for v in raw["genre"]], dtype="str"),
            "rating": pd.array(
                [parse_rating(v) for v in raw["rating"]], dtype="float64"
            ),
            "votes": pd.array([parse_votes(v) for v in raw["votes"]], dtype="Int64"),
            "runtime": pd.array(
                [parse_runtime(v) for v in raw["runtime"]], dtype="Int64"
            ),
        }
    )
    return frame[COLUMNS]


def explode_countries(movies: pd.DataFrame) -> pd.DataFrame:
    """One row per (movie, country); movies without a country are left out.

    Every other column is repeated; the rows keep the movie order and, within
    a movie, the order of its countries. The index is 0..n-1.
    """
    result = movies.assign(country=movies["country"].str.split("/"))
    result = result.explode("country")
    result = result[result["country"].notna() & (result["country"] != "")]
    return result.reset_index(drop=True)


# --------------------------------------------------------------------- task 3


def iqr_bounds(values: Iterable[float], k: float = 1.5) -> tuple[float, float]:
    """``(Q1 - k*IQR, Q3 + k*IQR)`` of the non-missing values.

    Quartiles use pandas' default (linear) interpolation.

    Raises:
        ValueError: if ``k`` is negative or there is no non-missing value.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    series = pd.Series(pd.array(list(values), dtype="Float64")).dropna()
    if series.empty:
        raise ValueError("no values to compute quartiles from")
    q1, q3 = series.quantile(0.25), series.quantile(0.75)
    spread = q3 - q1
    return float(q1 - k * spread), float(q3 + k * spread)


def flag_outliers(movies: pd.DataFrame, column: str, k: float = 1.5) -> pd.DataFrame:
    """A copy of ``movies`` with a bool column ``<column>_outlier``.

    A value is an outlier when it lies strictly outside :func:`iqr_bounds`;
    missing values are never outliers.

    Raises:
        ValueError: if ``column`` is missing or not numeric, or ``k`` < 0.
    """
    if column not in movies.columns:
        raise ValueError(f"no column {column!r}")
    if not pd.api.types.is_numeric_dtype(movies[column]):
        raise ValueError(f"column {column!r} is not numeric")
    values = movies[column].astype("float64")
    low, high = iqr_bounds(values, k)
    flags = ((values < low) | (values > high)).fillna(False).astype(bool)
    return movies.assign(**{f"{column}_outlier": flags})


# --------------------------------------------------------------------- task 4


def _check_min_count(min_count: int) -> None:
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")


def mean_rating_by_country(movies: pd.DataFrame, min_count: int = 5) -> pd.Series:
    """Mean rating per country, over countries with >= ``min_count`` rated movies.

    A movie counts for each of its countries. Sorted by mean rating descending,
    ties by country ascending. Name ``"rating"``, index name ``"country"``.
    """
    _check_min_count(min_count)
    rated = explode_countries(movies).dropna(subset=["rating"])
    stats = rated.groupby("country")["rating"].agg(["mean", "count"])
    stats = stats[stats["count"] >= min_count].reset_index()
    stats = stats.sort_values(["mean", "country"], ascending=[False, True])
    result = pd.Series(
        stats["mean"].to_numpy(dtype="float64"),
        index=pd.Index(stats["country"].astype(str), name="country"),
        name="rating",
    )
    return result


def high_rated_by_country(movies: pd.DataFrame, threshold: float = 9.0) -> pd.Series:
    """How many movies rated >= ``threshold`` each country has.

    Countries without such a movie are left out. Sorted by count descending,
    ties by country ascending. An int64 Series named ``"count"``, index name
    ``"country"``.
    """
    exploded = explode_countries(movies)
    high = exploded[exploded["rating"] >= threshold]
    counts = high.groupby("country").size().reset_index(name="count")
    counts = counts.sort_values(["count", "country"], ascending=[False, True])
    return pd.Series(
        counts["count"].to_numpy(dtype="int64"),
        index=pd.Index(counts["country"].astype(str), name="country"),
        name="count",
    )


def best_decade(movies: pd.DataFrame, min_count: int = 5) -> int:
    """The decade with the highest mean rating among decades with enough movies.

    Only movies with a decade and a rating count; a decade needs at least
    ``min_count`` of them. Ties go to the earlier decade.

    Raises:
        ValueError: if ``min_count`` < 1 or no decade has enough rated movies.
    """
    _check_min_count(min_count)
    rated = movies.dropna(subset=["decade", "rating"])
    stats = rated.groupby("decade")["rating"].agg(["mean", "count"])
    stats = stats[stats["count"] >= min_count]
    if stats.empty:
        raise ValueError(f"no decade has {min_count} rated movies")
    best = stats["mean"].max()
    return int(stats.index[stats["mean"] == best].min())


def rating_votes_correlation(movies: pd.DataFrame) -> float:
    """Pearson correlation of rating and votes over movies that have both.

    Raises:
        ValueError: if fewer than 2 movies have both values.
    """
    both = movies[["rating", "votes"]].dropna().astype("float64")
    if len(both) < 2:
        raise ValueError("need at least 2 movies with a rating and votes")
    return float(both["rating"].corr(both["votes"]))


# --------------------------------------------------------------------- task 5


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
    if value not in PIVOT_VALUES:
        raise ValueError(f"value must be one of {PIVOT_VALUES}, got {value!r}")
    known = movies.dropna(subset=["genre", "decade"]).astype({"decade": "int64"})
    counts = pd.pivot_table(
        known,
        index="genre",
        columns="decade",
        values="id",
        aggfunc="count",
        fill_value=0,
    ).astype("int64")
    if value == "count":
        return counts
    means = pd.pivot_table(
        known, index="genre", columns="decade", values="rating", aggfunc="mean"
    )
    return means.reindex(index=counts.index, columns=counts.columns)
