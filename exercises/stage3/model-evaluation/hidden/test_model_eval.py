import numpy as np
import pytest
from sklearn import metrics as skm

from model_eval import (
    auc,
    best_threshold,
    bootstrap_ci,
    confusion_matrix,
    precision_recall_f1,
    roc_auc,
    roc_curve,
)


def random_binary(seed, n=80, decimals=None):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    y[0], y[1] = 0, 1
    scores = np.clip(0.35 * y + rng.normal(0.35, 0.25, size=n), 0, 1)
    if decimals is not None:
        scores = np.round(scores, decimals)
    return y, scores


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_confusion_matrix_tiny_hand_case():
    """confusion_matrix puts true labels on rows and predictions on columns"""
    got = confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], labels=[0, 1])
    assert np.asarray(got).tolist() == [[1, 1], [1, 2]]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_confusion_matrix_follows_label_order():
    """confusion_matrix orders rows and columns exactly as the labels argument"""
    y_true = ["cat", "dog", "bird", "dog", "cat", "cat"]
    y_pred = ["cat", "cat", "bird", "dog", "dog", "cat"]
    labels = ["dog", "cat", "bird"]
    got = np.asarray(confusion_matrix(y_true, y_pred, labels=labels))
    want = skm.confusion_matrix(y_true, y_pred, labels=labels)
    assert got.tolist() == want.tolist()


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_confusion_matrix_matches_sklearn_default_labels(seed):
    """Without labels, confusion_matrix uses the sorted union like sklearn"""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 4, size=200)
    y_pred = rng.integers(1, 5, size=200)
    got = np.asarray(confusion_matrix(y_true, y_pred))
    assert got.shape == (5, 5)
    assert got.tolist() == skm.confusion_matrix(y_true, y_pred).tolist()


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_confusion_matrix_ignores_labels_not_listed():
    """Samples whose label is not in labels are left out of the matrix"""
    got = np.asarray(confusion_matrix([0, 1, 2, 2], [0, 2, 1, 2], labels=[0, 1]))
    assert got.tolist() == [[1, 0], [0, 0]]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_confusion_matrix_rejects_bad_input():
    """confusion_matrix raises ValueError for length mismatch or empty labels"""
    with pytest.raises(ValueError):
        confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError):
        confusion_matrix([0, 1], [0, 1], labels=[])


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_precision_recall_f1_hand_case():
    """precision_recall_f1 gives tp/(tp+fp), tp/(tp+fn) and their harmonic mean"""
    # tp=2, fp=1, fn=2
    p, r, f = precision_recall_f1([1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0])
    assert p == pytest.approx(2 / 3)
    assert r == pytest.approx(0.5)
    assert f == pytest.approx(4 / 7)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.parametrize("seed", [3, 4])
