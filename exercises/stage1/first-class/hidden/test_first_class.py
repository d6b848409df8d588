"""Hidden tests of first_class.Track: init, repr, eq, properties, classmethod."""

import pytest

from first_class import Track

# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_init_stores_the_stripped_fields():
    """Track(title, artist, seconds) keeps the values, title and artist stripped"""
    track = Track("  Yesterday ", "The Beatles", 125)
    assert track.title == "Yesterday"
    assert track.artist == "The Beatles"
    assert track.seconds == 125
    assert Track("一", "二", 0).seconds == 0


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "title, artist",
    [(None, "A"), ("T", 7), (["T"], "A"), (b"T", "A")],
    ids=["title-none", "artist-int", "title-list", "title-bytes"],
)
@pytest.mark.core
def test_init_refuses_text_of_the_wrong_type(title, artist):
    """A title or artist that is not a str raises TypeError"""
    with pytest.raises(TypeError):
        Track(title, artist, 60)


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "title, artist, word",
    [("", "A", "title"), ("   ", "A", "title"), ("T", "\t", "artist")],
    ids=["empty-title", "spaces-title", "tab-artist"],
)
def test_init_refuses_blank_text(title, artist, word):
    """A blank title or artist raises ValueError naming the field"""
    with pytest.raises(ValueError, match=word):
        Track(title, artist, 60)


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "seconds, error",
    [(-1, ValueError), (2.5, TypeError), ("60", TypeError), (True, TypeError)],
    ids=["negative", "float", "str", "bool"],
)
@pytest.mark.core
def test_init_refuses_bad_seconds(seconds, error):
    """seconds must be an int (not a bool) of 0 or more"""
    with pytest.raises(error):
        Track("T", "A", seconds)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_repr_reads_like_the_call_that_made_it():
    """repr(track) is Track('title', 'artist', seconds)"""
    assert repr(Track("Yesterday", "The Beatles", 125)) == (
        "Track('Yesterday', 'The Beatles', 125)"
    )


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "title, artist, seconds",
    [("It's", "Ann", 1), ('Say "hi"', "Bo", 0), ("月亮", "歌手", 3600)],
    ids=["apostrophe", "double-quotes", "chinese"],
)
def test_repr_round_trips_through_eval(title, artist, seconds):
    """eval(repr(track)) builds an equal track, quotes and Chinese included"""
    track = Track(title, artist, seconds)
    assert eval(repr(track), {"Track": Track}) == track


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_equal_when_every_field_is_equal():
    """Two tracks with the same title, artist and seconds are equal"""
    assert Track("T", "A", 60) == Track(" T ", "A", 60)
    assert not Track("T", "A", 60) != Track("T", "A", 60)


@pytest.mark.task(2)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "other",
    [("U", "A", 60), ("T", "B", 60), ("T", "A", 61)],
    ids=["title", "artist", "seconds"],
)
@pytest.mark.core
def test_different_when_one_field_differs(other):
    """Tracks that differ in one field are not equal"""
    assert Track("T", "A", 60) != Track(*other)
    assert not Track("T", "A", 60) == Track(*other)


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_never_equal_to_other_types():
    """A track is not equal to a tuple, a string or None (and == does not raise)"""
    track = Track("T", "A", 60)
    for other in [("T", "A", 60), "Track('T', 'A', 60)", None, 60]:
        assert (track == other) is False, f"for {other!r}"
        assert (track != other) is True, f"for {other!r}"


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "seconds, length",
    [
        (0, "0:00"),
        (5, "0:05"),
        (59, "0:59"),
        (60, "1:00"),
        (125, "2:05"),
        (3600, "60:00"),
        (3671, "61:11"),
    ],
    ids=["zero", "five", "fifty-nine", "one-minute", "two-o-five", "hour", "past-hour"],
)
@pytest.mark.core
def test_length_formats_minutes_and_seconds(seconds, length):
    """length is M:SS, seconds always two digits"""
    assert Track("T", "A", seconds).length == length


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_setting_seconds_is_validated_and_updates_length():
    """Assigning seconds validates it; length follows the new value"""
    track = Track("T", "A", 60)
    track.seconds = 90
    assert track.seconds == 90
    assert track.length == "1:30"
    for bad, error in [(-5, ValueError), (1.5, TypeError), (False, TypeError)]:
        with pytest.raises(error):
            track.seconds = bad
        assert track.seconds == 90, f"a refused {bad!r} changed seconds"


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_length_is_read_only():
    """Assigning to length raises AttributeError (it is computed from seconds)"""
    track = Track("T", "A", 60)
    with pytest.raises(AttributeError):
        track.length = "9:99"
    assert track.length == "1:00"


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_changed_seconds_show_in_repr_and_equality():
    """After track.seconds = 61, repr and == use the new value"""
    track = Track("T", "A", 60)
    track.seconds = 61
    assert repr(track) == "Track('T', 'A', 61)"
    assert track == Track("T", "A", 61)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "line, expected",
    [
        ("The Beatles - Yesterday (2:05)", ("Yesterday", "The Beatles", 125)),
        ("  周杰伦 - 晴天 (4:29)  ", ("晴天", "周杰伦", 269)),
        ("A - B - C (0:00)", ("B - C", "A", 0)),
        ("Band - Long Song (12:34)", ("Long Song", "Band", 754)),
        ("X - Y (0:59)", ("Y", "X", 59)),
    ],
    ids=["beatles", "chinese-padded", "dash-in-title", "two-digit-minutes", "max-ss"],
)
@pytest.mark.core
def test_from_line_parses_artist_title_and_length(line, expected):
    """from_line reads 'ARTIST - TITLE (M:SS)'; the artist ends at the first ' - '"""
    assert Track.from_line(line) == Track(*expected)


@pytest.mark.task(4)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "line",
    [
        "Yesterday (2:05)",
        "The Beatles - Yesterday",
        "The Beatles - Yesterday (2:5)",
        "The Beatles - Yesterday (2:60)",
        "The Beatles - Yesterday (two:05)",
        " - Yesterday (2:05)",
        "The Beatles - Yesterday (2:05) extra",
        "",
    ],
    ids=[
        "no-artist",
        "no-length",
        "one-digit-ss",
        "ss-60",
        "word-minutes",
        "blank-artist",
        "trailing-text",
        "empty",
    ],
)
@pytest.mark.core
def test_from_line_refuses_other_shapes(line):
    """Track.from_line raises ValueError for a line of another shape"""
    with pytest.raises(ValueError):
        Track.from_line(line)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_from_line_error_quotes_the_line():
    """from_line's ValueError message quotes the line it could not read"""
    with pytest.raises(ValueError, match="Yesterday 2-05"):
        Track.from_line("Yesterday 2-05")


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_from_line_on_a_subclass_builds_the_subclass():
    """LiveTrack.from_line(...) returns a LiveTrack: the classmethod uses cls"""

    class LiveTrack(Track):
        venue = "stage"

    track = LiveTrack.from_line("Queen - Bohemian Rhapsody (5:55)")
    assert isinstance(track, LiveTrack)
    assert track.venue == "stage"
    assert track.seconds == 355
