"""Your own tests. Extend this file until it covers at least 70% of pandas_merge.py.

Run them with:  grader test   (or: python -m pytest -q tests)
"""

import pandas as pd

from pandas_merge import daily_series, merge_scores

MOVIES = pd.DataFrame({"movie_id": ["a", "b", "c"], "title": ["A", "B", "C"]})
SCORES = pd.DataFrame({"movie_id": ["b", "c", "d"], "score": [7.0, 8.0, 9.0]})


def test_a_left_join_keeps_every_movie():
    assert merge_scores(MOVIES, SCORES, "left").movie_id.tolist() == ["a", "b", "c"]


def test_a_missing_day_is_zero():
    grosses = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-03"]),
            "movie_id": ["a", "a"],
            "gross": [1.0, 2.0],
        }
    )
    assert daily_series(grosses, "a").tolist() == [1.0, 0.0, 2.0]
