"""Tests for titanic.py: features, the model, stratified folds and calibration."""

import numpy as np
import pandas as pd
import pytest

from titanic import (
    add_features,
    best_threshold,
    build_model,
    cross_validate_f1,
    extract_title,
    load_passengers,
    predict_survival,
    stratified_folds,
    train_calibrated,
)


@pytest.fixture(scope="module")
def data():
    X, y = load_passengers()
    return X.head(300), y.head(300)


@pytest.fixture(scope="module")
def calibrated(data):
    X, y = data
    return train_calibrated(X, y, seed=0)


def test_load_passengers(tmp_path):
    X, y = load_passengers()
    assert "Survived" not in X.columns
    assert y.name == "Survived"
    assert len(X) == len(y)
    path = tmp_path / "no_target.csv"
    X.head(3).to_csv(path, index=False)
    with pytest.raises(ValueError):
        load_passengers(path)


@pytest.mark.parametrize(
    "name, title",
    [
        ("Braund, Mr. Owen Harris", "Mr"),
        ("Aubart, Mme. Leontine", "Mrs"),
        ("Sagesser, Mlle. Emma", "Miss"),
        ("Crosby, Capt. Edward", "Rare"),
        ("Nobody", "Unknown"),
        ("Smith, Mr Owen", "Unknown"),
        ("Doe, . X", "Unknown"),
        (None, "Unknown"),
    ],
)
def test_extract_title(name, title):
    assert extract_title(name) == title


def test_add_features():
    frame = pd.DataFrame(
        {
            "Name": ["Braund, Mr. Owen", "Allen, Miss. Eli"],
            "SibSp": [1, 0],
            "Parch": [1, 0],
            "Fare": [30.0, np.nan],
            "Cabin": ["C85", np.nan],
        }
    )
    out = add_features(frame)
    assert list(out["Title"]) == ["Mr", "Miss"]
    assert list(out["FamilySize"]) == [3, 1]
    assert list(out["IsAlone"]) == [0, 1]
    assert out["FarePerPerson"].iloc[0] == pytest.approx(10.0)
    assert np.isnan(out["FarePerPerson"].iloc[1])
    assert list(out["Deck"]) == ["C", "U"]
    assert "Title" not in frame.columns


def test_model_predicts_probabilities(data):
    X, y = data
    model = build_model(seed=0).fit(X, y)
    proba = model.predict_proba(X.head(5))
    assert proba.shape == (5, 2)
    assert np.all((proba >= 0) & (proba <= 1))


def test_stratified_folds_keep_ratio(data):
    _, y = data
    folds = stratified_folds(y, k=5, seed=0)
    assert len(folds) == 5
    rate = y.mean()
    for _, test in folds:
        assert abs(y.iloc[test].mean() - rate) < 0.02


def test_stratified_folds_reproducible(data):
    _, y = data
    first = stratified_folds(y, k=3, seed=1)
    second = stratified_folds(y, k=3, seed=1)
    for (a, b), (c, d) in zip(first, second):
        assert np.array_equal(a, c) and np.array_equal(b, d)


@pytest.mark.parametrize(
    "labels, k", [([0, 1] * 5, 1), ([1] * 10, 2), ([0] * 9 + [1], 2)]
)
def test_stratified_folds_errors(labels, k):
    with pytest.raises(ValueError):
        stratified_folds(labels, k=k)


def test_cross_validate_f1(data):
    X, y = data
    result = cross_validate_f1(build_model(seed=0), X, y, k=3, seed=0)
    assert len(result["fold_f1"]) == 3
    assert result["mean"] == pytest.approx(np.mean(result["fold_f1"]))
    assert 0.5 < result["mean"] <= 1.0
    with pytest.raises(ValueError):
        cross_validate_f1(build_model(), X, y.head(10))


def test_calibrated_and_predict_survival(calibrated, data):
    X, _ = data
    proba = calibrated.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)
    predicted = predict_survival(calibrated, X, 0.5)
    assert np.array_equal(predicted, (proba[:, 1] >= 0.5).astype(int))
    with pytest.raises(ValueError):
        predict_survival(calibrated, X, 1.2)


def test_best_threshold():
    y = [0, 0, 1, 1]
    p = [0.1, 0.4, 0.35, 0.8]
    assert best_threshold(y, p, grid=[0.3, 0.5]) == pytest.approx(0.3)
    assert 0.05 <= best_threshold(y, p) <= 0.95
    with pytest.raises(ValueError):
        best_threshold([0, 1], [0.5])
    with pytest.raises(ValueError):
        best_threshold([0, 1], [0.2, 0.6], grid=[])
