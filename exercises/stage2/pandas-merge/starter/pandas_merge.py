"""A box office report with pandas: merges, concat with keys, time series.

Movies, their daily grosses (days missing, some days reported twice) and
scores from two sites come as CSV files; every function takes and returns
DataFrames or Series and never changes its inputs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HOWS = ("inner", "left", "right", "outer")
GROSS_COLUMNS = ["date", "movie_id", "gross"]


def load_grosses(path: str | Path) -> pd.DataFrame:
    """Read the daily grosses: ``date`` as datetime64, ``gross`` as float.

    ``ValueError`` when a column is missing or a gross is missing or negative.
    """
    raise NotImplementedError


# --------------------------------------------------------------------- task 1


def merge_scores(
    movies: pd.DataFrame, scores: pd.DataFrame, how: str = "inner"
) -> pd.DataFrame:
    """Movies joined to their scores on ``movie_id``, one row per movie.

    ``validate="one_to_one"`` makes a duplicated id on either side a
    ``pandas.errors.MergeError`` instead of a silent row explosion.
    """
    raise NotImplementedError


def match_report(movies: pd.DataFrame, scores: pd.DataFrame) -> dict[str, list[str]]:
    """Which ids are in both tables, only in ``movies``, only in ``scores``."""
    raise NotImplementedError


# --------------------------------------------------------------------- task 2


def combine_sources(sources: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other, a ``source`` column first saying whose.

    Rows keep their order within a source, sources come in the dict's order;
    the index is 0..n-1 and a column one source lacks is NaN in its rows.
    """
    raise NotImplementedError


def compare_sources(
    sources: dict[str, pd.DataFrame], column: str = "score"
) -> pd.DataFrame:
    """One row per movie_id (sorted), one column per source (in dict order)."""
    raise NotImplementedError


# --------------------------------------------------------------------- task 3


def daily_series(grosses: pd.DataFrame, movie_id: str) -> pd.Series:
    """One movie's gross per calendar day, from its first to its last report.

    Two reports of a day add up; a day without a report is 0.0. The index is
    a daily DatetimeIndex named ``date``; the Series is named ``movie_id``.
    """
    raise NotImplementedError


def weekly_totals(daily: pd.Series) -> pd.Series:
    """Sums per calendar week, each labelled by its Sunday (``"W-SUN"``)."""
    raise NotImplementedError


def rolling_mean(daily: pd.Series, window: int = 7) -> pd.Series:
    """Mean of the last ``window`` days; NaN until ``window`` days exist."""
    raise NotImplementedError


# --------------------------------------------------------------------- task 4


def box_office_report(movies: pd.DataFrame, grosses: pd.DataFrame) -> pd.DataFrame:
    """Per movie with grosses: total, days shown, best week, best 7-day mean.

    Columns ``movie_id, title, total, days, best_week, peak_7day``; sorted by
    ``total`` descending, then ``movie_id``. Grosses of unknown movies and
    movies without grosses are left out.
    """
    raise NotImplementedError
