import pytest

from first_class import Track


def test_init_and_repr():
    track = Track(" Yesterday ", "The Beatles", 125)
    assert repr(track) == "Track('Yesterday', 'The Beatles', 125)"
    assert eval(repr(track), {"Track": Track}) == track


@pytest.mark.parametrize(
    "args, error",
    [
        ((None, "A", 1), TypeError),
        (("T", " ", 1), ValueError),
        (("T", "A", -1), ValueError),
        (("T", "A", True), TypeError),
    ],
    ids=["title-none", "blank-artist", "negative", "bool"],
)
def test_init_refuses(args, error):
    with pytest.raises(error):
        Track(*args)


def test_equality():
    assert Track("T", "A", 1) == Track("T", "A", 1)
    assert Track("T", "A", 1) != Track("T", "A", 2)
    assert Track("T", "A", 1) != ("T", "A", 1)


def test_seconds_setter_and_length():
    track = Track("T", "A", 59)
    assert track.length == "0:59"
    track.seconds = 3671
    assert track.length == "61:11"
    with pytest.raises(ValueError):
        track.seconds = -1
    with pytest.raises(AttributeError):
        track.length = "1:00"


def test_from_line():
    assert Track.from_line("A - B - C (1:05)") == Track("B - C", "A", 65)
    with pytest.raises(ValueError):
        Track.from_line("A - B (1:60)")
    with pytest.raises(ValueError):
        Track.from_line("A B (1:00)")

    class Live(Track):
        pass

    assert isinstance(Live.from_line("A - B (0:01)"), Live)
