"""Own tests of pandas_merge, on small frames built here and on data/."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.errors import MergeError

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

MOVIES = pd.DataFrame({"movie_id": ["a", "b", "c"], "title": ["A", "B", "C"]})
SCORES = pd.DataFrame({"movie_id": ["b", "c", "d"], "score": [7.0, 8.0, 9.0]})
GROSSES = pd.DataFrame(
    {
        "date": pd.to_datetime(
            ["2024-01-01", "2024-01-03", "2024-01-03", "2024-01-01"]
        ),
        "movie_id": ["a", "a", "a", "b"],
        "gross": [1.0, 2.0, 0.5, 4.0],
    }
)


def test_load_shipped_grosses(tmp_path):
    got = load_grosses(Path("data") / "grosses.csv")
    assert got["date"].dtype.kind == "M" and len(got) > 200
    bad = tmp_path / "bad.csv"
    bad.write_text("date,gross\n2024-01-01,1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_grosses(bad)
    bad.write_text("date,movie_id,gross\n2024-01-01,a,\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_grosses(bad)


@pytest.mark.parametrize(
    "how,ids",
    [("inner", ["b", "c"]), ("left", ["a", "b", "c"]), ("outer", ["a", "b", "c", "d"])],
)
def test_merge_scores(how, ids):
    assert merge_scores(MOVIES, SCORES, how).movie_id.tolist() == ids


def test_merge_scores_errors():
    with pytest.raises(ValueError):
        merge_scores(MOVIES, SCORES, "cross")
    with pytest.raises(MergeError):
        merge_scores(pd.concat([MOVIES, MOVIES]), SCORES)


def test_match_report():
    assert match_report(MOVIES, SCORES) == {
        "both": ["b", "c"],
        "movies_only": ["a"],
        "scores_only": ["d"],
    }


def test_combine_and_compare():
    other = pd.DataFrame({"movie_id": ["a"], "score": [5.0]})
    got = combine_sources({"x": SCORES, "y": other})
    assert got.columns[0] == "source" and got.source.tolist() == ["x"] * 3 + ["y"]
    table = compare_sources({"y": other, "x": SCORES})
    assert list(table.columns) == ["y", "x"] and list(table.index) == list("abcd")
    assert np.isnan(table.loc["b", "y"])
    with pytest.raises(ValueError):
        combine_sources({})
    with pytest.raises(KeyError):
        compare_sources({"x": SCORES}, column="votes")


def test_daily_weekly_rolling():
    daily = daily_series(GROSSES, "a")
    assert daily.tolist() == [1.0, 0.0, 2.5]
    assert weekly_totals(daily).tolist() == [3.5]
    assert rolling_mean(daily, 2).tolist()[1:] == [0.5, 1.25]
    with pytest.raises(KeyError):
        daily_series(GROSSES, "z")
    with pytest.raises(ValueError):
        rolling_mean(daily, 0)


def test_report():
    got = box_office_report(MOVIES, GROSSES)
    assert got.movie_id.tolist() == ["b", "a"]
    assert got.total.tolist() == [4.0, 3.5]
    assert got.days.tolist() == [1, 2]
    assert str(got.best_week[1].date()) == "2024-01-07"
