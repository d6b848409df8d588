"""Own tests of vector_recall: small hand cases and a seeded corpus."""

import numpy as np
import pytest

from vector_recall import (
    IVFIndex,
    assign,
    cosine_scores,
    evaluate,
    exact_top_k,
    kmeans,
    normalize,
    recall_at_k,
)


def make_corpus(n, dim=32, n_topics=40, seed=7, noise=1.2):
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(n_topics, dim))
    labels = rng.integers(0, n_topics, size=n)
    return topics[labels] + noise * rng.normal(size=(n, dim))


def test_normalize_keeps_zero_rows():
    got = normalize([[3.0, 4.0], [0.0, 0.0]])
    assert got.tolist() == [[0.6, 0.8], [0.0, 0.0]]


def test_cosine_scores_zero_row_scores_zero():
    got = cosine_scores([1.0, 0.0], [[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    assert got.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "query,vectors",
    [([0.0, 0.0], [[1.0, 0.0]]), ([1.0], [[1.0, 0.0]]), ([1.0, 0.0], [[np.nan, 1]])],
    ids=["zero-query", "dim", "nan"],
)
def test_cosine_scores_reject_bad_input(query, vectors):
    with pytest.raises(ValueError):
        cosine_scores(query, vectors)


def test_exact_top_k_ties_and_k_above_n():
    vectors = [[0.0, 1.0], [2.0, 0.0], [1.0, 0.0], [0.0, 0.0]]
    assert exact_top_k([1.0, 0.0], vectors, 10).tolist() == [1, 2, 0, 3]


@pytest.mark.parametrize("k", [0, True, 1.5], ids=["zero", "bool", "float"])
def test_exact_top_k_rejects_bad_k(k):
    with pytest.raises(ValueError):
        exact_top_k([1.0, 0.0], [[1.0, 0.0]], k)


def test_assign_ties_go_to_the_first_centroid():
    got = assign([[1.0, 1.0], [0.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]])
    assert got.tolist() == [0, 1]


def test_kmeans_fixed_point():
    data = make_corpus(200, dim=8, n_topics=4, seed=1, noise=0.3)
    centroids = kmeans(data, 4, seed=0, n_iter=100)
    unit = normalize(data)
    labels = assign(unit, centroids)
    for c in range(4):
        mean = unit[labels == c].sum(axis=0)
        np.testing.assert_allclose(centroids[c], mean / np.linalg.norm(mean))


def test_kmeans_rejects_too_many_lists():
    with pytest.raises(ValueError):
        kmeans([[1.0, 0.0], [0.0, 0.0]], 2)


def test_full_probe_is_exact():
    data = make_corpus(300, dim=8, n_topics=5, seed=2)
    index = IVFIndex(n_lists=5, n_probe=5).fit(data)
    ids, scanned = index.search(data[0], 10)
    assert scanned == 300
    assert ids.tolist() == exact_top_k(data[0], data, 10).tolist()


def test_index_errors():
    with pytest.raises(ValueError):
        IVFIndex(n_lists=2, n_probe=3)
    with pytest.raises(RuntimeError):
        IVFIndex(n_lists=2, n_probe=1).search([1.0], 1)


def test_recall_at_k():
    assert recall_at_k([[1, 2], [3]], [[1, 5], [3]], 2) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        recall_at_k([], [], 1)
    with pytest.raises(ValueError):
        recall_at_k([[1]], [[]], 1)


def test_ivf_meets_recall_target():
    data = make_corpus(4000)
    rng = np.random.default_rng(107)
    queries = data[rng.choice(4000, 20, replace=False)] + 0.3 * rng.normal(
        size=(20, 32)
    )
    index = IVFIndex(n_lists=40, n_probe=4).fit(data)
    recall, share = evaluate(index, data, queries, 10)
    assert recall >= 0.9 and share <= 0.2
