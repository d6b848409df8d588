"""Hidden tests: each has a task marker, points, and a docstring title.

`core` marks the tests that carry a task's lesson: the task's gate needs them to pass.
The figures stay in the submission's process; the tests read them through their methods
(the artists' data crosses as numpy arrays and strings).
"""

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grader.testing import student_module
from movie_charts import (
    films_per_year,
    mean_rating_by_genre,
    plot_films_per_year,
    plot_genre_ratings,
    plot_rating_votes,
    save_report,
)

MOVIES = pd.read_csv(Path("data") / "movies.csv")
YEARS = list(range(int(MOVIES["year"].min()), int(MOVIES["year"].max()) + 1))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    """Each test starts and ends with no open figure in the submission's process."""
    plt = student_module("matplotlib.pyplot")
    plt.close("all")
    yield plt
    plt.close("all")


def per_year(rows):
    counts = Counter(int(y) for y in rows["year"])
    return [counts.get(y, 0) for y in YEARS]


def genre_means():
    sums = {}
    for genre, rating in zip(MOVIES["genre"], MOVIES["rating"]):
        total, n = sums.get(genre, (0.0, 0))
        sums[genre] = (total + rating, n + 1)
    means = {g: t / n for g, (t, n) in sums.items()}
    return sorted(means.items(), key=lambda item: (-item[1], item[0]))


def floats(values):
    return list(np.asarray(values, dtype=float))


def only_axes(fig):
    axes = list(fig.axes)
    assert len(axes) == 1, f"expected one Axes, the figure has {len(axes)}"
    return axes[0]


def texts(labels):
    return [label.get_text() for label in labels]


def small(rows):
    return pd.DataFrame(
        rows, columns=["year", "genre", "rating", "votes", "box_office"]
    ).astype({"year": int, "rating": float, "votes": int, "box_office": float})


SMALL = small(
    [
        (2001, "Drama", 9.0, 1000, 1.0),
        (2001, "Comedy", 8.0, 50000, 2.0),
        (2004, "Drama", 8.6, 300, 3.0),
        (2004, "Western", 8.0, 20, 4.0),
    ]
)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize(
    "min_rating", [0.0, 8.5, 9.0, 9.9], ids=["all", "8.5+", "9.0+", "none-left"]
)
def test_films_per_year_counts_every_year(min_rating):
    """films_per_year counts films per year, a year without films as 0"""
    got = films_per_year(MOVIES, min_rating)
    assert [int(y) for y in got.index] == YEARS
    assert [int(v) for v in got] == per_year(MOVIES[MOVIES["rating"] >= min_rating])
    assert got.name == "films" and got.index.name == "year"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_films_per_year_on_a_small_table():
    """films_per_year fills the years between the first and last with zeros"""
    got = films_per_year(SMALL)
    assert list(got.index) == [2001, 2002, 2003, 2004]
    assert list(got) == [2, 0, 0, 2]
    assert list(films_per_year(SMALL, 8.6)) == [1, 0, 0, 1]


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_line_chart_data():
    """plot_films_per_year draws all films and rated 8.5+ per year as two lines"""
    ax = only_axes(plot_films_per_year(MOVIES))
    lines = list(ax.get_lines())
    assert len(lines) == 2
    assert floats(lines[0].get_xdata()) == YEARS
    assert floats(lines[0].get_ydata()) == per_year(MOVIES)
    assert floats(lines[1].get_xdata()) == YEARS
    assert floats(lines[1].get_ydata()) == per_year(MOVIES[MOVIES["rating"] >= 8.5])


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("threshold", [8.0, 9.0], ids=["8.0", "9.0"])
def test_line_chart_threshold(threshold):
    """plot_films_per_year's second line and its legend follow the threshold"""
    ax = only_axes(plot_films_per_year(MOVIES, threshold=threshold))
    high = MOVIES[MOVIES["rating"] >= threshold]
    assert floats(ax.get_lines()[1].get_ydata()) == per_year(high)
    assert texts(ax.get_legend().get_texts())[1] == f"Rated {threshold}+"


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_line_chart_labels_legend_and_limits():
    """The line chart has its title, axis labels, legend and x limits"""
    ax = only_axes(plot_films_per_year(MOVIES))
    assert ax.get_title() == "Films per year"
    assert ax.get_xlabel() == "Year"
    assert ax.get_ylabel() == "Films"
    legend = ax.get_legend()
    assert legend is not None, "the line chart has no legend"
    assert texts(legend.get_texts()) == ["All films", "Rated 8.5+"]
    assert floats(ax.get_xlim()) == [YEARS[0], YEARS[-1]]
    assert float(ax.get_ylim()[0]) == 0.0


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_mean_rating_by_genre_sorted():
    """mean_rating_by_genre gives each genre's mean, highest first"""
    got = mean_rating_by_genre(MOVIES)
    want = genre_means()
    assert list(got.index) == [g for g, _ in want]
    assert floats(got) == pytest.approx([m for _, m in want])


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_mean_rating_ties_by_name():
    """Genres with the same mean come in alphabetical order"""
    got = mean_rating_by_genre(SMALL)
    assert list(got.index) == ["Drama", "Comedy", "Western"]
    assert floats(got) == pytest.approx([8.8, 8.0, 8.0])


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_bar_chart_heights_and_ticks():
    """plot_genre_ratings draws a bar per genre, sorted, named on the x axis"""
    ax = only_axes(plot_genre_ratings(MOVIES))
    want = genre_means()
    bars = list(ax.patches)
    assert len(bars) == len(want)
    assert [b.get_height() for b in bars] == pytest.approx([m for _, m in want])
    positions = [b.get_x() + b.get_width() / 2 for b in bars]
    assert positions == sorted(positions)
    assert floats(ax.get_xticks()) == pytest.approx(positions)
    assert texts(ax.get_xticklabels()) == [g for g, _ in want]


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_bar_chart_labels_and_scale():
    """The bar chart has its title, axis labels and a 0-10 rating scale"""
    ax = only_axes(plot_genre_ratings(MOVIES))
    assert ax.get_title() == "Mean rating by genre"
    assert ax.get_xlabel() == "Genre"
    assert ax.get_ylabel() == "Mean rating"
    assert floats(ax.get_ylim()) == [0.0, 10.0]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("bins", [None, 4, 1], ids=["default-ten", "four", "one"])
