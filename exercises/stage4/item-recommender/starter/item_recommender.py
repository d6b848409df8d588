"""Item-based collaborative filtering with precomputed neighbours.

``ItemCF`` learns, from explicit ratings, how similar every pair of items is
(cosine similarity over the users who rated both, shrunk towards 0 when few
users are shared), keeps for every item its neighbours sorted by similarity,
and answers ``recommend`` and ``similar_items`` from those precomputed lists so
that one request costs a few hundred dictionary operations, not a pass over the
whole rating matrix. Users the model knows nothing about get the most popular
items instead (cold start).

    ratings = load_ratings("data/ratings.csv")
    model = ItemCF(min_common=2, shrinkage=10.0, neighbours=20).fit(ratings)
    model.recommend("u0001", 10)      # [("i0042", 17.3), ...]
    model.similar_items("i0042", 5)   # [("i0007", 0.41), ...]

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports and private
helpers as you need them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

MIN_RATING = 0.5
MAX_RATING = 5.0
HEADER = ["user_id", "item_id", "rating"]


class RatingsError(ValueError):
    """The ratings (a file or the triples given to ``fit``) are not valid."""


class UnknownItemError(KeyError):
    """An item id that the fitted model has never seen."""


class NotFittedError(RuntimeError):
    """A query method was called before ``fit``."""


# --------------------------------------------------------------------- task 1


def validate_rating(value: object) -> float:
    """Return ``value`` as a float if it is a valid rating.

    A valid rating is an ``int`` or ``float`` (not a ``bool``) with
    ``MIN_RATING <= value <= MAX_RATING`` (so NaN is invalid).

    Raises:
        RatingsError: for anything else.
    """
    raise NotImplementedError


def load_ratings(path: str | Path) -> list[tuple[str, str, float]]:
    """Read a ``user_id,item_id,rating`` CSV file into (user, item, rating) triples.

    The first line must be exactly the header ``user_id,item_id,rating``. Empty
    lines are skipped. Ids must not be blank; ratings are validated with
    :func:`validate_rating`.

    Raises:
        RatingsError: bad header or bad row; the message contains ``line N``
            (N is the 1-based line number in the file).
    """
    raise NotImplementedError


# ------------------------------------------------------------------ tasks 2-5


class ItemCF:
    """Item-item collaborative filtering with shrunk cosine similarity."""

    def __init__(
        self, min_common: int = 2, shrinkage: float = 10.0, neighbours: int = 20
    ) -> None:
        """Store the hyper-parameters.

        Raises:
            ValueError: ``min_common`` or ``neighbours`` not an int >= 1 (bools
                rejected), or ``shrinkage`` not a finite number >= 0.
        """
        raise NotImplementedError

    def fit(self, ratings: Iterable[tuple[str, str, float]]) -> ItemCF:
        """Learn similarities and neighbour lists from (user, item, rating) triples.

        A later rating of the same (user, item) pair replaces the earlier one.
        Do all the expensive work here, so that the query methods are cheap.

        Returns:
            ``self``.

        Raises:
            RatingsError: an invalid triple, or no ratings at all.
        """
        raise NotImplementedError

    @property
    def items(self) -> list[str]:
        """Every item id seen by ``fit``, sorted ascending."""
        raise NotImplementedError

    def similarity(self, a: str, b: str) -> float:
        """The shrunk cosine similarity of two known items (1.0 when ``a == b``).

        Raises:
            NotFittedError: before ``fit``.
            UnknownItemError: ``a`` or ``b`` was not in the ratings.
        """
        raise NotImplementedError

    def similar_items(self, item: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` most similar items with similarity > 0, best first.

        Equal similarities are ordered by item id ascending; the item itself is
        never listed.

        Raises:
            NotFittedError: before ``fit``.
            UnknownItemError: ``item`` was not in the ratings.
            ValueError: ``k`` is not an int >= 0.
        """
        raise NotImplementedError

    def popular_items(self, k: int) -> list[tuple[str, int]]:
        """The ``k`` most rated items as (item, number of ratings), ties by id.

        Raises:
            NotFittedError: before ``fit``.
            ValueError: ``k`` is not an int >= 0.
        """
        raise NotImplementedError

    def recommend(
        self, user_id: str, k: int, exclude_seen: bool = True
    ) -> list[tuple[str, float]]:
        """Up to ``k`` (item, score) pairs for ``user_id``, best first.

        See the instructions for the exact scoring, the tie-breaking and the
        popularity back-fill (cold start).

        Raises:
            NotFittedError: before ``fit``.
            ValueError: ``k`` is not an int >= 0.
        """
        raise NotImplementedError
