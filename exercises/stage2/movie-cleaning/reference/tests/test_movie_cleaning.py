"""Tests for movie_cleaning: the parsers, the clean table and the analyses."""

import math

import numpy as np
import pandas as pd
import pytest

from movie_cleaning import (
    COLUMNS,
    best_decade,
    explode_countries,
    flag_outliers,
    genre_decade_pivot,
    high_rated_by_country,
    iqr_bounds,
    load_movies,
    mean_rating_by_country,
    parse_rating,
    parse_runtime,
    parse_votes,
    parse_year,
    rating_votes_correlation,
    split_countries,
)


@pytest.fixture(scope="module")
def movies():
    return load_movies("data/movies.csv")


def frame(rows):
    """A clean table from (id, country, genre, year, rating, votes) rows."""
    data = pd.DataFrame(
        {
            "id": pd.array([r[0] for r in rows], dtype="int64"),
            "title": pd.array([f"m{r[0]}" for r in rows], dtype="str"),
            "year": pd.array([r[3] for r in rows], dtype="Int64"),
            "country": pd.array([r[1] for r in rows], dtype="str"),
            "genre": pd.array([r[2] for r in rows], dtype="str"),
            "rating": pd.array([r[4] for r in rows], dtype="float64"),
            "votes": pd.array([r[5] for r in rows], dtype="Int64"),
            "runtime": pd.array([100] * len(rows), dtype="Int64"),
        }
    )
    data.insert(3, "decade", data["year"] // 10 * 10)
    return data


# parsers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, year",
    [("1994年", 1994), ("1961(中国大陆) / 1964", 1961), ("2094", None), ("", None)],
)
def test_parse_year(raw, year):
    assert parse_year(raw) == year


def test_parse_year_missing_and_numbers():
    assert parse_year(None) is None
    assert parse_year(float("nan")) is None
    assert parse_year(2001) == 2001


@pytest.mark.parametrize(
    "raw, rating",
    [("8.9分", 8.9), (" 9.0 ", 9.0), ("97", None), ("N/A", None), ("nan", None)],
)
def test_parse_rating(raw, rating):
    assert parse_rating(raw) == rating


@pytest.mark.parametrize(
    "raw, votes",
    [("1,234,567人评价", 1234567), ("42", 42), ("不详", None), ("1.5", None)],
)
def test_parse_votes(raw, votes):
    assert parse_votes(raw) == votes


def test_parse_votes_missing():
    assert parse_votes(None) is None


@pytest.mark.parametrize("raw, minutes", [("142分钟(导演剪辑版)", 142), ("未知", None)])
def test_parse_runtime(raw, minutes):
    assert parse_runtime(raw) == minutes


def test_split_countries_aliases_and_repeats():
    assert split_countries(" USA / 美国 /UK/") == ["美国", "英国"]
    assert split_countries(" / ") == []
    assert split_countries(None) == []


# the clean table ------------------------------------------------------------


def test_load_movies_columns_and_dtypes(movies):
    assert list(movies.columns) == COLUMNS
    assert movies.shape == (250, 9)
    assert str(movies["year"].dtype) == "Int64"
    assert str(movies["votes"].dtype) == "Int64"
    assert movies["rating"].dtype == np.float64
    assert list(movies.index) == list(range(250))


def test_load_movies_first_duplicate_wins(movies):
    row = movies[movies["id"] == 15420985].iloc[0]
    assert row["rating"] == 8.0
    assert row["votes"] == 408858


def test_load_movies_values(movies):
    first = movies.iloc[1]
    assert first["country"] == "美国/加拿大/中国大陆"
    assert first["year"] == 2018 and first["decade"] == 2010
    assert first["genre"] == "剧情"
    assert movies["year"].isna().sum() == 5
    assert movies["rating"].isna().sum() == 6


def test_load_small_file(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        "id,title,year,country,genre,rating,votes,runtime\n"
        '1, a ,1994年,中国香港 / 香港,剧情 / 爱情,9.1分,"1,234",142分钟\n'
        "2,b,未知,,,,,\n"
        "1,a,1994,美国,剧情,5.0,1,1\n",
        encoding="utf-8",
    )
    result = load_movies(path)
    assert result["id"].tolist() == [1, 2]
    assert result["title"].tolist() == ["a", "b"]
    assert result.loc[0, "country"] == "香港"
    assert pd.isna(result.loc[1, "country"])
    assert pd.isna(result.loc[1, "year"])


