from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pandas_merge import (
    box_office_report,
    combine_sources,
    compare_sources,
    daily_series,
    load_grosses,
    match_report,
    merge_scores,
    rolling_mean,
    weekly_totals,
)

DATA = Path("data")
MOVIES = pd.read_csv(DATA / "movies.csv")
DOUBAN = pd.read_csv(DATA / "douban.csv")
IMDB = pd.read_csv(DATA / "imdb.csv")
RAW = pd.read_csv(DATA / "grosses.csv")
GROSSES = RAW.assign(date=pd.to_datetime(RAW["date"]), gross=RAW["gross"].astype(float))


def oracle_daily(movie_id):
    rows = GROSSES[GROSSES["movie_id"] == movie_id]
    per_day = {}
    for date, gross in zip(rows["date"], rows["gross"]):
        per_day[date] = per_day.get(date, 0.0) + gross
    first, last = min(per_day), max(per_day)
    days = [first + pd.Timedelta(days=i) for i in range((last - first).days + 1)]
    return days, [per_day.get(d, 0.0) for d in days]


def raises_merge_error(call, *args):
    """The call raises pandas' MergeError (a ValueError; it crosses by name)."""
    with pytest.raises(ValueError) as info:
        call(*args)
    assert info.type.__name__ == "MergeError", f"{info.type.__name__}: {info.value}"


def values(series):
    return list(np.asarray(series, dtype=float))


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_grosses_types():
    """load_grosses parses dates to datetime64 and grosses to float, rows kept"""
    got = load_grosses(DATA / "grosses.csv")
    assert list(got.columns) == ["date", "movie_id", "gross"]
    assert pd.api.types.is_datetime64_any_dtype(got["date"])
    assert got["gross"].dtype == float
    assert len(got) == len(RAW)


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "text",
    ["date,movie_id\n2024-01-01,m01\n", "date,movie_id,gross\n2024-01-01,m01,-5\n"],
    ids=["missing-column", "negative-gross"],
)
def test_load_grosses_rejects_bad_files(tmp_path, text):
    """load_grosses raises ValueError for a missing column or a negative gross"""
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        load_grosses(path)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_grosses_keeps_ids_as_text_and_grosses_as_float(tmp_path):
    """Ids like 007 stay text; whole-number and zero grosses load as floats"""
    path = tmp_path / "g.csv"
    path.write_text("date,movie_id,gross\n2024-01-01,007,5\n2024-01-02,007,0\n")
    got = load_grosses(path)
    assert got["movie_id"].tolist() == ["007", "007"]
    assert got["gross"].dtype == float
    assert got["gross"].tolist() == [5.0, 0.0]


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize(
    "how,ids",
    [
        ("inner", ["m01", "m02", "m03", "m05"]),
        ("left", ["m01", "m02", "m03", "m04", "m05", "m06", "m07"]),
        ("right", ["m01", "m02", "m03", "m05"]),
        ("outer", ["m01", "m02", "m03", "m04", "m05", "m06", "m07"]),
    ],
)
def test_merge_scores_join_types(how, ids):
    """merge_scores keeps the rows each join type keeps, sorted by movie_id"""
    scores = IMDB[IMDB["movie_id"] != "m07"]
    got = merge_scores(MOVIES, scores, how=how)
    assert got["movie_id"].tolist() == ids
    assert list(got.index) == list(range(len(ids)))
    by_id = scores.set_index("movie_id")
    want = [by_id["score"].get(i, np.nan) for i in ids]
    assert values(got["score"]) == pytest.approx(want, nan_ok=True)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_merge_scores_left_join_fills_nan():
    """A left join keeps a movie with no score, its score NaN"""
    got = merge_scores(MOVIES, IMDB, how="left").set_index("movie_id")
    assert np.isnan(got.loc["m04", "score"]) and np.isnan(got.loc["m06", "votes"])
    assert got.loc["m07", "score"] == pytest.approx(7.1)
    assert got.loc["m01", "title"] == "流浪地球2"


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("side", ["movies", "scores"])
def test_merge_scores_refuses_duplicate_ids(side):
    """A duplicated movie_id on either side raises MergeError (validate one_to_one)"""
    movies, scores = MOVIES, DOUBAN
    if side == "movies":
        movies = pd.concat([MOVIES, MOVIES.iloc[[0]]], ignore_index=True)
    else:
        scores = pd.concat([DOUBAN, DOUBAN.iloc[[2]]], ignore_index=True)
    raises_merge_error(merge_scores, movies, scores)


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("how", ["cross", "full", ""], ids=repr)
def test_merge_scores_rejects_other_joins(how):
    """merge_scores raises ValueError for a join type it does not offer"""
    with pytest.raises(ValueError):
        merge_scores(MOVIES, DOUBAN, how=how)


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_match_report_uses_the_indicator():
    """match_report lists the ids in both tables, only in movies, only in scores"""
    scores = pd.concat(
        [IMDB, pd.DataFrame({"movie_id": ["m99"], "score": [5.0], "votes": [1]})]
    )
    got = match_report(MOVIES, scores)
    assert got == {
        "both": ["m01", "m02", "m03", "m05", "m07"],
        "movies_only": ["m04", "m06"],
        "scores_only": ["m99"],
    }


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_match_report_refuses_duplicates():
    """match_report raises MergeError for a duplicated id"""
    raises_merge_error(match_report, MOVIES, pd.concat([IMDB, IMDB.iloc[[0]]]))


