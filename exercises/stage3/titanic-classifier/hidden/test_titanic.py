import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, f1_score
from sklearn.model_selection import StratifiedKFold

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

DATA = Path("data") / "passengers.csv"
MIN_HOLDOUT_F1 = 0.74
COLUMNS = [
    "PassengerId",
    "Pclass",
    "Name",
    "Sex",
    "Age",
    "SibSp",
    "Parch",
    "Ticket",
    "Fare",
    "Cabin",
    "Embarked",
]


def as_array(value):
    return np.asarray(value, dtype=float)


def assert_not_fitted(model, X):
    """Predicting with an unfitted scikit-learn estimator raises NotFittedError."""
    with pytest.raises((ValueError, AttributeError)) as info:
        model.predict(X)
    assert info.type.__name__ == "NotFittedError"


def passenger(**overrides):
    row = {
        "PassengerId": 1,
        "Pclass": 3,
        "Name": "Braund, Mr. Owen Harris",
        "Sex": "male",
        "Age": 22.0,
        "SibSp": 1,
        "Parch": 0,
        "Ticket": "A/5 21171",
        "Fare": 7.25,
        "Cabin": np.nan,
        "Embarked": "S",
    }
    row.update(overrides)
    return row


def expected_calibration_error(y, p, bins=10):
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            error += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return error


@pytest.fixture(scope="module")
def calibrated(training):
    X, y = training
    return train_calibrated(X, y, seed=0)


@pytest.fixture(scope="module")
def small(training):
    X, y = training
    return X.head(240).reset_index(drop=True), y.head(240).reset_index(drop=True)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_passengers_splits_target():
    """load_passengers returns every column but Survived, and Survived as ints"""
    X, y = load_passengers()
    raw = pd.read_csv(DATA)
    assert list(X.columns) == COLUMNS
    assert len(X) == len(y) == len(raw)
    assert y.name == "Survived"
    assert list(y) == list(raw["Survived"])
    assert X["Age"].isna().sum() == raw["Age"].isna().sum()


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_passengers_errors(tmp_path):
    """A missing file raises FileNotFoundError; no Survived column raises ValueError"""
    with pytest.raises(FileNotFoundError):
        load_passengers(str(tmp_path / "missing.csv"))
    path = tmp_path / "test.csv"
    pd.read_csv(DATA).drop(columns=["Survived"]).head(5).to_csv(path, index=False)
    with pytest.raises(ValueError, match="Survived"):
        load_passengers(str(path))


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.parametrize(
    "name, title",
    [
        ("Braund, Mr. Owen Harris", "Mr"),
        ("Cumings, Mrs. John Bradley (Florence Briggs Thayer)", "Mrs"),
        ("Heikkinen, Miss. Laina", "Miss"),
        ("Palsson, Master. Gosta Leonard", "Master"),
        ("Aubart, Mme. Leontine Pauline", "Mrs"),
        ("Sagesser, Mlle. Emma", "Miss"),
        ("Moran, Ms. Bertha", "Miss"),
        ("Uruchurtu, Don. Manuel E", "Rare"),
        ("Rothes, the Countess. of (Lucy Noel Martha Dyer-Edwards)", "Rare"),
        ("Crosby, Capt. Edward Gifford", "Rare"),
        ("Smith, Dr. J. R.", "Rare"),
        ("Ware, Mr. John James", "Mr"),
        ("Hays, Mr. C. M. Jr.", "Mr"),
    ],
)
@pytest.mark.core
def test_extract_title_normalises(name, title):
    """extract_title reads the text between the comma and the period, normalised"""
    assert extract_title(name) == title


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "name", ["Nobody Special", "Smith, Mr Owen", "", None, float("nan"), "Doe, . X"]
)
def test_extract_title_unknown(name):
    """A name without a 'Surname, Title.' part gives 'Unknown'"""
    assert extract_title(name) == "Unknown"


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_add_features_values():
    """add_features adds Title, FamilySize, IsAlone, FarePerPerson and Deck"""
    frame = pd.DataFrame(
        [
            passenger(),
            passenger(
                Name="Cumings, Mrs. John Bradley (Florence Briggs Thayer)",
                SibSp=1,
                Parch=2,
                Fare=80.0,
                Cabin="C85",
            ),
            passenger(Name="Allen, Miss. Elisabeth", SibSp=0, Parch=0, Fare=np.nan),
        ]
    )
    out = add_features(frame)
    assert list(out["Title"]) == ["Mr", "Mrs", "Miss"]
    assert list(out["FamilySize"]) == [2, 4, 1]
    assert list(out["IsAlone"]) == [0, 0, 1]
    assert out["FarePerPerson"].iloc[0] == pytest.approx(3.625)
    assert out["FarePerPerson"].iloc[1] == pytest.approx(20.0)
    assert math.isnan(out["FarePerPerson"].iloc[2])
    assert list(out["Deck"]) == ["U", "C", "U"]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_add_features_keeps_columns_and_rows(training):
    """add_features keeps every original column, the row count and the index"""
    X, _ = training
    part = X.iloc[10:60]
    out = add_features(part)
    assert list(out.columns[: len(COLUMNS)]) == COLUMNS
    assert {"Title", "FamilySize", "IsAlone", "FarePerPerson", "Deck"} <= set(
        out.columns
    )
    assert list(out.index) == list(part.index)
    pd.testing.assert_frame_equal(out[COLUMNS], part)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_add_features_is_row_wise(training):
    """A row's features do not depend on the other rows of the frame"""
    X, _ = training
    whole = add_features(X.head(80))
    alone = add_features(X.iloc[[37]])
    columns = ["Title", "FamilySize", "IsAlone", "FarePerPerson", "Deck"]
    pd.testing.assert_frame_equal(
        alone[columns], whole.iloc[[37]][columns], check_dtype=False
    )


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_build_model_is_unfitted_classifier(training):
    """build_model returns an unfitted Pipeline ending in a probabilistic classifier"""
    X, _ = training
    model = build_model(seed=0)
    assert repr(model).startswith("Pipeline(")
    assert model.__sklearn_tags__().estimator_type == "classifier"
    assert_not_fitted(model, X.head(3))


