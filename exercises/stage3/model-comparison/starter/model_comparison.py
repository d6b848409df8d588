"""Comparing a random forest with an SVM, fairly and reproducibly.

Both models are tuned by the same cross-validated grid search on the same
training split, judged on the same held-out test split, and explained by
permutation importance measured on that held-out data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

GRIDS: dict[str, dict[str, list[Any]]] = {
    "forest": {"max_depth": [3, None], "min_samples_leaf": [1, 5]},
    "svm": {"svc__C": [0.1, 1.0, 10.0], "svc__gamma": ["scale", 0.01]},
}


# --------------------------------------------------------------------- task 1


def split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stratified train/test split: ``X_train, X_test, y_train, y_test``.

    ``test_size`` is the fraction held out: ``ValueError`` unless in (0, 1).
    """
    raise NotImplementedError


def make_models(seed: int = 0) -> dict[str, Any]:
    """The two contenders, unfitted: a forest, and an SVM behind a scaler.

    The RBF kernel measures distances, so a feature in the thousands would
    drown the others: the scaler sits inside the pipeline, so that each
    cross-validation fold is scaled with its own training part only.
    """
    raise NotImplementedError


# --------------------------------------------------------------------- task 2


def tune(
    name: str, X_train: np.ndarray, y_train: np.ndarray, seed: int = 0, folds: int = 4
) -> GridSearchCV:
    """Grid search of ``make_models(seed)[name]`` over ``GRIDS[name]``, fitted.

    Stratified ``folds``-fold cross-validation, shuffled with ``seed``,
    scored by accuracy.
    """
    raise NotImplementedError


# --------------------------------------------------------------------- task 3


def feature_importance(
    model: Any,
    X_test: np.ndarray,
    y_test: np.ndarray,
    seed: int = 0,
    n_repeats: int = 10,
) -> pd.DataFrame:
    """Permutation importance on held-out data, most important first.

    Columns ``feature`` (the column index), ``mean`` and ``std`` of the drop in
    accuracy over ``n_repeats`` shuffles; ties keep the feature order.
    """
    raise NotImplementedError


# --------------------------------------------------------------------- task 4


def comparison_table(
    searches: dict[str, GridSearchCV], X_test: np.ndarray, y_test: np.ndarray
) -> pd.DataFrame:
    """One row per fitted search: how it did in cross-validation and on test.

    Columns ``model, cv_accuracy, test_accuracy, test_f1``;
    sorted by ``test_accuracy`` descending, then ``model``.
    """
    raise NotImplementedError


def compare(X: np.ndarray, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """The whole study: split, tune both models, compare them on the test part."""
    raise NotImplementedError