# --------------------------------------------------------------------- task 2

SOURCES = {"douban": DOUBAN, "imdb": IMDB}


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_combine_sources_labels_every_row():
    """combine_sources stacks the frames with a first column naming the source"""
    got = combine_sources(SOURCES)
    assert list(got.columns) == ["source", "movie_id", "score", "votes"]
    assert got["source"].tolist() == ["douban"] * len(DOUBAN) + ["imdb"] * len(IMDB)
    assert (
        got["movie_id"].tolist()
        == DOUBAN["movie_id"].tolist() + IMDB["movie_id"].tolist()
    )
    assert list(got.index) == list(range(len(DOUBAN) + len(IMDB)))


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_combine_sources_follows_dict_order_and_fills_missing_columns():
    """Sources come in the dict's order; a column one lacks is NaN in its rows"""
    extra = pd.DataFrame({"movie_id": ["m01"], "score": [4.0], "rank": [1]})
    got = combine_sources({"maoyan": extra, "douban": DOUBAN})
    assert got["source"].tolist()[:2] == ["maoyan", "douban"]
    assert got.loc[0, "rank"] == 1 and got["rank"].iloc[1:].isna().all()
    assert got.loc[0, "votes"] != got.loc[0, "votes"]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_combine_sources_rejects_nothing():
    """combine_sources raises ValueError for no sources"""
    with pytest.raises(ValueError):
        combine_sources({})


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_compare_sources_puts_sources_side_by_side():
    """compare_sources has a row per movie and a column per source, NaN if absent"""
    got = compare_sources({"imdb": IMDB, "douban": DOUBAN})
    assert list(got.columns) == ["imdb", "douban"]
    assert list(got.index) == ["m01", "m02", "m03", "m04", "m05", "m06", "m07"]
    assert got.loc["m01", "douban"] == pytest.approx(8.3)
    assert got.loc["m07", "imdb"] == pytest.approx(7.1)
    assert np.isnan(got.loc["m07", "douban"]) and np.isnan(got.loc["m04", "imdb"])
    assert got.columns.name is None


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_compare_sources_other_column():
    """compare_sources compares the column asked for"""
    got = compare_sources(SOURCES, column="votes")
    assert got.loc["m02", "douban"] == 1450000 and got.loc["m02", "imdb"] == 5400


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("movie_id", ["m01", "m03", "m07"])
def test_daily_series_fills_missing_days_and_sums_doubles(movie_id):
    """daily_series has every day from first to last, 0.0 when not reported"""
    days, want = oracle_daily(movie_id)
    got = daily_series(GROSSES, movie_id)
    assert list(pd.DatetimeIndex(got.index)) == days
    assert values(got) == pytest.approx(want)
    assert got.name == movie_id and got.index.name == "date"


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_daily_series_unknown_movie_raises_key_error():
    """daily_series raises KeyError for a movie without grosses"""
    with pytest.raises(KeyError):
        daily_series(GROSSES, "m42")


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_weekly_totals_label_weeks_by_sunday():
    """weekly_totals sums Monday..Sunday weeks, labelled by their Sunday"""
    days = pd.date_range("2024-01-03", "2024-01-16", freq="D", name="date")
    daily = pd.Series(np.arange(1.0, 15.0), index=days, name="m01")
    got = weekly_totals(daily)
    assert [str(d.date()) for d in got.index] == [
        "2024-01-07",
        "2024-01-14",
        "2024-01-21",
    ]
    assert values(got) == [sum(range(1, 6)), sum(range(6, 13)), 13 + 14]


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_rolling_mean_waits_for_a_full_window():
    """rolling_mean is NaN until window days exist, then the mean of the last window"""
    days = pd.date_range("2024-01-01", periods=5, freq="D", name="date")
    daily = pd.Series([1.0, 2.0, 3.0, 4.0, 10.0], index=days)
    got = values(rolling_mean(daily, 3))
    assert np.isnan(got[0]) and np.isnan(got[1])
    assert got[2:] == pytest.approx([2.0, 3.0, 17 / 3])


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_rolling_mean_default_window_is_seven():
    """rolling_mean's default window is 7 days"""
    daily = daily_series(GROSSES, "m02")
    got = values(rolling_mean(daily))
    assert np.isnan(got[5]) and got[6] == pytest.approx(
        float(np.mean(values(daily)[:7]))
    )


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_rolling_mean_of_one_day_is_the_series():
    """rolling_mean with window=1 returns the daily values themselves"""
    daily = daily_series(GROSSES, "m05")
    assert values(rolling_mean(daily, 1)) == pytest.approx(values(daily))


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize("window", [0, -3, 2.5, True], ids=repr)
def test_rolling_mean_rejects_bad_window(window):
    """rolling_mean raises ValueError unless window is an int >= 1"""
    with pytest.raises(ValueError):
        rolling_mean(daily_series(GROSSES, "m02"), window)