@pytest.mark.task(2)
@pytest.mark.points(5)
@pytest.mark.core
def test_model_f1_on_hidden_holdout(training, holdout):
    """Fitted on the raw training frame, the model reaches F1 >= 0.74 on a holdout"""
    X, y = training
    X_new, y_new = holdout
    model = build_model(seed=0).fit(X, y)
    predicted = np.asarray(model.predict(X_new))
    assert predicted.shape == (len(X_new),)
    assert set(np.unique(predicted)) <= {0, 1}
    assert f1_score(y_new, predicted) >= MIN_HOLDOUT_F1


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_model_handles_gaps_and_unseen_values(small):
    """Missing Age/Fare/Embarked and unseen titles, ports or decks do not raise"""
    X, y = small
    model = build_model(seed=0).fit(X, y)
    odd = pd.DataFrame(
        [
            passenger(Age=np.nan, Fare=np.nan, Embarked=np.nan),
            passenger(Name="Nobody Special", Embarked="X", Cabin="T1"),
            passenger(Name="Smith, Capt. John", Sex="male", Cabin="Z9"),
        ]
    )
    proba = as_array(model.predict_proba(odd))
    assert proba.shape == (3, 2)
    assert np.all((proba >= 0) & (proba <= 1))


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_model_is_deterministic_and_selects_columns_by_name(small, holdout):
    """Same seed, same probabilities; column order and extra columns do not matter"""
    X, y = small
    X_new, _ = holdout
    first = as_array(build_model(seed=0).fit(X, y).predict_proba(X_new))
    model = build_model(seed=0).fit(X, y)
    shuffled = X_new[COLUMNS[::-1]].assign(Boat="13")
    assert np.allclose(first, as_array(model.predict_proba(shuffled)))


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_folds_partition_the_rows(training):
    """Every row is in exactly one test fold, and train/test never overlap"""
    _, y = training
    folds = stratified_folds(y, k=5, seed=0)
    assert len(folds) == 5
    seen = np.concatenate([np.asarray(test) for _, test in folds])
    assert sorted(seen.tolist()) == list(range(len(y)))
    for train, test in folds:
        assert not set(np.asarray(train).tolist()) & set(
            np.asarray(test).tolist()
        )
        assert len(train) + len(test) == len(y)


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_folds_keep_class_ratio(training):
    """Each test fold keeps the overall survival rate (within one passenger)"""
    _, y = training
    labels = np.asarray(y)
    rate = labels.mean()
    for k in (3, 5, 7):
        folds = stratified_folds(labels, k=k, seed=3)
        sizes = [len(test) for _, test in folds]
        assert max(sizes) - min(sizes) <= 1, f"for {k!r}"
        for _, test in folds:
            fold = labels[np.asarray(test)]
            assert abs(fold.mean() - rate) <= 1.0 / len(fold) + 1e-9, f"for {k!r}"


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_folds_are_reproducible_and_shuffled(training):
    """Folds equal StratifiedKFold(shuffle=True, random_state=seed); seeds differ"""
    _, y = training
    labels = np.asarray(y)
    first = stratified_folds(labels, k=5, seed=11)
    again = stratified_folds(labels, k=5, seed=11)
    other = stratified_folds(labels, k=5, seed=12)
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=11)
    expected = list(splitter.split(np.zeros(len(labels)), labels))
    for (a_train, a_test), (b_train, b_test), (e_train, e_test) in zip(
        first, again, expected
    ):
        assert np.array_equal(a_test, b_test) and np.array_equal(a_train, b_train)
        assert np.array_equal(np.asarray(a_test), e_test)
        assert np.array_equal(np.asarray(a_train), e_train)
    assert any(not np.array_equal(a, b) for (_, a), (_, b) in zip(first, other))


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_folds_are_positions_not_labels():
    """Fold indices are positions 0..n-1 even when y has another index"""
    y = pd.Series([0, 1] * 10, index=range(100, 120))
    folds = stratified_folds(y, k=2, seed=0)
    for train, test in folds:
        assert set(np.asarray(train).tolist()) | set(np.asarray(test).tolist()) == set(
            range(20)
        )


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "labels, k",
    [([0, 1] * 10, 1), ([1] * 20, 2), ([0] * 17 + [1] * 3, 4)],
    ids=["k-too-small", "one-class", "k-above-rarest-class"],
)
def test_folds_reject_bad_arguments(labels, k):
    """stratified_folds raises ValueError for k < 2, one class, or k > rarest class"""
    with pytest.raises(ValueError):
        stratified_folds(labels, k=k, seed=0)


