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
    frame = pd.read_csv(path, dtype={"movie_id": str})
    missing = [c for c in GROSS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    frame = frame[GROSS_COLUMNS].copy()
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    frame["gross"] = frame["gross"].astype(float)
    if frame["gross"].isna().any() or (frame["gross"] < 0).any():
        raise ValueError(f"{path}: a gross is missing or negative")
    return frame


# --------------------------------------------------------------------- task 1


def merge_scores(
    movies: pd.DataFrame, scores: pd.DataFrame, how: str = "inner"
) -> pd.DataFrame:
    """Movies joined to their scores on ``movie_id``, one row per movie.

    ``validate="one_to_one"`` makes a duplicated id on either side a
    ``pandas.errors.MergeError`` instead of a silent row explosion.
    """
    if how not in HOWS:
        raise ValueError(f"how must be one of {HOWS}, got {how!r}")
    merged = pd.merge(movies, scores, on="movie_id", how=how, validate="one_to_one")
    return merged.sort_values("movie_id", kind="stable").reset_index(drop=True)


def match_report(movies: pd.DataFrame, scores: pd.DataFrame) -> dict[str, list[str]]:
    """Which ids are in both tables, only in ``movies``, only in ``scores``."""
    merged = pd.merge(
        movies[["movie_id"]],
        scores[["movie_id"]],
        on="movie_id",
        how="outer",
        indicator=True,
        validate="one_to_one",
    )
    names = {"both": "both", "left_only": "movies_only", "right_only": "scores_only"}
    return {
        name: sorted(merged.loc[merged["_merge"] == flag, "movie_id"].tolist())
        for flag, name in names.items()
    }


# --------------------------------------------------------------------- task 2


def combine_sources(sources: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other, a ``source`` column first saying whose.

    Rows keep their order within a source, sources come in the dict's order;
    the index is 0..n-1 and a column one source lacks is NaN in its rows.
    """
    if not sources:
        raise ValueError("sources is empty")
    stacked = pd.concat(sources, keys=list(sources), names=["source", "row"])
    return stacked.reset_index(level="source").reset_index(drop=True)


def compare_sources(
    sources: dict[str, pd.DataFrame], column: str = "score"
) -> pd.DataFrame:
    """One row per movie_id (sorted), one column per source (in dict order)."""
    combined = combine_sources(sources)
    if column not in combined.columns:
        raise KeyError(f"no column {column!r} in the sources")
    table = combined.pivot(index="movie_id", columns="source", values=column)
    table = table.reindex(columns=list(sources)).sort_index()
    table.columns.name = None
    return table


# --------------------------------------------------------------------- task 3


def daily_series(grosses: pd.DataFrame, movie_id: str) -> pd.Series:
    """One movie's gross per calendar day, from its first to its last report.

    Two reports of a day add up; a day without a report is 0.0. The index is
    a daily DatetimeIndex named ``date``; the Series is named ``movie_id``.
    """
    rows = grosses[grosses["movie_id"] == movie_id]
    if rows.empty:
        raise KeyError(f"no grosses for {movie_id!r}")
    per_day = rows.groupby("date")["gross"].sum()
    days = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D")
    series = per_day.reindex(days, fill_value=0.0).astype(float)
    series.index.name = "date"
    series.name = movie_id
    return series


def weekly_totals(daily: pd.Series) -> pd.Series:
    """Sums per calendar week, each labelled by its Sunday (``"W-SUN"``)."""
    return daily.resample("W-SUN").sum()


def rolling_mean(daily: pd.Series, window: int = 7) -> pd.Series:
    """Mean of the last ``window`` days; NaN until ``window`` days exist."""
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be an int >= 1, got {window!r}")
    return daily.rolling(window, min_periods=window).mean()


# --------------------------------------------------------------------- task 4


def box_office_report(movies: pd.DataFrame, grosses: pd.DataFrame) -> pd.DataFrame:
    """Per movie with grosses: total, days shown, best week, best 7-day mean.

    Columns ``movie_id, title, total, days, best_week, peak_7day``; sorted by
    ``total`` descending, then ``movie_id``. Grosses of unknown movies and
    movies without grosses are left out.
    """
    known = pd.merge(
        grosses, movies[["movie_id", "title"]], on="movie_id", validate="many_to_one"
    )
    rows = []
    for movie_id, title in movies[["movie_id", "title"]].itertuples(index=False):
        if not (known["movie_id"] == movie_id).any():
            continue
        daily = daily_series(known, movie_id)
        weeks = weekly_totals(daily)
        rows.append(
            {
                "movie_id": movie_id,
                "title": title,
                "total": float(daily.sum()),
                "days": int((daily > 0).sum()),
                "best_week": weeks.idxmax(),
                "peak_7day": float(rolling_mean(daily, 7).max()),
            }
        )
    columns = ["movie_id", "title", "total", "days", "best_week", "peak_7day"]
    report = pd.DataFrame(rows, columns=columns)
    report = report.sort_values(["total", "movie_id"], ascending=[False, True])
    return report.reset_index(drop=True)