# --------------------------------------------------------------------- task 4


def oracle_report():
    rows = []
    for movie_id, title in zip(MOVIES["movie_id"], MOVIES["title"]):
        if not (GROSSES["movie_id"] == movie_id).any():
            continue
        days, daily = oracle_daily(movie_id)
        weeks = {}
        for day, gross in zip(days, daily):
            sunday = day + pd.Timedelta(days=6 - day.weekday())
            weeks[sunday] = weeks.get(sunday, 0.0) + gross
        best = max(weeks.values())
        best_week = min(d for d, v in weeks.items() if v == best)
        means = [np.mean(daily[i - 6 : i + 1]) for i in range(6, len(daily))]
        rows.append(
            (
                movie_id,
                title,
                sum(daily),
                sum(g > 0 for g in daily),
                best_week,
                max(means),
            )
        )
    return sorted(rows, key=lambda r: (-r[2], r[0]))


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_report_matches_the_data():
    """box_office_report gives total, days, best week and peak 7-day mean per movie"""
    got = box_office_report(MOVIES, GROSSES)
    want = oracle_report()
    assert list(got.columns) == [
        "movie_id",
        "title",
        "total",
        "days",
        "best_week",
        "peak_7day",
    ]
    assert got["movie_id"].tolist() == [r[0] for r in want]
    assert got["title"].tolist() == [r[1] for r in want]
    assert values(got["total"]) == pytest.approx([r[2] for r in want])
    assert [int(d) for d in got["days"]] == [r[3] for r in want]
    assert [pd.Timestamp(d) for d in got["best_week"]] == [r[4] for r in want]
    assert values(got["peak_7day"]) == pytest.approx([r[5] for r in want])


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_report_leaves_out_unknown_and_silent_movies():
    """Grosses of a movie not in movies, and movies without grosses, are left out"""
    silent = pd.DataFrame(
        {"movie_id": ["m50"], "title": ["x"], "release": ["2024-03-01"]}
    )
    movies = pd.concat([silent, MOVIES])
    got = box_office_report(movies, GROSSES)
    assert "m08" not in set(got["movie_id"]) and "m50" not in set(got["movie_id"])
    assert len(got) == 7


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_report_sorts_ties_by_movie_id():
    """Equal totals are ordered by movie_id"""
    movies = pd.DataFrame({"movie_id": ["b", "a"], "title": ["B", "A"]})
    grosses = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-01"]),
            "movie_id": ["b", "b", "a"],
            "gross": [1.0, 2.0, 3.0],
        }
    )
    got = box_office_report(movies, grosses)
    assert got["movie_id"].tolist() == ["a", "b"]
    assert [int(d) for d in got["days"]] == [1, 2]
    assert all(np.isnan(values(got["peak_7day"])))
