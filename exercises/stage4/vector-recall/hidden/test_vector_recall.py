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
    """The corpus recipe of the instructions: topic centres plus noise."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(n_topics, dim))
    labels = rng.integers(0, n_topics, size=n)
    return topics[labels] + noise * rng.normal(size=(n, dim))


def make_queries(data, m, seed):
    rng = np.random.default_rng(seed)
    picks = rng.choice(data.shape[0], m, replace=False)
    return data[picks] + 0.3 * rng.normal(size=(m, data.shape[1]))


def oracle_top_k(query, vectors, k):
    """Score every row, then sort by (-score, index)."""
    vectors = np.asarray(vectors, dtype=float)
    norms = np.linalg.norm(vectors, axis=1)
    scores = np.zeros(len(vectors))
    nz = norms > 0
    scores[nz] = vectors[nz] @ query / (norms[nz] * np.linalg.norm(query))
    order = sorted(range(len(vectors)), key=lambda i: (-round(scores[i], 12), i))
    return order[:k]


CORPUS = make_corpus(4000)
QUERIES = make_queries(CORPUS, 40, seed=107)
SMALL = make_corpus(300, dim=8, n_topics=6, seed=3, noise=0.3)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_normalize_gives_unit_rows_and_keeps_zero_rows():
    """normalize scales rows to length 1 and leaves a zero row zero, not NaN"""
    got = np.asarray(normalize([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]]))
    np.testing.assert_allclose(got, [[0.6, 0.8], [0.0, 0.0], [0.0, -1.0]])


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_cosine_scores_match_the_formula():
    """cosine_scores is dot(q, v) / (|q| |v|) for every row"""
    q = CORPUS[0] * 3.0
    got = np.asarray(cosine_scores(q, CORPUS[:200]))
    want = CORPUS[:200] @ q / (np.linalg.norm(CORPUS[:200], axis=1) * np.linalg.norm(q))
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_cosine_scores_of_a_zero_row_is_zero():
    """A zero vector in the corpus scores exactly 0.0, never NaN"""
    got = np.asarray(cosine_scores([1.0, 1.0], [[0.0, 0.0], [1.0, 1.0], [-1.0, 0.0]]))
    assert not np.isnan(got).any()
    np.testing.assert_allclose(got, [0.0, 1.0, -np.sqrt(0.5)], atol=1e-12)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_cosine_scores_ignore_length():
    """Scaling a row or the query leaves its cosine score unchanged"""
    base = np.asarray(cosine_scores(CORPUS[5], CORPUS[:50]))
    scaled = np.asarray(cosine_scores(CORPUS[5] * 0.01, CORPUS[:50] * 250.0))
    np.testing.assert_allclose(base, scaled, atol=1e-12)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "query,vectors",
    [
        ([0.0, 0.0], [[1.0, 0.0]]),
        ([1.0, 0.0, 0.0], [[1.0, 0.0]]),
        ([[1.0, 0.0]], [[1.0, 0.0]]),
        ([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0]]),
        ([1.0, 0.0], [1.0, 0.0]),
        ([1.0, 0.0], np.zeros((0, 2))),
        ([np.nan, 1.0], [[1.0, 0.0]]),
        ([1.0, 0.0], [[np.inf, 0.0]]),
    ],
    ids=[
        "zero-query",
        "dim-mismatch",
        "2d-query",
        "square-2d-query",
        "1d-corpus",
        "empty-corpus",
        "nan-query",
        "inf-corpus",
    ],
)
def test_cosine_scores_reject_bad_input(query, vectors):
    """cosine_scores raises ValueError for a zero, NaN or misshaped input"""
    with pytest.raises(ValueError):
        cosine_scores(query, vectors)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("qi", [0, 1, 2], ids=["query-0", "query-1", "query-2"])
def test_exact_top_k_matches_brute_force(qi):
    """exact_top_k returns the ids of the k most similar rows, best first"""
    got = np.asarray(exact_top_k(QUERIES[qi], CORPUS, 10)).tolist()
    assert got == oracle_top_k(QUERIES[qi], CORPUS, 10)


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_exact_top_k_breaks_ties_by_smaller_index():
    """Rows with the same score come in index order"""
    vectors = [[0.0, 1.0], [2.0, 0.0], [1.0, 0.0], [0.0, 0.0], [5.0, 0.0], [0.0, 1.0]]
    got = np.asarray(exact_top_k([1.0, 0.0], vectors, 6)).tolist()
    assert got == [1, 2, 4, 0, 3, 5]


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_exact_top_k_with_k_above_n_returns_every_row():
    """k larger than the corpus returns all n rows, ranked"""
    vectors = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    got = np.asarray(exact_top_k([1.0, 0.2], vectors, 50)).tolist()
    assert got == [0, 2, 1]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_exact_top_k_ranks_zero_rows_as_score_zero():
    """A zero row ranks above rows with negative similarity"""
    vectors = [[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]
    got = np.asarray(exact_top_k([1.0, 0.0], vectors, 3)).tolist()
    assert got == [2, 1, 0]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_exact_top_k_returns_integer_ids():
    """exact_top_k returns an integer array of length min(k, n)"""
    got = np.asarray(exact_top_k(QUERIES[3], CORPUS[:7], 5))
    assert got.shape == (5,)
    assert np.issubdtype(got.dtype, np.integer)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "k", [0, -1, 2.0, True, "3"], ids=["zero", "negative", "float", "bool", "str"]
)
def test_exact_top_k_rejects_bad_k(k):
    """exact_top_k raises ValueError when k is not an int >= 1"""
    with pytest.raises(ValueError):
        exact_top_k([1.0, 0.0], [[1.0, 0.0]], k)


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_kmeans_centroids_are_unit_length():
    """kmeans returns n_lists centroids of length 1"""
    got = np.asarray(kmeans(SMALL, 6, seed=1))
    assert got.shape == (6, 8)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-9)


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_converges_to_a_fixed_point(seed):
    """After convergence each centroid is the normalised mean of its members"""
    centroids = np.asarray(kmeans(SMALL, 6, seed=seed, n_iter=100))
    unit = SMALL / np.linalg.norm(SMALL, axis=1, keepdims=True)
    labels = np.argmax(unit @ centroids.T, axis=1)
    for c in range(6):
        members = unit[labels == c]
        if len(members):
            mean = members.sum(axis=0)
            np.testing.assert_allclose(
                centroids[c], mean / np.linalg.norm(mean), atol=1e-9
            )


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_kmeans_starts_from_the_documented_rows():
    """With n_iter=1 the centroids come from rng.choice of the non-zero rows"""
    data = np.vstack([np.zeros((3, 8)), SMALL[:60]])
    got = np.asarray(kmeans(data, 4, seed=5, n_iter=1))
    unit = data[3:] / np.linalg.norm(data[3:], axis=1, keepdims=True)
    start = unit[
        np.random.default_rng(5).choice(np.arange(3, 63), 4, replace=False) - 3
    ]
    labels = np.argmax(unit @ start.T, axis=1)
    for c in range(4):
        mean = unit[labels == c].sum(axis=0)
        np.testing.assert_allclose(got[c], mean / np.linalg.norm(mean), atol=1e-9)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_kmeans_is_deterministic_for_a_seed():
    """kmeans gives the same centroids for the same seed"""
    a = np.asarray(kmeans(SMALL, 5, seed=4))
    b = np.asarray(kmeans(SMALL, 5, seed=4))
    np.testing.assert_array_equal(a, b)


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_assign_picks_the_most_similar_centroid():
    """assign gives each row its most similar centroid, the smaller on a tie"""
    centroids = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    rows = [[2.0, 0.1], [0.1, 3.0], [1.0, 1.0], [0.0, 0.0], [-1.0, -0.5]]
    assert np.asarray(assign(rows, centroids)).tolist() == [0, 1, 0, 0, 1]


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "n_lists", [0, 301, 2.5], ids=["zero", "more-than-rows", "float"]
)
def test_kmeans_rejects_bad_n_lists(n_lists):
    """kmeans raises ValueError for n_lists < 1, above the rows, or not an int"""
    with pytest.raises(ValueError):
        kmeans(SMALL, n_lists)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_kmeans_counts_only_non_zero_rows():
    """n_lists may equal the non-zero rows; one more raises naming n_lists"""
    data = np.vstack([SMALL[:5], np.zeros((3, 8))])
    got = np.asarray(kmeans(data, 5, seed=0))
    unit = SMALL[:5] / np.linalg.norm(SMALL[:5], axis=1, keepdims=True)
    np.testing.assert_allclose(got[np.argsort(got[:, 0])], unit[np.argsort(unit[:, 0])])
    with pytest.raises(ValueError, match="n_lists"):
        kmeans(data, 6, seed=0)


# --------------------------------------------------------------------- task 4


@pytest.fixture(scope="module")
def index():
    return IVFIndex(n_lists=40, n_probe=4, seed=0).fit(CORPUS)


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_search_scans_only_the_probed_lists(index):
    """search scores the members of the n_probe closest lists and counts them"""
    centroids = np.asarray(index.centroids)
    q = QUERIES[0]
    unit = CORPUS / np.linalg.norm(CORPUS, axis=1, keepdims=True)
    lists = np.argmax(unit @ centroids.T, axis=1)
    probed = np.argsort(-(centroids @ q), kind="stable")[:4]
    members = np.flatnonzero(np.isin(lists, probed))
    ids, scanned = index.search(q, 10)
    assert scanned == len(members)
    want = [int(members[i]) for i in oracle_top_k(q, CORPUS[members], 10)]
    assert np.asarray(ids).tolist() == want


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_probing_every_list_is_exact():
    """With n_probe == n_lists the index returns the exact answer, scanning all"""
    full = IVFIndex(n_lists=6, n_probe=6, seed=2).fit(SMALL)
    for q in SMALL[:5]:
        ids, scanned = full.search(q * 1.5, 7)
        assert scanned == len(SMALL)
        assert np.asarray(ids).tolist() == oracle_top_k(q, SMALL, 7)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_lists_partition_the_rows(index):
    """Every row sits in exactly one inverted list"""
    ids = np.sort(np.concatenate([np.asarray(x) for x in index.lists]))
    assert ids.tolist() == list(range(len(CORPUS)))
    assert len(index.lists) == 40


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_search_with_k_above_the_candidates_returns_them_all():
    """search returns every candidate when k exceeds how many were scanned"""
    small = IVFIndex(n_lists=3, n_probe=1, seed=0).fit(SMALL[:30])
    ids, scanned = small.search(SMALL[0], 100)
    assert len(np.asarray(ids)) == scanned < 30


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_index_seed_defaults_to_zero():
    """IVFIndex without a seed clusters like kmeans(..., seed=0)"""
    got = np.asarray(IVFIndex(n_lists=6, n_probe=2).fit(SMALL).centroids)
    np.testing.assert_allclose(got, np.asarray(kmeans(SMALL, 6, seed=0)))


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize("k", [0, True, 1.5], ids=["zero", "bool", "float"])
def test_search_rejects_bad_k(index, k):
    """search raises ValueError unless k is an int >= 1"""
    with pytest.raises(ValueError):
        index.search(QUERIES[0], k)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_search_before_fit_raises():
    """search before fit raises RuntimeError"""
    index = IVFIndex(n_lists=2, n_probe=1)
    with pytest.raises(RuntimeError):
        index.search([1.0, 0.0], 1)


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "n_lists,n_probe",
    [(0, 1), (4, 0), (4, 5)],
    ids=["no-lists", "no-probe", "probe-gt"],
)
def test_index_rejects_bad_parameters(n_lists, n_probe):
    """IVFIndex raises ValueError unless 1 <= n_probe <= n_lists"""
    with pytest.raises(ValueError):
        IVFIndex(n_lists=n_lists, n_probe=n_probe)


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.core
def test_recall_at_k_hand_case():
    """recall_at_k averages the share of each exact top-k found"""
    approx = [[1, 2, 3], [4, 5, 6], [9]]
    exact = [[1, 2, 7], [4, 5, 6], [8]]
    assert recall_at_k(approx, exact, 3) == pytest.approx((2 / 3 + 1 + 0) / 3)


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_recall_at_k_cuts_both_lists_at_k():
    """Only the first k ids of each list count, and a short exact list is whole"""
    assert recall_at_k([[5, 1, 2]], [[1, 2, 5]], 2) == pytest.approx(0.5)
    assert recall_at_k([[3, 4]], [[4]], 5) == pytest.approx(1.0)


@pytest.mark.task(5)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "approx,exact,k",
    [([[1]], [[1], [2]], 1), ([], [], 1), ([[1]], [[1]], 0), ([[1]], [[]], 1)],
    ids=["length-mismatch", "no-queries", "k-zero", "empty-exact"],
)
def test_recall_at_k_rejects_bad_input(approx, exact, k):
    """recall_at_k raises ValueError for mismatched or empty input or k < 1"""
    with pytest.raises(ValueError):
        recall_at_k(approx, exact, k)


@pytest.mark.task(5)
@pytest.mark.points(4)
@pytest.mark.core
def test_index_reaches_the_recall_target_scanning_a_fifth(index):
    """n_lists=40, n_probe=4: recall@10 >= 0.9 while scanning <= 20% of rows"""
    recall, share = evaluate(index, CORPUS, QUERIES, 10)
    assert recall >= 0.9
    assert 0 < share <= 0.2


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_evaluate_reports_the_true_recall_and_share(index):
    """evaluate's figures equal recall and scanned share recomputed by the test"""
    recall, share = evaluate(index, CORPUS, QUERIES[:10], 5)
    found, seen = 0, 0
    for q in QUERIES[:10]:
        ids, scanned = index.search(q, 5)
        found += len(set(np.asarray(ids).tolist()) & set(oracle_top_k(q, CORPUS, 5)))
        seen += scanned
    assert recall == pytest.approx(found / 50)
    assert share == pytest.approx(seen / (10 * len(CORPUS)))


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_more_probes_never_lower_recall():
    """Probing more lists scans more rows and keeps at least the same recall"""
    low = IVFIndex(n_lists=40, n_probe=1, seed=0).fit(CORPUS)
    high = IVFIndex(n_lists=40, n_probe=8, seed=0).fit(CORPUS)
    r1, s1 = evaluate(low, CORPUS, QUERIES[:20], 10)
    r8, s8 = evaluate(high, CORPUS, QUERIES[:20], 10)
    assert s1 < s8 and r1 <= r8
