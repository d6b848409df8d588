import math
from pathlib import Path

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

DATA = "data/movies.csv"
HEADER = "id,title,year,country,genre,rating,votes,runtime\n"
EXPECTED_COLUMNS = [
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
NUMERIC_DTYPES = {
    "id": "int64",
    "year": "Int64",
    "decade": "Int64",
    "rating": "float64",
    "votes": "Int64",
    "runtime": "Int64",
}


def ground_truth():
    """The clean table the generator of data/movies.csv started from."""
    path = Path(__file__).with_name("expected_movies.csv")
    frame = pd.read_csv(
        path,
        dtype={"id": "int64", "year": "Int64", "votes": "Int64", "runtime": "Int64"},
        encoding="utf-8",
    )
    frame.insert(3, "decade", frame["year"] // 10 * 10)
    return frame


TRUTH = ground_truth()


@pytest.fixture
def truth():
    return TRUTH.copy()


def cell(value):
    """A cell as plain Python: None for every kind of missing value."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def column(frame, name):
    return [cell(v) for v in frame[name].tolist()]


def check_movie_frame(got, expected):
    """Same columns, dtypes, index and values as the expected clean table."""
    assert isinstance(got, pd.DataFrame)
    assert list(got.columns) == EXPECTED_COLUMNS
    for name, dtype in NUMERIC_DTYPES.items():
        assert str(got[name].dtype) == dtype, f"{name}: {got[name].dtype}"
    for name in ("title", "country", "genre"):
        assert pd.api.types.is_string_dtype(got[name]), f"{name}: {got[name].dtype}"
    assert list(got.index) == list(range(len(expected)))
    for name in EXPECTED_COLUMNS:
        assert column(got, name) == column(expected, name), name


def raw_csv(tmp_path, lines):
    path = tmp_path / "movies.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def movies_frame(rows):
    """A clean movie table from (id, country, genre, year, rating, votes) rows."""
    frame = pd.DataFrame(
        {
            "id": pd.array([r[0] for r in rows], dtype="int64"),
            "title": pd.array([f"电影{r[0]}" for r in rows], dtype="str"),
            "year": pd.array([r[3] for r in rows], dtype="Int64"),
            "country": pd.array([r[1] for r in rows], dtype="str"),
            "genre": pd.array([r[2] for r in rows], dtype="str"),
            "rating": pd.array([r[4] for r in rows], dtype="float64"),
            "votes": pd.array([r[5] for r in rows], dtype="Int64"),
            "runtime": pd.array([100] * len(rows), dtype="Int64"),
        }
    )
    frame.insert(3, "decade", frame["year"] // 10 * 10)
    return frame


# Independent answers computed from the ground truth with plain Python.


def oracle_exploded(frame):
    rows = []
    for record in frame.to_dict("records"):
        country = cell(record["country"])
        for name in country.split("/") if country else []:
            rows.append({**record, "country": name})
    return rows


def oracle_country_means(frame, min_count):
    ratings = {}
    for row in oracle_exploded(frame):
        if cell(row["rating"]) is not None:
            ratings.setdefault(row["country"], []).append(row["rating"])
    means = [(sum(v) / len(v), c) for c, v in ratings.items() if len(v) >= min_count]
    means.sort(key=lambda item: (-item[0], item[1]))
    return [(c, m) for m, c in means]


def oracle_high_counts(frame, threshold):
    counts = {}
    for row in oracle_exploded(frame):
        rating = cell(row["rating"])
        if rating is not None and rating >= threshold:
            counts[row["country"]] = counts.get(row["country"], 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def oracle_iqr_flags(values, k):
    present = sorted(v for v in values if v is not None)

    def quantile(q):
        pos = (len(present) - 1) * q
        low = math.floor(pos)
        high = min(low + 1, len(present) - 1)
        return present[low] + (present[high] - present[low]) * (pos - low)

    q1, q3 = quantile(0.25), quantile(0.75)
    lo, hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
    return [v is not None and (v < lo or v > hi) for v in values]


def oracle_pivot(frame):
    cells = {}
    for record in frame.to_dict("records"):
        genre, decade = cell(record["genre"]), cell(record["decade"])
        if genre is None or decade is None:
            continue
        cells.setdefault((genre, int(decade)), []).append(cell(record["rating"]))
    genres = sorted({g for g, _ in cells})
    decades = sorted({d for _, d in cells})
    counts = [[len(cells.get((g, d), [])) for d in decades] for g in genres]
    means = []
    for g in genres:
        row = []
        for d in decades:
            rated = [r for r in cells.get((g, d), []) if r is not None]
            row.append(sum(rated) / len(rated) if rated else None)
        means.append(row)
    return genres, decades, counts, means


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1994", 1994),
        (" 1994 ", 1994),
        ("1994年", 1994),
        ("(1994)", 1994),
        ("1961(中国大陆) / 1964", 1961),
        ("1900", 1900),
        ("2025", 2025),
        ("未知", None),
        ("", None),
        ("19xx", None),
        ("2094", None),
        ("0000", None),
        ("1899", None),
        (None, None),
        (float("nan"), None),
        (1994, 1994),
    ],
    ids=[
        "plain",
        "spaces",
        "nian-suffix",
        "parentheses",
        "two-releases",
        "lower-bound",
        "upper-bound",
        "unknown-text",
        "empty",
        "19xx",
        "future-2094",
        "0000",
        "1899",
        "none",
        "nan",
        "int-1994",
    ],
)
def test_parse_year(raw, expected):
    """parse_year takes the first 4-digit number if it is a year in 1900..2025"""
    assert parse_year(raw) == expected


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("9.7", 9.7),
        (" 8.9 ", 8.9),
        ("8.9分", 8.9),
        ("10", 10.0),
        ("0", 0.0),
        ("暂无评分", None),
        ("N/A", None),
        ("", None),
        ("97", None),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        (None, None),
        (float("nan"), None),
    ],
    ids=[
        "plain",
        "spaces",
        "fen-suffix",
        "ten",
        "zero",
        "no-rating-text",
        "n-a",
        "empty",
        "typo-97",
        "negative",
        "nan-text",
        "inf-text",
        "none",
        "nan",
    ],
)
@pytest.mark.core
def test_parse_rating(raw, expected):
    """parse_rating reads '8.9' or '8.9分' as a float in [0, 10], else None"""
    result = parse_rating(raw)
    assert result == expected
    if expected is not None:
        assert isinstance(result, float)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1,234,567", 1234567),
        ("1234567人评价", 1234567),
        ("1,234,567人评价", 1234567),
        (" 42 ", 42),
        ("", None),
        ("不详", None),
        ("12.5", None),
        ("-5", None),
        (None, None),
    ],
    ids=[
        "commas",
        "renpingjia-suffix",
        "commas-and-suffix",
        "spaces",
        "empty",
        "unknown-text",
        "decimal",
        "negative",
        "none",
    ],
)
def test_parse_votes(raw, expected):
    """parse_votes drops commas and '人评价' and needs a whole number, else None"""
    assert parse_votes(raw) == expected


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("142分钟", 142),
        ("142 分钟", 142),
        ("142分钟(导演剪辑版)", 142),
        ("142", 142),
        ("未知", None),
        ("", None),
        (None, None),
    ],
    ids=[
        "fenzhong",
        "space-fenzhong",
        "directors-cut",
        "bare-number",
        "unknown-text",
        "empty",
        "none",
    ],
)
def test_parse_runtime(raw, expected):
    """parse_runtime takes the first whole number of the text, else None"""
    assert parse_runtime(raw) == expected


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("中国大陆 / 香港", ["中国大陆", "香港"]),
        ("美国/日本", ["美国", "日本"]),
        ("  法国 / 德国 /意大利 ", ["法国", "德国", "意大利"]),
        ("美国 /", ["美国"]),
        ("美国 / USA / 英国", ["美国", "英国"]),
        ("中国香港 / 香港", ["香港"]),
        ("UK", ["英国"]),
        ("中国台湾/日本", ["台湾", "日本"]),
        (" / ", []),
        ("", []),
        (None, []),
    ],
    ids=[
        "mainland-hongkong",
        "no-spaces",
        "three-messy",
        "trailing-slash",
        "alias-repeat",
        "hongkong-alias-repeat",
        "uk-alias",
        "taiwan-alias",
        "only-slash",
        "empty",
        "none",
    ],
)
@pytest.mark.core
def test_split_countries(raw, expected):
    """split_countries splits on '/', strips, applies the aliases and drops repeats"""
    assert split_countries(raw) == expected


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_load_movies_shape_and_dtypes():
    """load_movies gives 250 rows, the 9 columns in order, with the stated dtypes"""
    assert COLUMNS == EXPECTED_COLUMNS
    movies = load_movies(DATA)
    assert movies.shape == (250, 9)
    assert list(movies.columns) == EXPECTED_COLUMNS
    for name, dtype in NUMERIC_DTYPES.items():
        assert str(movies[name].dtype) == dtype, name
    for name in ("title", "country", "genre"):
        assert pd.api.types.is_string_dtype(movies[name]), name


@pytest.mark.task(2)
@pytest.mark.points(4)
def test_load_movies_matches_the_clean_table(truth):
    """Every cell of load_movies(data/movies.csv) equals the clean value"""
    check_movie_frame(load_movies(DATA), truth)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_load_movies_drops_duplicate_ids_keeping_the_first():
    """Rows repeating an id are dropped and the first row of each id wins"""
    movies = load_movies(DATA)
    ids = movies["id"].tolist()
    assert len(ids) == len(set(ids)) == 250
    assert list(movies.index) == list(range(250))
    row = movies[movies["id"] == 15420985].iloc[0]
    assert (float(row["rating"]), int(row["votes"])) == (8.0, 408858)


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_load_movies_small_messy_file(tmp_path):
    """A hand-made messy file is cleaned cell by cell"""
    path = raw_csv(
        tmp_path,
        [
            '7, 甲 ,1994年,"中国大陆 / 中国香港",剧情 / 爱情,9.1分,"1,234人评价",142分钟',
            "8,乙,未知,,,,,",
            '7,甲,1994,香港,剧情,5.0,"9,999",99',
            "9,丙,2001(日本) / 2003, USA /UK/ 美国,  动画/奇幻 , 97 ,不详,88 分钟",
        ],
    )
    expected = pd.DataFrame(
        {
            "id": pd.array([7, 8, 9], dtype="int64"),
            "title": pd.array(["甲", "乙", "丙"], dtype="str"),
            "year": pd.array([1994, None, 2001], dtype="Int64"),
            "decade": pd.array([1990, None, 2000], dtype="Int64"),
            "country": pd.array(["中国大陆/香港", None, "美国/英国"], dtype="str"),
            "genre": pd.array(["剧情", None, "动画"], dtype="str"),
            "rating": pd.array([9.1, np.nan, np.nan], dtype="float64"),
            "votes": pd.array([1234, None, None], dtype="Int64"),
            "runtime": pd.array([142, None, 88], dtype="Int64"),
        }
    )
    check_movie_frame(load_movies(path), expected)


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_explode_countries_on_the_movie_table(truth):
    """explode_countries gives one row per (movie, country), in order"""
    exploded = explode_countries(truth)
    expected = oracle_exploded(truth)
    assert list(exploded.columns) == EXPECTED_COLUMNS
    assert len(exploded) == len(expected) == 348
    assert list(exploded.index) == list(range(len(expected)))
    assert column(exploded, "country") == [r["country"] for r in expected]
    assert column(exploded, "id") == [r["id"] for r in expected]
    assert column(exploded, "rating") == [cell(r["rating"]) for r in expected]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_explode_countries_repeats_other_columns_and_drops_missing():
    """Other columns are repeated; movies without a country are left out"""
    frame = movies_frame(
        [
            (1, "印度/台湾/香港", "剧情", 2015, 8.9, 100),
            (2, None, "喜剧", 1990, 8.1, 50),
            (3, "美国", None, None, None, None),
        ]
    )
    exploded = explode_countries(frame)
    assert column(exploded, "id") == [1, 1, 1, 3]
    assert column(exploded, "country") == ["印度", "台湾", "香港", "美国"]
    assert column(exploded, "genre") == ["剧情", "剧情", "剧情", None]
    assert column(exploded, "votes") == [100, 100, 100, None]
    assert list(exploded.index) == [0, 1, 2, 3]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_iqr_bounds_linear_quartiles():
    """iqr_bounds uses linear-interpolated quartiles and ignores missing values"""
    values = [1, 2, 3, 4, 5, 6, 7, 8]
    assert iqr_bounds(values) == pytest.approx((-2.5, 11.5))
    assert iqr_bounds(values, k=0) == pytest.approx((2.75, 6.25))
    assert iqr_bounds([8, None, 1, 7, 2, float("nan"), 6, 3, 5, 4], k=3) == (
        pytest.approx((-7.75, 16.75))
    )


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "values, k",
    [([1, 2, 3], -0.5), ([], 1.5), ([None, float("nan")], 1.5)],
    ids=["negative-k", "empty", "all-missing"],
)
def test_iqr_bounds_errors(values, k):
    """iqr_bounds raises ValueError for a negative k or no values"""
    with pytest.raises(ValueError):
        iqr_bounds(values, k=k)


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_flag_runtime_outliers(truth):
    """flag_outliers(movies, 'runtime') flags exactly the 4 absurd runtimes"""
    flagged = flag_outliers(truth, "runtime")
    assert list(flagged.columns) == EXPECTED_COLUMNS + ["runtime_outlier"]
    assert flagged["runtime_outlier"].dtype == bool
    ids = set(flagged.loc[flagged["runtime_outlier"], "id"].tolist())
    assert ids == {27448686, 4452530, 22489059, 22458168}
    for name in EXPECTED_COLUMNS:
        assert column(flagged, name) == column(truth, name), name


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.parametrize("k", [1.5, 3.0])
def test_flag_vote_outliers(truth, k):
    """Vote outliers match the IQR rule; missing counts are never outliers"""
    flagged = flag_outliers(truth, "votes", k=k)
    expected = oracle_iqr_flags(column(truth, "votes"), k)
    assert flagged["votes_outlier"].tolist() == expected
    assert sum(expected) == {1.5: 17, 3.0: 7}[k]


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_values_on_the_bounds_are_not_outliers():
    """Values exactly on Q1 - k*IQR or Q3 + k*IQR are not outliers"""
    values = [-6, 0, 0, 0, 0, 4, 4, 4, 4, 10]
    frame = movies_frame(
        [(i, "美国", "剧情", 2000, 8.5, v) for i, v in enumerate(values)]
    )
    assert not flag_outliers(frame, "votes")["votes_outlier"].any()
    flags = flag_outliers(frame, "votes", k=1.4)["votes_outlier"].tolist()
    assert flags == [True] + [False] * 8 + [True]


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["budget", "title"])
def test_flag_outliers_rejects_bad_columns(truth, name):
    """flag_outliers raises ValueError for a missing or non-numeric column"""
    with pytest.raises(ValueError):
        flag_outliers(truth, name)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.parametrize("min_count", [5, 20])
@pytest.mark.core
def test_mean_rating_by_country(truth, min_count):
    """Mean rating per country (a movie counts for each country), best first"""
    result = mean_rating_by_country(truth, min_count=min_count)
    expected = oracle_country_means(truth, min_count)
    assert isinstance(result, pd.Series)
    assert result.name == "rating"
    assert result.index.name == "country"
    assert list(result.index) == [c for c, _ in expected]
    assert result.tolist() == pytest.approx([m for _, m in expected], rel=1e-12)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_mean_rating_by_country_ties_and_min_count():
    """Equal means are ordered by country name; unrated movies do not count"""
    frame = movies_frame(
        [
            (1, "法国/日本", "剧情", 2000, 9.0, 1),
            (2, "法国", "剧情", 2001, 8.0, 1),
            (3, "日本", "剧情", 2002, 8.0, 1),
            (4, "美国", "剧情", 2003, 9.5, 1),
            (5, "美国", "剧情", 2004, None, 1),
            (6, "英国", "剧情", 2005, 7.0, 1),
            (7, "英国", "剧情", 2006, 9.0, 1),
        ]
    )
    result = mean_rating_by_country(frame, min_count=2)
    assert list(result.index) == ["日本", "法国", "英国"]
    assert result.tolist() == pytest.approx([8.5, 8.5, 8.0])
    assert list(mean_rating_by_country(frame, min_count=1).index) == [
        "美国",
        "日本",
        "法国",
        "英国",
    ]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_mean_rating_by_country_rejects_bad_min_count(truth):
    """mean_rating_by_country and best_decade reject a min_count below 1"""
    with pytest.raises(ValueError):
        mean_rating_by_country(truth, min_count=0)
    with pytest.raises(ValueError):
        best_decade(truth, min_count=0)


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.parametrize("threshold", [9.0, 9.4])
def test_high_rated_by_country(truth, threshold):
    """Movies rated >= threshold per country, most first, ties by country name"""
    result = high_rated_by_country(truth, threshold=threshold)
    expected = oracle_high_counts(truth, threshold)
    assert result.name == "count"
    assert result.index.name == "country"
    assert pd.api.types.is_integer_dtype(result)
    assert list(zip(result.index, result.tolist())) == expected


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_best_decade_depends_on_min_count(truth):
    """best_decade is 1950 with min_count=5 but 1990 with min_count=6"""
    assert best_decade(truth) == 1950
    assert best_decade(truth, min_count=6) == 1990
    assert type(best_decade(truth)) is int
    with pytest.raises(ValueError):
        best_decade(truth, min_count=1000)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_best_decade_ties_and_missing_values():
    """Unrated movies do not count; a tie goes to the earlier decade"""
    frame = movies_frame(
        [
            (1, "美国", "剧情", 1995, 9.0, 1),
            (2, "美国", "剧情", 1991, 8.0, 1),
            (3, "美国", "剧情", 1972, 8.5, 1),
            (4, "美国", "剧情", 1975, 8.5, 1),
            (5, "美国", "剧情", 2001, 9.9, 1),
            (6, "美国", "剧情", 2002, None, 1),
            (7, "美国", "剧情", None, 9.9, 1),
        ]
    )
    assert best_decade(frame, min_count=2) == 1970
    assert best_decade(frame, min_count=1) == 2000


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_rating_votes_correlation(truth):
    """Pearson correlation of rating and votes over movies having both"""
    both = truth[["rating", "votes"]].dropna().astype(float)
    expected = np.corrcoef(both["rating"], both["votes"])[0, 1]
    result = rating_votes_correlation(truth)
    assert isinstance(result, float)
    assert result == pytest.approx(expected, abs=1e-12)
    assert abs(result) < 0.1  # 评分与评论人数几乎不相关
    with pytest.raises(ValueError):
        rating_votes_correlation(truth.head(1))


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_genre_decade_count_pivot(truth):
    """The count pivot: genres x decades, 0 for empty cells, int64"""
    table = genre_decade_pivot(truth)
    genres, decades, counts, _ = oracle_pivot(truth)
    assert list(table.index) == genres
    assert table.index.name == "genre"
    assert [int(d) for d in table.columns] == decades
    for name in table.columns:
        assert table[name].dtype == np.int64, f"for {name!r}"
    assert table.to_numpy().tolist() == counts
    assert int(table.to_numpy().sum()) == 244


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_genre_decade_mean_rating_pivot(truth):
    """The mean_rating pivot has the count pivot's shape and NaN for unrated cells"""
    table = genre_decade_pivot(truth, value="mean_rating")
    genres, decades, _, means = oracle_pivot(truth)
    assert list(table.index) == genres
    assert [int(d) for d in table.columns] == decades
    got = [[cell(v) for v in row] for row in table.to_numpy().tolist()]
    for g, got_row, want_row in zip(genres, got, means):
        assert [v is None for v in got_row] == [v is None for v in want_row], g
        assert [v for v in got_row if v is not None] == pytest.approx(
            [v for v in want_row if v is not None], rel=1e-12
        ), g


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_pivot_keeps_genres_without_ratings():
    """A genre whose movies are all unrated keeps an all-NaN row"""
    frame = movies_frame(
        [
            (1, "美国", "剧情", 1995, 9.0, 1),
            (2, "美国", "剧情", 2005, 8.0, 1),
            (3, "美国", "音乐", 1999, None, 1),
            (4, "美国", None, 1999, 9.5, 1),
            (5, "美国", "喜剧", None, 9.5, 1),
        ]
    )
    counts = genre_decade_pivot(frame)
    assert list(counts.index) == ["剧情", "音乐"]
    assert [int(d) for d in counts.columns] == [1990, 2000]
    assert counts.to_numpy().tolist() == [[1, 1], [1, 0]]
    means = genre_decade_pivot(frame, value="mean_rating")
    assert list(means.index) == ["剧情", "音乐"]
    assert [cell(v) for v in means.to_numpy().ravel().tolist()] == [
        9.0,
        8.0,
        None,
        None,
    ]


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_pivot_rejects_unknown_value(truth):
    """genre_decade_pivot raises ValueError for an unknown value"""
    with pytest.raises(ValueError):
        genre_decade_pivot(truth, value="median")
