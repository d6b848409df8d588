"""A first class: a music track with validation, a readable repr and equality.

``Track`` shows the parts almost every class needs: ``__init__`` that refuses
bad data, ``__repr__`` for debugging, ``__eq__`` for comparing by value, a
property that validates on assignment, a read-only computed property and a
classmethod that builds an instance from text::

    >>> song = Track.from_line("The Beatles - Yesterday (2:05)")
    >>> song
    Track('Yesterday', 'The Beatles', 125)
    >>> song.length
    '2:05'
"""

from __future__ import annotations

import re

# "ARTIST - TITLE (M:SS)": the artist ends at the first " - ".
LINE_PATTERN = re.compile(
    r"(?P<artist>.+?) - (?P<title>.+) \((?P<minutes>\d+):(?P<seconds>\d\d)\)"
)
SECONDS_PER_MINUTE = 60


def _text(value: object, what: str) -> str:
    """Return ``value`` stripped; TypeError if not a str, ValueError if blank."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{what} must not be blank")
    return value.strip()


class Track:
    """A song: a title, an artist and a length in whole seconds."""

    def __init__(self, title: str, artist: str, seconds: int) -> None:
        """Store the stripped title and artist and the length.

        Raises:
            TypeError: if title or artist is not a str, or seconds not an int.
            ValueError: if title or artist is blank, or seconds is negative.
        """
        self.title = _text(title, "title")
        self.artist = _text(artist, "artist")
        self.seconds = seconds  # validated by the property's setter

    @property
    def seconds(self) -> int:
        """The length in whole seconds."""
        return self._seconds

    @seconds.setter
    def seconds(self, value: int) -> None:
        """Set the length: an int (not a bool) that is 0 or more."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"seconds must be an int, got {type(value).__name__}")
        if value < 0:
            raise ValueError(f"seconds must be >= 0, got {value}")
        self._seconds = value

    @property
    def length(self) -> str:
        """The length as ``M:SS`` (``125`` seconds is ``"2:05"``); read-only."""
        minutes, seconds = divmod(self._seconds, SECONDS_PER_MINUTE)
        return f"{minutes}:{seconds:02d}"

    def __repr__(self) -> str:
        """``Track('Yesterday', 'The Beatles', 125)``: valid Python for this track."""
        return f"Track({self.title!r}, {self.artist!r}, {self.seconds!r})"

    def __eq__(self, other: object) -> bool:
        """Tracks are equal when title, artist and seconds are all equal."""
        if not isinstance(other, Track):
            return NotImplemented
        return (self.title, self.artist, self.seconds) == (
            other.title,
            other.artist,
            other.seconds,
        )

    @classmethod
    def from_line(cls, line: str) -> Track:
        """Build a track from ``"ARTIST - TITLE (M:SS)"``.

        Returns an instance of ``cls``, so a subclass gets its own type.

        Raises:
            ValueError: if the line does not have that shape or SS is 60 or more.
        """
        found = LINE_PATTERN.fullmatch(line.strip())
        if found is None:
            raise ValueError(f"expected 'ARTIST - TITLE (M:SS)', got {line!r}")
        seconds = int(found["seconds"])
        if seconds >= SECONDS_PER_MINUTE:
            raise ValueError(f"seconds part must be below 60 in {line!r}")
        minutes = int(found["minutes"])
        return cls(
            found["title"], found["artist"], minutes * SECONDS_PER_MINUTE + seconds
        )
