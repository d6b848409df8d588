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
