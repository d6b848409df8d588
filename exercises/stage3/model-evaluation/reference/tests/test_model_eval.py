"""Your own tests. Extend this file until it covers at least 70% of model_eval.py.

sklearn.metrics is a fine oracle for your tests (the solution itself must not
use it). Run them with:  grader test   (or: python -m pytest -q tests)
"""

import numpy as np
import pytest

from model_eval import confusion_matrix, roc_auc, roc_curve


def test_confusion_matrix_rows_are_true_labels():
    got = confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], labels=[0, 1])
    assert np.asarray(got).tolist() == [[1, 1], [1, 2]]


def test_roc_curve_merges_tied_scores():
    fpr, tpr, thr = roc_curve([0, 1, 1, 0], [0.1, 0.5, 0.5, 0.9])
    assert list(fpr) == [0.0, 0.5, 0.5, 1.0]
    assert list(tpr) == [0.0, 0.0, 1.0, 1.0]
    assert list(thr) == [np.inf, 0.9, 0.5, 0.1]


def test_perfect_ranking_has_auc_one():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)


def test_confusion_matrix_default_labels_are_sorted_union():
    got = confusion_matrix(["b", "a"], ["c", "a"])
    assert np.asarray(got).tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]


def test_confusion_matrix_errors():
    with pytest.raises(ValueError):
        confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError):
        confusion_matrix([], [])
    with pytest.raises(ValueError):
        confusion_matrix([0, 1], [0, 1], labels=[])
    with pytest.raises(ValueError):
        confusion_matrix([0, 1], [0, 1], labels=[0, 0])
    with pytest.raises(ValueError):
        confusion_matrix([[0, 1]], [[0, 1]])


def test_precision_recall_f1_basic_and_zero_division():
    from model_eval import precision_recall_f1

    p, r, f = precision_recall_f1([1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0])
    assert (p, r, f) == pytest.approx((2 / 3, 0.5, 4 / 7))
    assert precision_recall_f1([0, 0], [0, 0], zero_division=1.0) == (1.0, 1.0, 1.0)
    assert precision_recall_f1([0, 1], [0, 0], zero_division=1.0) == (1.0, 0.0, 0.0)


def test_roc_curve_errors():
    with pytest.raises(ValueError):
        roc_curve([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError):
        roc_curve([0, 1], [0.1, float("nan")])


def test_auc_directions_and_errors():
    from model_eval import auc

    assert auc([0, 1], [0, 1]) == pytest.approx(0.5)
    assert auc([1, 0], [1, 0]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        auc([0, 1, 0.5], [0, 1, 1])
    with pytest.raises(ValueError):
        auc([0], [0])
    with pytest.raises(ValueError):
        auc([0, 1], [0])


def test_best_threshold_f1_and_youden():
    from model_eval import best_threshold

    y = [0, 0, 1, 1, 0, 1]
    s = [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]
    assert best_threshold(y, s, "f1") == pytest.approx((0.8, 0.8))
    assert best_threshold([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], "youden") == (
        pytest.approx((0.9, 0.5))
    )
    with pytest.raises(ValueError):
        best_threshold(y, s, "accuracy")


def test_bootstrap_ci():
    from model_eval import bootstrap_ci

    y = np.array([0, 1] * 20)
    s = np.linspace(0, 1, 40)
    low, high = bootstrap_ci(roc_auc, y, s, n=50, seed=0)
    assert 0 <= low <= high <= 1
    assert bootstrap_ci(roc_auc, y, s, n=50, seed=0) == (low, high)
    with pytest.raises(ValueError):
        bootstrap_ci(roc_auc, y, s, n=0)
    with pytest.raises(ValueError):
        bootstrap_ci(roc_auc, y, s, n=5, alpha=0)
    with pytest.raises(ValueError):
        bootstrap_ci(roc_auc, [1, 1], [0.1, 0.2], n=5)


def test_bootstrap_ci_all_single_class_samples():
    from model_eval import bootstrap_ci

    # two samples: about half the resamples are single-class; with n=1 and
    # a seed whose only draw repeats one index, nothing is left.
    for seed in range(50):
        idx = np.random.default_rng(seed).integers(0, 2, size=2)
        if idx[0] == idx[1]:
            with pytest.raises(ValueError):
                bootstrap_ci(roc_auc, [0, 1], [0.2, 0.8], n=1, seed=seed)
            break