def test_histogram_bins(bins):
    """The top subplot: a histogram of the ratings with the given bins, 10 by default"""
    fig = plot_rating_votes(MOVIES) if bins is None else plot_rating_votes(MOVIES, bins)
    bins = 10 if bins is None else bins
    top = list(fig.axes)[0]
    counts, edges = np.histogram(MOVIES["rating"].to_numpy(), bins=bins)
    bars = list(top.patches)
    assert [b.get_height() for b in bars] == list(counts)
    lefts = [b.get_x() for b in bars] + [bars[-1].get_x() + bars[-1].get_width()]
    assert lefts == pytest.approx(list(edges))


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_scatter_offsets_and_log_scale():
    """The bottom subplot scatters votes against rating on a log y axis"""
    fig = plot_rating_votes(MOVIES)
    axes = list(fig.axes)
    assert len(axes) == 2, f"expected two subplots, the figure has {len(axes)}"
    bottom = axes[1]
    offsets = np.asarray(bottom.collections[0].get_offsets().tolist(), dtype=float)
    assert offsets[:, 0].tolist() == MOVIES["rating"].tolist()
    assert offsets[:, 1].tolist() == MOVIES["votes"].astype(float).tolist()
    assert bottom.get_yscale() == "log"
    assert axes[0].get_yscale() == "linear"


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_subplots_share_x_and_are_labelled():
    """The two subplots share the x axis, stacked, each titled and labelled"""
    fig = plot_rating_votes(MOVIES)
    top, bottom = list(fig.axes)
    assert top.get_shared_x_axes().joined(top, bottom)
    assert top.get_position().y0 > bottom.get_position().y0, "the histogram is on top"
    assert top.get_title() == "Ratings" and top.get_ylabel() == "Films"
    assert bottom.get_title() == "Votes by rating"
    assert bottom.get_xlabel() == "Rating" and bottom.get_ylabel() == "Votes"
    assert fig.get_suptitle() == "Ratings and votes"


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "bins", [0, -3, 2.5, True, "10"], ids=["0", "neg", "float", "bool", "str"]
)
def test_bad_bins_rejected(bins):
    """plot_rating_votes raises ValueError for bins that are not a whole number >= 1"""
    with pytest.raises(ValueError):
        plot_rating_votes(MOVIES, bins=bins)


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "call",
    [films_per_year, mean_rating_by_genre, plot_rating_votes, plot_genre_ratings],
    ids=["films_per_year", "mean_rating", "rating_votes", "genre_ratings"],
)
@pytest.mark.parametrize("bad", ["empty", "no-rating", "not-a-frame"])
def test_bad_tables_rejected(call, bad):
    """Each function raises ValueError for an empty table, a missing column, a dict"""
    table = {
        "empty": MOVIES.iloc[0:0],
        "no-rating": MOVIES.drop(columns=["rating"]),
        "not-a-frame": MOVIES.to_dict("list"),
    }[bad]
    with pytest.raises(ValueError) as info:
        call(table)
    if bad == "no-rating":
        assert "rating" in str(info.value), "the message names the missing column"


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_report_saves_every_chart(tmp_path):
    """save_report writes each chart as PNG and SVG, by name, with the right format"""
    folder = tmp_path / "report" / "charts"
    got = [Path(p) for p in save_report(MOVIES, folder)]
    names = ["films_per_year", "genre_ratings", "rating_votes"]
    assert got == [folder / f"{n}.{ext}" for n in names for ext in ("png", "svg")]
    for path in got:
        data = path.read_bytes()
        assert len(data) > 0, f"{path.name} is empty"
        if path.suffix == ".png":
            assert data.startswith(PNG_MAGIC), f"{path.name} is not a PNG"
        else:
            head = data[:400].decode("utf-8", "replace")
            assert "<svg" in data.decode("utf-8", "replace"), f"{path.name} is not SVG"
            assert head.startswith("<?xml"), f"{path.name} does not start as XML"


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_report_leaves_no_figure_open(tmp_path, close_figures):
    """save_report closes every figure it opened and no other"""
    plt = close_figures
    kept = plot_genre_ratings(MOVIES)
    before = list(plt.get_fignums())
    save_report(MOVIES, tmp_path)
    assert list(plt.get_fignums()) == before
    assert plt.fignum_exists(kept.number)


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "formats, suffixes",
    [(["svg"], [".svg"]), (("svg", "png"), [".svg", ".png"])],
    ids=["svg-only", "svg-then-png"],
)
def test_report_formats(tmp_path, formats, suffixes, close_figures):
    """save_report writes only the formats asked for, in their order"""
    got = [Path(p) for p in save_report(MOVIES, tmp_path, formats)]
    assert [p.suffix for p in got] == suffixes * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in got)
    assert list(close_figures.get_fignums()) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "formats", [["jpg"], ["png", "pdf"], []], ids=["jpg", "pdf", "none"]
)
def test_report_rejects_formats(tmp_path, formats, close_figures):
    """save_report raises ValueError for unknown or no formats, writing nothing"""
    with pytest.raises(ValueError):
        save_report(MOVIES, tmp_path / "out", formats)
    assert not (tmp_path / "out").exists()
    assert list(close_figures.get_fignums()) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_report_closes_figures_when_saving_fails(tmp_path, close_figures):
    """save_report closes its figure even when saving it fails"""
    folder = tmp_path / "blocked"
    folder.mkdir()
    (folder / "films_per_year.png").mkdir()  # a folder where the file should go
    with pytest.raises(OSError):
        save_report(MOVIES, folder)
    assert list(close_figures.get_fignums()) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize("bad", ["empty", "no-genre"])
def test_report_rejects_bad_tables(tmp_path, bad, close_figures):
    """save_report raises ValueError for a bad table before creating its folder"""
    table = MOVIES.iloc[0:0] if bad == "empty" else MOVIES.drop(columns=["genre"])
    with pytest.raises(ValueError):
        save_report(table, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert list(close_figures.get_fignums()) == []
