"""Vector recall: exact top-k by cosine similarity and an IVF index.

The exact search scores every vector; the IVF index (inverted file) clusters
the vectors with k-means and, for a query, scores only the members of the
``n_probe`` clusters whose centroids are closest. Recall@k says how much of the
exact answer the shortcut keeps; ``scanned`` says how much work it saved.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def normalize(vectors: Any) -> np.ndarray:
    """Scale every row to length 1; a zero row stays zero (never NaN).

    ``ValueError`` unless ``vectors`` is a non-empty, finite 2-D array.
    """
    raise NotImplementedError


def cosine_scores(query: Any, vectors: Any) -> np.ndarray:
    """Cosine similarity of ``query`` with every row; a zero row scores 0.0.

    ``ValueError`` for a query that is not 1-D of the rows' length, holds NaN
    or inf, or is the zero vector.
    """
    raise NotImplementedError


def exact_top_k(query: Any, vectors: Any, k: int) -> np.ndarray:
    """Indices of the ``k`` rows most similar to ``query``.

    Ties go to the smaller index; ``k`` larger than the number of rows
    returns every row. ``ValueError`` unless ``k`` is an int >= 1.
    """
    raise NotImplementedError


def kmeans(vectors: Any, n_lists: int, seed: int = 0, n_iter: int = 20) -> np.ndarray:
    """Spherical k-means: ``n_lists`` unit-length centroids.

    Start from the normalised rows ``rng.choice(nonzero, n_lists,
    replace=False)`` (``rng = np.random.default_rng(seed)``, ``nonzero`` the
    indices of the non-zero rows); then repeat at most ``n_iter`` times:
    replace each centroid by the normalised mean of its normalised members
    (an empty list keeps its centroid), reassign every row, and stop early when
    no assignment changed.
    """
    raise NotImplementedError


def assign(vectors: Any, centroids: Any) -> np.ndarray:
    """The index of the most similar centroid of every row (ties: smallest)."""
    raise NotImplementedError


class IVFIndex:
    """An inverted-file index over cosine similarity.

    After ``fit``: ``centroids`` is the ``(n_lists, dim)`` array of unit
    centroids and ``lists[c]`` the sorted row ids filed under centroid ``c``.
    """

    def __init__(self, n_lists: int, n_probe: int, seed: int = 0) -> None:
        raise NotImplementedError

    def fit(self, vectors: Any) -> "IVFIndex":
        """Cluster ``vectors`` and file every row under its nearest centroid."""
        raise NotImplementedError

    def search(self, query: Any, k: int) -> tuple[np.ndarray, int]:
        """The ``k`` best ids among the probed lists and how many were scored."""
        raise NotImplementedError


def recall_at_k(
    approx: Sequence[Sequence[int]], exact: Sequence[Sequence[int]], k: int
) -> float:
    """Mean over queries of |approx[:k] & exact[:k]| / len(exact[:k])."""
    raise NotImplementedError


def evaluate(
    index: IVFIndex, vectors: Any, queries: Any, k: int
) -> tuple[float, float]:
    """Recall@k of ``index`` against exact search, and the mean share scanned."""
    raise NotImplementedError
