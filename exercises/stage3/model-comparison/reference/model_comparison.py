"""Comparing a random forest with an SVM, fairly and reproducibly.

Both models are tuned by the same cross-validated grid search on the same
training split, judged on the same held-out test split, and explained by
permutation importance measured on that held-out data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

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
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size}")
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    return X_train, X_test, y_train, y_test


def make_models(seed: int = 0) -> dict[str, Any]:
    """The two contenders, unfitted: a forest, and an SVM behind a scaler.

    The RBF kernel measures distances, so a feature in the thousands would
    drown the others: the scaler sits inside the pipeline, so that each
    cross-validation fold is scaled with its own training part only.
    """
    return {
        "forest": RandomForestClassifier(n_estimators=25, random_state=seed),
        "svm": Pipeline([("scale", StandardScaler()), ("svc", SVC(random_state=seed))]),
    }


# --------------------------------------------------------------------- task 2


def tune(
    name: str, X_train: np.ndarray, y_train: np.ndarray, seed: int = 0, folds: int = 4
) -> GridSearchCV:
    """Grid search of ``make_models(seed)[name]`` over ``GRIDS[name]``, fitted.

    Stratified ``folds``-fold cross-validation, shuffled with ``seed``,
    scored by accuracy.
    """
    try:
        model, grid = make_models(seed)[name], GRIDS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; choose from {sorted(GRIDS)}") from None
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"folds must be an int >= 2, got {folds!r}")
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    search = GridSearchCV(model, grid, cv=cv, scoring="accuracy")
    return search.fit(X_train, y_train)


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
    result = permutation_importance(
        model,
        X_test,
        y_test,
        n_repeats=n_repeats,
        random_state=seed,
        scoring="accuracy",
    )
    table = pd.DataFrame(
        {
            "feature": np.arange(X_test.shape[1]),
            "mean": result.importances_mean,
            "std": result.importances_std,
        }
    )
    table = table.sort_values("mean", ascending=False, kind="stable")
    return table.reset_index(drop=True)


# --------------------------------------------------------------------- task 4


def comparison_table(
    searches: dict[str, GridSearchCV], X_test: np.ndarray, y_test: np.ndarray
) -> pd.DataFrame:
    """One row per fitted search: how it did in cross-validation and on test.

    Columns ``model, cv_accuracy, test_accuracy, test_f1``;
    sorted by ``test_accuracy`` descending, then ``model``.
    """
    if not searches:
        raise ValueError("no searches to compare")
    rows = []
    for name, search in searches.items():
        predicted = search.predict(X_test)
        rows.append(
            {
                "model": name,
                "cv_accuracy": float(search.best_score_),
                "test_accuracy": float(accuracy_score(y_test, predicted)),
                "test_f1": float(f1_score(y_test, predicted)),
            }
        )
    table = pd.DataFrame(rows)
    table = table.sort_values(["test_accuracy", "model"], ascending=[False, True])
    return table.reset_index(drop=True)


def compare(X: np.ndarray, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """The whole study: split, tune both models, compare them on the test part."""
    X_train, X_test, y_train, y_test = split(X, y, seed=seed)
    searches = {name: tune(name, X_train, y_train, seed=seed) for name in GRIDS}
    return comparison_table(searches, X_test, y_test)
