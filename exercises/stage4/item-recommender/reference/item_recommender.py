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
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
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


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RatingsError(f"{what} must be a non-blank string, got {value!r}")
    return value


def validate_rating(value: object) -> float:
    """Return ``value`` as a float if it is a valid rating, else raise RatingsError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RatingsError(f"rating must be a number, got {value!r}")
    number = float(value)
    if not MIN_RATING <= number <= MAX_RATING:
        raise RatingsError(
            f"rating must be between {MIN_RATING} and {MAX_RATING}, got {value!r}"
        )
    return number


def load_ratings(path: str | Path) -> list[tuple[str, str, float]]:
    """Read a ``user_id,item_id,rating`` CSV file into (user, item, rating) triples."""
    triples: list[tuple[str, str, float]] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != HEADER:
            raise RatingsError(f"{path}: line 1: expected header {','.join(HEADER)}")
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            if len(row) != 3:
                raise RatingsError(f"{path}: line {line}: expected 3 fields")
            user, item, text = row
            try:
                _check_id(user, "user_id")
                _check_id(item, "item_id")
                try:
                    number = float(text)
                except ValueError:
                    raise RatingsError(f"rating {text!r} is not a number") from None
                rating = validate_rating(number)
            except RatingsError as exc:
                raise RatingsError(f"{path}: line {line}: {exc}") from exc
            triples.append((user, item, rating))
    return triples


# --------------------------------------------------------------------- task 2


def _check_count(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


class ItemCF:
    """Item-item collaborative filtering with shrunk cosine similarity."""

    def __init__(
        self, min_common: int = 2, shrinkage: float = 10.0, neighbours: int = 20
    ) -> None:
        """Store the hyper-parameters; raise ValueError when one is invalid."""
        self.min_common = _check_count(min_common, "min_common", 1)
        if (
            isinstance(shrinkage, bool)
            or not isinstance(shrinkage, (int, float))
            or not math.isfinite(shrinkage)
            or shrinkage < 0
        ):
            raise ValueError(f"shrinkage must be a finite number >= 0: {shrinkage!r}")
        self.shrinkage = float(shrinkage)
        self.neighbours = _check_count(neighbours, "neighbours", 1)
        self._fitted = False

    # ----------------------------------------------------------------- fit

    def fit(self, ratings: Iterable[tuple[str, str, float]]) -> ItemCF:
        """Learn similarities from (user, item, rating) triples; return self."""
        by_user: dict[str, dict[str, float]] = {}
        for triple in ratings:
            try:
                user, item, rating = triple
            except (TypeError, ValueError):
                raise RatingsError(f"expected (user, item, rating), got {triple!r}")
            _check_id(user, "user_id")
            _check_id(item, "item_id")
            by_user.setdefault(user, {})[item] = validate_rating(rating)
        if not by_user:
            raise RatingsError("no ratings to fit")

        norms: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        dots: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        common: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for seen in by_user.values():
            pairs = sorted(seen.items())
            for index, (a, ra) in enumerate(pairs):
                norms[a] += ra * ra
                counts[a] += 1
                for b, rb in pairs[index + 1 :]:
                    dots[a][b] += ra * rb
                    common[a][b] += 1

        sims: dict[str, dict[str, float]] = {item: {} for item in counts}
        for a, row in dots.items():
            for b, dot in row.items():
                shared = common[a][b]
                if shared < self.min_common:
                    continue
                cosine = dot / (math.sqrt(norms[a]) * math.sqrt(norms[b]))
                value = cosine * shared / (shared + self.shrinkage)
                if value > 0:
                    sims[a][b] = value
                    sims[b][a] = value

        self._ratings = by_user
        self._sims = sims
        self._ranked = {
            item: sorted(row.items(), key=lambda pair: (-pair[1], pair[0]))
            for item, row in sims.items()
        }
        self._popular = sorted(counts, key=lambda item: (-counts[item], item))
        self._counts = dict(counts)
        self._fitted = True
        return self

    def _require_fitted(self) -> None:
        if not self._fitted:
            raise NotFittedError("call fit() first")

    def _require_item(self, item: str) -> None:
        self._require_fitted()
        if item not in self._sims:
            raise UnknownItemError(item)

    @property
    def items(self) -> list[str]:
        """Every item id seen by ``fit``, sorted."""
        self._require_fitted()
        return sorted(self._sims)

    def similarity(self, a: str, b: str) -> float:
        """The shrunk cosine similarity of two known items (1.0 when a == b)."""
        self._require_item(a)
        self._require_item(b)
        if a == b:
            return 1.0
        return self._sims[a].get(b, 0.0)

    def similar_items(self, item: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` most similar items (similarity > 0), best first, ties by id."""
        self._require_item(item)
        _check_count(k, "k", 0)
        return self._ranked[item][:k]

    # ----------------------------------------------------------- tasks 3-4

    def popular_items(self, k: int) -> list[tuple[str, int]]:
        """The ``k`` most rated items with their rating counts, ties by id."""
        self._require_fitted()
        _check_count(k, "k", 0)
        return [(item, self._counts[item]) for item in self._popular[:k]]

    def recommend(
        self, user_id: str, k: int, exclude_seen: bool = True
    ) -> list[tuple[str, float]]:
        """Up to ``k`` (item, score) pairs for ``user_id``, best first."""
        self._require_fitted()
        _check_count(k, "k", 0)
        seen = self._ratings.get(user_id, {})
        scores: dict[str, float] = defaultdict(float)
        for j, rating in seen.items():
            for i, sim in self._ranked[j][: self.neighbours]:
                scores[i] += sim * rating
        if exclude_seen:
            for j in seen:
                scores.pop(j, None)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:k]
        if len(ranked) < k:
            for item in self._popular:
                if item in scores or (exclude_seen and item in seen):
                    continue
                ranked.append((item, 0.0))
                if len(ranked) == k:
                    break
        return ranked