def test_explode_countries():
    data = frame(
        [(1, "印度/香港", "剧情", 2015, 8.9, 1), (2, None, "喜剧", 1990, 8, 2)]
    )
    exploded = explode_countries(data)
    assert exploded["country"].tolist() == ["印度", "香港"]
    assert exploded["id"].tolist() == [1, 1]
    assert list(exploded.index) == [0, 1]


# outliers -------------------------------------------------------------------


def test_iqr_bounds():
    assert iqr_bounds([1, 2, 3, 4, 5, 6, 7, 8]) == pytest.approx((-2.5, 11.5))
    assert iqr_bounds([4, None, 1, 3, 2, math.nan], k=0) == pytest.approx((1.75, 3.25))


@pytest.mark.parametrize("values, k", [([1, 2], -1), ([], 1.5), ([None], 1.5)])
def test_iqr_bounds_errors(values, k):
    with pytest.raises(ValueError):
        iqr_bounds(values, k)


def test_flag_runtime_outliers(movies):
    flagged = flag_outliers(movies, "runtime")
    assert sorted(flagged.loc[flagged["runtime_outlier"], "runtime"]) == [
        9,
        14,
        321,
        1420,
    ]
    assert "runtime_outlier" not in movies.columns


def test_bounds_are_not_outliers():
    values = [-6, 0, 0, 0, 0, 4, 4, 4, 4, 10]
    data = frame([(i, "美国", "剧情", 2000, 8.5, v) for i, v in enumerate(values)])
    assert not flag_outliers(data, "votes")["votes_outlier"].any()


@pytest.mark.parametrize("name", ["nope", "title"])
def test_flag_outliers_bad_column(movies, name):
    with pytest.raises(ValueError):
        flag_outliers(movies, name)


# analyses -------------------------------------------------------------------


def test_mean_rating_by_country():
    data = frame(
        [
            (1, "美国/日本", "剧情", 2000, 9.0, 1),
            (2, "美国", "剧情", 2000, 8.0, 1),
            (3, "日本", "剧情", 2000, None, 1),
            (4, "法国", "剧情", 2000, 9.9, 1),
        ]
    )
    result = mean_rating_by_country(data, min_count=1)
    assert list(result.index) == ["法国", "日本", "美国"]
    assert result.tolist() == pytest.approx([9.9, 9.0, 8.5])
    assert result.name == "rating"
    assert list(mean_rating_by_country(data, min_count=2).index) == ["美国"]
    with pytest.raises(ValueError):
        mean_rating_by_country(data, min_count=0)


def test_high_rated_by_country(movies):
    result = high_rated_by_country(movies)
    assert result.index[0] == "美国"
    assert result.iloc[0] == 34
    assert result.is_monotonic_decreasing


def test_best_decade(movies):
    assert best_decade(movies) == 1950
    assert best_decade(movies, min_count=6) == 1990
    with pytest.raises(ValueError):
        best_decade(movies, min_count=10_000)


def test_best_decade_tie_goes_to_earlier():
    data = frame([(1, "美国", "剧情", 1995, 9.0, 1), (2, "美国", "剧情", 1975, 9.0, 1)])
    assert best_decade(data, min_count=1) == 1970


def test_correlation(movies):
    assert abs(rating_votes_correlation(movies)) < 0.1
    with pytest.raises(ValueError):
        rating_votes_correlation(movies.head(1))


# pivot ----------------------------------------------------------------------


def test_pivot_counts(movies):
    table = genre_decade_pivot(movies)
    assert list(table.columns) == [1950, 1960, 1970, 1980, 1990, 2000, 2010, 2020]
    assert table.loc["剧情", 1990] == 20
    assert int(table.to_numpy().sum()) == 244


def test_pivot_mean_rating_keeps_unrated_rows():
    data = frame(
        [(1, "美国", "剧情", 1995, 9.0, 1), (2, "美国", "音乐", 2005, None, 1)]
    )
    means = genre_decade_pivot(data, value="mean_rating")
    assert list(means.index) == ["剧情", "音乐"]
    assert means.loc["剧情", 1990] == 9.0
    assert means.loc["音乐"].isna().all()
    with pytest.raises(ValueError):
        genre_decade_pivot(data, value="sum")
