"""Tests for movie_charts: counts, the figures' data and labels, the saved report."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from movie_charts import (
    films_per_year,
    mean_rating_by_genre,
    plot_films_per_year,
    plot_genre_ratings,
    plot_rating_votes,
    save_report,
)

MOVIES = pd.DataFrame(
    {
        "year": [2001, 2001, 2003],
        "genre": ["Drama", "Comedy", "Drama"],
        "rating": [9.0, 8.0, 8.6],
        "votes": [1000, 50000, 300],
        "box_office": [1.0, 2.0, 3.0],
    }
)


@pytest.fixture(autouse=True)
def no_open_figures():
    yield
    plt.close("all")


def test_films_per_year_fills_missing_years():
    got = films_per_year(MOVIES)
    assert list(got.index) == [2001, 2002, 2003]
    assert list(got) == [2, 0, 1]
    assert list(films_per_year(MOVIES, 8.5)) == [1, 0, 1]


def test_line_chart():
    ax = plot_films_per_year(MOVIES).axes[0]
    all_films, high = ax.get_lines()
    assert list(all_films.get_xdata()) == [2001, 2002, 2003]
    assert list(all_films.get_ydata()) == [2, 0, 1]
    assert list(high.get_ydata()) == [1, 0, 1]
    assert ax.get_title() == "Films per year"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Year", "Films")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "All films",
        "Rated 8.5+",
    ]
    assert ax.get_xlim() == (2001, 2003)


def test_mean_rating_by_genre_sorted():
    got = mean_rating_by_genre(MOVIES)
    assert list(got.index) == ["Drama", "Comedy"]
    assert list(got) == pytest.approx([8.8, 8.0])


def test_bar_chart():
    ax = plot_genre_ratings(MOVIES).axes[0]
    assert [b.get_height() for b in ax.patches] == pytest.approx([8.8, 8.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Drama", "Comedy"]
    assert ax.get_title() == "Mean rating by genre"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Genre", "Mean rating")
    assert ax.get_ylim() == (0, 10)


def test_histogram_and_scatter():
    fig = plot_rating_votes(MOVIES, bins=2)
    top, bottom = fig.axes
    assert [b.get_height() for b in top.patches] == [1, 2]
    assert bottom.collections[0].get_offsets().tolist() == [
        [9.0, 1000],
        [8.0, 50000],
        [8.6, 300],
    ]
    assert bottom.get_yscale() == "log"
    assert top.get_shared_x_axes().joined(top, bottom)
    assert fig.get_suptitle() == "Ratings and votes"
    assert top.get_title() == "Ratings"
    assert bottom.get_title() == "Votes by rating"


@pytest.mark.parametrize("bins", [0, 1.5, True])
def test_bad_bins(bins):
    with pytest.raises(ValueError):
        plot_rating_votes(MOVIES, bins=bins)


@pytest.mark.parametrize(
    "table",
    [MOVIES.iloc[0:0], MOVIES.drop(columns=["rating"]), {"rating": [1.0]}],
    ids=["empty", "no-rating", "dict"],
)
def test_bad_tables(table):
    with pytest.raises(ValueError):
        mean_rating_by_genre(table)


def test_report_writes_files_and_closes_figures(tmp_path):
    got = save_report(MOVIES, tmp_path / "charts")
    assert [p.name for p in got] == [
        "films_per_year.png",
        "films_per_year.svg",
        "genre_ratings.png",
        "genre_ratings.svg",
        "rating_votes.png",
        "rating_votes.svg",
    ]
    assert got[0].read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in got[1].read_bytes()
    assert plt.get_fignums() == []


def test_report_refuses_unknown_format(tmp_path):
    with pytest.raises(ValueError):
        save_report(MOVIES, tmp_path, ["jpg"])


def test_report_closes_figure_when_saving_fails(tmp_path):
    (tmp_path / "films_per_year.png").mkdir()
    with pytest.raises(OSError):
        save_report(MOVIES, tmp_path)
    assert plt.get_fignums() == []