def test_precision_recall_f1_matches_sklearn_with_pos_label(seed):
    """precision_recall_f1 matches sklearn for a string pos_label"""
    rng = np.random.default_rng(seed)
    y_true = rng.choice(["spam", "ham"], size=150)
    y_pred = rng.choice(["spam", "ham"], size=150)
    got = precision_recall_f1(y_true, y_pred, pos_label="spam")
    p, r, f, _ = skm.precision_recall_fscore_support(
        y_true, y_pred, pos_label="spam", average="binary"
    )
    assert got == pytest.approx((p, r, f))


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "y_true,y_pred",
    [([0, 0, 0], [0, 0, 0]), ([0, 1, 0], [0, 0, 0]), ([0, 0, 0], [0, 1, 0])],
    ids=["nothing-positive", "no-predicted-positive", "no-true-positive"],
)
@pytest.mark.parametrize("zero_division", [0.0, 1.0])
@pytest.mark.core
def test_precision_recall_f1_zero_division(y_true, y_pred, zero_division):
    """An undefined ratio becomes zero_division, as in sklearn"""
    got = precision_recall_f1(y_true, y_pred, zero_division=zero_division)
    p, r, f, _ = skm.precision_recall_fscore_support(
        y_true, y_pred, average="binary", zero_division=zero_division
    )
    assert got == pytest.approx((p, r, f))


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_roc_curve_tiny_case_with_tie():
    """Tied scores form one ROC point; thresholds start at inf and decrease"""
    fpr, tpr, thr = roc_curve([0, 1, 1, 0], [0.1, 0.5, 0.5, 0.9])
    assert np.asarray(fpr).tolist() == [0.0, 0.5, 0.5, 1.0]
    assert np.asarray(tpr).tolist() == [0.0, 0.0, 1.0, 1.0]
    assert np.asarray(thr).tolist() == [np.inf, 0.9, 0.5, 0.1]


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.parametrize("seed,decimals", [(5, None), (6, 1), (7, 2)])
def test_roc_curve_matches_sklearn(seed, decimals):
    """roc_curve equals sklearn's roc_curve(drop_intermediate=False), ties too"""
    y, s = random_binary(seed, decimals=decimals)
    fpr, tpr, thr = roc_curve(y, s)
    want = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(np.asarray(fpr), want[0])
    np.testing.assert_allclose(np.asarray(tpr), want[1])
    np.testing.assert_array_equal(np.asarray(thr), want[2])


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.parametrize("seed,decimals", [(8, None), (9, 1)])
@pytest.mark.core
def test_roc_auc_matches_sklearn(seed, decimals):
    """roc_auc equals sklearn's roc_auc_score, with tied scores counting half"""
    y, s = random_binary(seed, decimals=decimals)
    assert roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_roc_auc_all_scores_tied_is_half():
    """When every score is the same the AUC is exactly 0.5"""
    assert roc_auc([0, 1, 0, 1, 1], [0.3] * 5) == pytest.approx(0.5)


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_roc_curve_pos_label_string():
    """roc_curve treats pos_label as the positive class and others as negative"""
    y = ["no", "yes", "yes", "no", "yes"]
    s = [0.2, 0.7, 0.4, 0.4, 0.9]
    fpr, tpr, thr = roc_curve(y, s, pos_label="yes")
    want = skm.roc_curve(y, s, pos_label="yes", drop_intermediate=False)
    np.testing.assert_allclose(np.asarray(fpr), want[0])
    np.testing.assert_allclose(np.asarray(tpr), want[1])


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.parametrize("y", [[1, 1, 1], [0, 0, 0]], ids=["all-pos", "all-neg"])
def test_roc_curve_single_class_raises(y):
    """roc_curve raises ValueError when y_true holds a single class"""
    with pytest.raises(ValueError):
        roc_curve(y, [0.1, 0.2, 0.3])


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_auc_trapezoid_matches_sklearn():
    """auc is the trapezoidal area, also for a decreasing x"""
    x = [0.0, 0.1, 0.4, 0.4, 1.0]
    y = [0.0, 0.5, 0.6, 0.9, 1.0]
    assert auc(x, y) == pytest.approx(skm.auc(x, y))
    assert auc(x[::-1], y[::-1]) == pytest.approx(skm.auc(x, y))
    assert auc([0, 2], [1, 3]) == pytest.approx(4.0)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_auc_rejects_non_monotonic_or_short():
    """auc raises ValueError for non-monotonic x or fewer than two points"""
    with pytest.raises(ValueError):
        auc([0.0, 0.5, 0.3, 1.0], [0.0, 0.2, 0.4, 1.0])
    with pytest.raises(ValueError):
        auc([0.5], [0.5])


# --------------------------------------------------------------------- task 4