@pytest.mark.task(3)
@pytest.mark.points(4)
@pytest.mark.core
def test_cross_validate_f1_matches_manual_folds(small):
    """cross_validate_f1 scores fresh fits on the stratified folds with F1 of class 1"""
    X, y = small
    result = cross_validate_f1(build_model(seed=0), X, y, k=4, seed=5)
    expected = []
    splitter = StratifiedKFold(n_splits=4, shuffle=True, random_state=5)
    for train, test in splitter.split(X, y):
        model = build_model(seed=0).fit(X.iloc[train], y.iloc[train])
        expected.append(f1_score(y.iloc[test], np.asarray(model.predict(X.iloc[test]))))
    assert list(result["fold_f1"]) == pytest.approx(expected)
    assert result["mean"] == pytest.approx(np.mean(expected))
    assert result["std"] == pytest.approx(np.std(expected))
    assert isinstance(result["mean"], float)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_cross_validate_f1_leaves_model_unfitted(small):
    """cross_validate_f1 fits clones: the model passed in stays unfitted"""
    X, y = small
    model = build_model(seed=0)
    cross_validate_f1(model, X, y, k=3, seed=0)
    assert_not_fitted(model, X.head(3))


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_cross_validate_f1_rejects_length_mismatch(small):
    """cross_validate_f1 raises ValueError when X and y differ in length"""
    X, y = small
    with pytest.raises(ValueError):
        cross_validate_f1(build_model(seed=0), X, y.head(100), k=3, seed=0)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_calibrated_proba_is_a_distribution(calibrated, holdout):
    """A CalibratedClassifierCV whose rows are probabilities in [0, 1] summing to 1"""
    X_new, _ = holdout
    assert repr(calibrated).startswith("CalibratedClassifierCV(")
    proba = as_array(calibrated.predict_proba(X_new))
    assert proba.shape == (len(X_new), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert len(np.unique(proba[:, 1].round(6))) > 20


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_calibrated_proba_is_calibrated_on_holdout(calibrated, holdout):
    """On the holdout: Brier <= 0.16, calibration error <= 0.08, mean close to rate"""
    X_new, y_new = holdout
    p = as_array(calibrated.predict_proba(X_new))[:, 1]
    labels = np.asarray(y_new)
    assert brier_score_loss(labels, p) <= 0.16
    assert expected_calibration_error(labels, p) <= 0.08
    assert abs(p.mean() - labels.mean()) <= 0.05
    assert f1_score(labels, np.asarray(calibrated.predict(X_new))) >= MIN_HOLDOUT_F1


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_predict_survival_applies_threshold(calibrated, holdout):
    """predict_survival returns ints: 1 exactly where P(survived) >= threshold"""
    X_new, _ = holdout
    p = as_array(calibrated.predict_proba(X_new))[:, 1]
    for threshold in (0.3, 0.5, 0.7, float(p[0])):
        predicted = np.asarray(predict_survival(calibrated, X_new, threshold))
        assert predicted.dtype.kind == "i", f"for {threshold!r}"
        assert np.array_equal(
            predicted, (p >= threshold).astype(int)
        ), f"for {threshold!r}"
    assert np.all(np.asarray(predict_survival(calibrated, X_new, 0.0)) == 1)


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_predict_survival_rejects_bad_threshold(calibrated, holdout, threshold):
    """predict_survival raises ValueError for a threshold outside [0, 1]"""
    X_new, _ = holdout
    with pytest.raises(ValueError):
        predict_survival(calibrated, X_new.head(5), threshold)


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_best_threshold_maximises_f1():
    """best_threshold returns the grid threshold with the best F1 (ties: smallest)"""
    y = [0, 0, 1, 1, 1, 0, 1, 0]
    p = [0.1, 0.35, 0.4, 0.8, 0.65, 0.7, 0.9, 0.2]
    # 0.4 -> predicts 5 positives, 4 right: F1 = 8/9; 0.75 -> F1 = 2/3
    assert best_threshold(y, p, grid=[0.75, 0.4, 0.5]) == pytest.approx(0.4)
    # 0.36 and 0.4 give the same predictions: the smaller one wins
    assert best_threshold(y, p, grid=[0.4, 0.36]) == pytest.approx(0.36)
    grid = [round(t, 2) for t in np.arange(0.05, 0.951, 0.05)]
    expected = max(
        grid, key=lambda t: (f1_score(y, (np.array(p) >= t).astype(int)), -t)
    )
    assert best_threshold(np.array(y), np.array(p)) == pytest.approx(expected)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_best_threshold_rejects_bad_input():
    """best_threshold raises ValueError for mismatched lengths, no data or no grid"""
    with pytest.raises(ValueError):
        best_threshold([0, 1, 1], [0.2, 0.8])
    with pytest.raises(ValueError):
        best_threshold([], [])
    with pytest.raises(ValueError):
        best_threshold([0, 1], [0.2, 0.8], grid=[])
