"""Own tests of model_comparison, kept quick on the instructions' small data."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.svm import SVC

from model_comparison import (
    GRIDS,
    comparison_table,
    compare,
    feature_importance,
    make_models,
    split,
    tune,
)


def make_data(seed=7):
    """The instructions' data: features 0-2 informative, feature 3 in thousands."""
    X, y = make_classification(
        n_samples=400,
        n_features=8,
        n_informative=3,
        n_redundant=0,
        n_repeated=0,
        shuffle=False,
        random_state=seed,
    )
    X[:, 3] *= 1000.0
    return X, y


X, Y = make_data()
X_TRAIN, X_TEST, Y_TRAIN, Y_TEST = split(X, Y)


@pytest.fixture(scope="module")
def searches():
    return {name: tune(name, X_TRAIN, Y_TRAIN) for name in GRIDS}


def test_split_is_stratified():
    assert len(X_TEST) == 100
    assert np.mean(Y_TEST) == pytest.approx(np.mean(Y), abs=0.01)
    with pytest.raises(ValueError):
        split(X, Y, test_size=1.0)


def test_scaling_matters():
    raw = SVC().fit(X_TRAIN, Y_TRAIN).score(X_TEST, Y_TEST)
    piped = make_models()["svm"].fit(X_TRAIN, Y_TRAIN).score(X_TEST, Y_TEST)
    assert piped - raw > 0.2


def test_tune(searches):
    assert searches["svm"].n_splits_ == 4
    assert set(searches["forest"].best_params_) == {"max_depth", "min_samples_leaf"}
    with pytest.raises(KeyError):
        tune("knn", X_TRAIN, Y_TRAIN)
    with pytest.raises(ValueError):
        tune("svm", X_TRAIN, Y_TRAIN, folds=1)


def test_importance(searches):
    table = feature_importance(searches["forest"].best_estimator_, X_TEST, Y_TEST)
    assert set(table.feature[:2]) == {0, 2}
    assert list(table["mean"]) == sorted(table["mean"], reverse=True)


def test_comparison(searches):
    table = comparison_table(searches, X_TEST, Y_TEST)
    assert list(table.columns) == ["model", "cv_accuracy", "test_accuracy", "test_f1"]
    assert table.test_accuracy.is_monotonic_decreasing
    with pytest.raises(ValueError):
        comparison_table({}, X_TEST, Y_TEST)
    assert compare(X, Y).model.tolist() == table.model.tolist()