def brute_force(y, s, metric):
    best = None
    for thr in sorted(set(np.asarray(s).tolist()), reverse=True):
        pred = (np.asarray(s) >= thr).astype(int)
        yy = np.asarray(y)
        tp = int(np.sum((pred == 1) & (yy == 1)))
        fp = int(np.sum((pred == 1) & (yy == 0)))
        fn = int(np.sum((pred == 0) & (yy == 1)))
        tn = int(np.sum((pred == 0) & (yy == 0)))
        if metric == "f1":
            value = 2 * tp / (2 * tp + fp + fn)
        else:
            value = tp / (tp + fn) - fp / (fp + tn)
        if best is None or value > best[1] + 1e-12:
            best = (thr, value)
    return best


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_best_threshold_f1_hand_case():
    """best_threshold picks the score whose >= rule gives the highest F1"""
    y = [0, 0, 1, 1, 0, 1]
    s = [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]
    # >= 0.8: tp=2 fp=0 fn=1 -> 0.8 ; >= 0.35: tp=3 fp=2 fn=0 -> 0.75
    thr, value = best_threshold(y, s, metric="f1")
    assert thr == pytest.approx(0.8)
    assert value == pytest.approx(0.8)


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.parametrize("metric", ["f1", "youden"])
@pytest.mark.parametrize("seed", [10, 11])
@pytest.mark.core
def test_best_threshold_matches_brute_force(metric, seed):
    """best_threshold agrees with trying every distinct score, largest on ties"""
    y, s = random_binary(seed, n=60, decimals=2)
    thr, value = best_threshold(y, s, metric=metric)
    want_thr, want_value = brute_force(y, s, metric)
    assert thr == pytest.approx(want_thr)
    assert value == pytest.approx(want_value)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_best_threshold_youden_tie_prefers_largest_threshold():
    """With equal Youden values best_threshold returns the largest threshold"""
    y = [1, 0, 1, 0]
    s = [0.9, 0.8, 0.7, 0.1]
    thr, value = best_threshold(y, s, metric="youden")
    assert thr == pytest.approx(0.9)
    assert value == pytest.approx(0.5)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_best_threshold_rejects_unknown_metric_and_single_class():
    """best_threshold raises ValueError for an unknown metric or one class"""
    with pytest.raises(ValueError):
        best_threshold([0, 1], [0.1, 0.9], metric="accuracy")
    with pytest.raises(ValueError):
        best_threshold([1, 1], [0.1, 0.9], metric="f1")


# --------------------------------------------------------------------- task 5


def mean_gap(y, s):
    y, s = np.asarray(y), np.asarray(s)
    return float(s[y == 1].mean() - s[y == 0].mean())


def expected_ci(metric_fn, y, s, n, seed, alpha=0.05):
    y, s = np.asarray(y), np.asarray(s)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n):
        idx = rng.integers(0, len(y), size=len(y))
        if len(np.unique(y[idx])) < 2:
            continue
        values.append(metric_fn(y[idx], s[idx]))
    low, high = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return low, high


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_bootstrap_ci_follows_the_seeded_recipe():
    """bootstrap_ci reproduces the documented default_rng recipe exactly"""
    y, s = random_binary(12, n=50)
    got = bootstrap_ci(mean_gap, y, s, n=150, seed=7)
    want = expected_ci(mean_gap, y, s, 150, 7)
    assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_bootstrap_ci_skips_single_class_resamples():
    """Resamples with one class are skipped but still consume random draws"""
    y = np.array([0, 0, 0, 0, 0, 1])
    s = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.5])
    got = bootstrap_ci(mean_gap, y, s, n=100, seed=3, alpha=0.2)
    want = expected_ci(mean_gap, y, s, 100, 3, alpha=0.2)
    assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_bootstrap_ci_is_deterministic_and_ordered():
    """Same seed gives the same interval, and low <= point estimate <= high"""
    y, s = random_binary(13, n=120)
    a = bootstrap_ci(mean_gap, y, s, n=120, seed=1)
    b = bootstrap_ci(mean_gap, y, s, n=120, seed=1)
    assert a == b
    assert a[0] <= mean_gap(y, s) <= a[1]
    assert a[0] < a[1]


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_bootstrap_ci_rejects_bad_arguments():
    """bootstrap_ci raises ValueError for n < 1, bad alpha or a single class"""
    y, s = [0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6]
    with pytest.raises(ValueError):
        bootstrap_ci(mean_gap, y, s, n=0, seed=0)
    with pytest.raises(ValueError):
        bootstrap_ci(mean_gap, y, s, n=10, seed=0, alpha=1.5)
    with pytest.raises(ValueError):
        bootstrap_ci(mean_gap, [1, 1, 1, 1], s, n=10, seed=0)
