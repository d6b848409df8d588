"""Vector recall: exact top-k by cosine similarity and an IVF index.

The exact search scores every vector; the IVF index (inverted file) clusters
the vectors with k-means and, for a query, scores only the members of the
``n_probe`` clusters whose centroids are closest. Recall@k says how much of the
exact answer the shortcut keeps; ``scanned`` says how much work it saved.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def _matrix(vectors: Any, name: str = "vectors") -> np.ndarray:
    """A 2-D float array with at least one row and no NaN or inf."""
    arr = np.asarray(vectors, dtype=float)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def _query(query: Any, dim: int) -> np.ndarray:
    """A 1-D finite query of length ``dim`` that is not the zero vector."""
    q = np.asarray(query, dtype=float)
    if q.ndim != 1 or q.shape[0] != dim:
        raise ValueError(f"query must be 1-D of length {dim}, got {q.shape}")
    if not np.all(np.isfinite(q)):
        raise ValueError("query contains NaN or inf")
    if not np.any(q):
        raise ValueError("query is the zero vector: it has no direction")
    return q


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    return int(k)


def normalize(vectors: Any) -> np.ndarray:
    """Scale every row to length 1; a zero row stays zero (never NaN)."""
    arr = _matrix(vectors)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    safe = np.where(norms == 0, 1.0, norms)
    return arr / safe


def cosine_scores(query: Any, vectors: Any) -> np.ndarray:
    """Cosine similarity of ``query`` with every row; a zero row scores 0.0."""
    arr = _matrix(vectors)
    q = _query(query, arr.shape[1])
    return normalize(arr) @ (q / np.linalg.norm(q))


def _rank(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best ids: score descending, then id ascending."""
    order = np.lexsort((ids, -scores))
    return ids[order[:k]]


def exact_top_k(query: Any, vectors: Any, k: int) -> np.ndarray:
    """Indices of the ``k`` rows most similar to ``query``.

    Ties go to the smaller index; ``k`` larger than the number of rows
    returns every row.
    """
    k = _check_k(k)
    scores = cosine_scores(query, vectors)
    return _rank(scores, np.arange(scores.shape[0]), k)


def kmeans(vectors: Any, n_lists: int, seed: int = 0, n_iter: int = 20) -> np.ndarray:
    """Spherical k-means: ``n_lists`` unit-length centroids.

    Start from the normalised rows ``rng.choice(nonzero, n_lists,
    replace=False)`` (``rng = np.random.default_rng(seed)``, ``nonzero`` the
    indices of the non-zero rows); then repeat at most ``n_iter`` times:
    replace each centroid by the normalised mean of its normalised members
    (an empty list keeps its centroid), reassign every row, and stop early when
    no assignment changed.
    """
    unit = normalize(vectors)
    _check_k(n_lists)
    _check_k(n_iter)
    nonzero = np.flatnonzero(np.any(unit != 0, axis=1))
    if n_lists > nonzero.shape[0]:
        raise ValueError(
            f"n_lists={n_lists} is more than the {nonzero.shape[0]} non-zero rows"
        )
    rng = np.random.default_rng(seed)
    centroids = unit[rng.choice(nonzero, n_lists, replace=False)].copy()
    assignment = assign(unit, centroids)
    for _ in range(n_iter):
        for c in range(n_lists):
            members = unit[assignment == c]
            if members.shape[0]:
                mean = members.sum(axis=0)
                norm = np.linalg.norm(mean)
                if norm > 0:
                    centroids[c] = mean / norm
        new = assign(unit, centroids)
        if np.array_equal(new, assignment):
            break
        assignment = new
    return centroids


def assign(vectors: Any, centroids: Any) -> np.ndarray:
    """The index of the most similar centroid of every row (ties: smallest)."""
    sims = normalize(vectors) @ normalize(centroids).T
    return np.argmax(sims, axis=1)


class IVFIndex:
    """An inverted-file index over cosine similarity."""

    def __init__(self, n_lists: int, n_probe: int, seed: int = 0) -> None:
        self.n_lists = _check_k(n_lists)
        self.n_probe = _check_k(n_probe)
        if self.n_probe > self.n_lists:
            raise ValueError(f"n_probe={n_probe} is more than n_lists={n_lists}")
        self.seed = seed
        self.centroids: np.ndarray | None = None
        self.lists: list[np.ndarray] = []
        self._unit: np.ndarray | None = None

    def fit(self, vectors: Any) -> "IVFIndex":
        """Cluster ``vectors`` and file every row under its nearest centroid."""
        unit = normalize(vectors)
        self.centroids = kmeans(unit, self.n_lists, seed=self.seed)
        labels = assign(unit, self.centroids)
        self.lists = [np.flatnonzero(labels == c) for c in range(self.n_lists)]
        self._unit = unit
        return self

    def search(self, query: Any, k: int) -> tuple[np.ndarray, int]:
        """The ``k`` best ids among the probed lists and how many were scored."""
        if self.centroids is None or self._unit is None:
            raise RuntimeError("call fit(vectors) before search")
        k = _check_k(k)
        # Scaling the query scales every score alike: no need to normalise it.
        q = _query(query, self._unit.shape[1])
        probe = _rank(self.centroids @ q, np.arange(self.n_lists), self.n_probe)
        ids = np.sort(np.concatenate([self.lists[c] for c in probe]))
        scores = self._unit[ids] @ q
        return _rank(scores, ids, k), int(ids.shape[0])


def recall_at_k(
    approx: Sequence[Sequence[int]], exact: Sequence[Sequence[int]], k: int
) -> float:
    """Mean over queries of |approx[:k] & exact[:k]| / len(exact[:k])."""
    k = _check_k(k)
    if len(approx) != len(exact) or len(exact) == 0:
        raise ValueError("approx and exact need the same, non-zero number of queries")
    total = 0.0
    for got, want in zip(approx, exact):
        truth = set(np.asarray(want).tolist()[:k])
        if not truth:
            raise ValueError("an exact answer is empty")
        total += len(truth & set(np.asarray(got).tolist()[:k])) / len(truth)
    return total / len(exact)


def evaluate(
    index: IVFIndex, vectors: Any, queries: Any, k: int
) -> tuple[float, float]:
    """Recall@k of ``index`` against exact search, and the mean share scanned."""
    arr = _matrix(vectors)
    qs = _matrix(queries, "queries")
    approx, exact, scanned = [], [], 0
    for q in qs:
        ids, seen = index.search(q, k)
        approx.append(ids)
        exact.append(exact_top_k(q, arr, k))
        scanned += seen
    return recall_at_k(approx, exact, k), scanned / (len(qs) * arr.shape[0])
