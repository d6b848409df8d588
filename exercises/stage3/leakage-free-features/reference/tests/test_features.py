"""Tests for features.py: encoders, binning and leakage-free make_features."""

import numpy as np
import pandas as pd
import pytest

from features import (
    NotFittedError,
    OneHot,
    Ordinal,
    QuantileBinner,
    TargetEncoder,
    make_features,
)


@pytest.fixture(scope="module")
def split():
    frame = pd.read_csv("data/customers.csv")
    return frame.iloc[:1000].copy(), frame.iloc[1000:].copy()


def test_one_hot():
    encoder = OneHot(prefix="p=").fit(["b", "a", None])
    out = encoder.transform(["a", "c", None])
    assert list(out.columns) == ["p=a", "p=b"]
    assert out.to_numpy().tolist() == [[1, 0], [0, 0], [0, 0]]
    assert OneHot().fit_transform(["x"]).to_numpy().tolist() == [[1]]
    with pytest.raises(NotFittedError):
        OneHot().transform(["a"])
    with pytest.raises(ValueError):
        OneHot().fit([None])


def test_ordinal():
    encoder = Ordinal(["S", "M", "L"]).fit(["S", "L"])
    assert list(encoder.transform(["L", "M", "XL", None])) == [2, 1, -1, -1]
    assert list(Ordinal().fit_transform(["b", "a"])) == [1, 0]
    with pytest.raises(ValueError):
        Ordinal(["S"]).fit(["M"])
    with pytest.raises(ValueError):
        Ordinal().fit([None])
    with pytest.raises(NotFittedError):
        Ordinal().transform(["a"])


def test_quantile_binner():
    binner = QuantileBinner(4).fit(list(range(1, 101)))
    assert len(binner.edges_) == 5
    assert list(binner.transform([-5, 50, 1000, None])) == [0, 1, 3, -1]
    assert QuantileBinner(2).fit_transform([1.0, 2.0, 3.0, 4.0]).tolist() == [
        0,
        0,
        1,
        1,
    ]
    with pytest.raises(ValueError):
        QuantileBinner(1)
    with pytest.raises(ValueError):
        QuantileBinner().fit([None])
    with pytest.raises(NotFittedError):
        QuantileBinner().transform([1.0])


def test_target_encoder_fit_transform_formula():
    encoder = TargetEncoder(smoothing=1.0).fit(["a", "a", "b"], [1, 0, 1])
    prior = 2 / 3
    assert encoder.prior_ == pytest.approx(prior)
    assert list(encoder.transform(["a", "z"])) == pytest.approx(
        [(1 + prior) / 3, prior]
    )


def test_target_encoder_errors():
    with pytest.raises(ValueError):
        TargetEncoder(smoothing=-1)
    with pytest.raises(ValueError):
        TargetEncoder(n_splits=1)
    with pytest.raises(ValueError):
        TargetEncoder().fit(["a"], [1, 2])
    with pytest.raises(ValueError):
        TargetEncoder().fit(["a"], [np.nan])
    with pytest.raises(ValueError):
        TargetEncoder(n_splits=3).fit_transform(["a", "b"], [1, 0])
    with pytest.raises(NotFittedError):
        TargetEncoder().transform(["a"])


def test_out_of_fold_never_uses_own_row():
    # every category appears once: out-of-fold it is unseen, so it gets the
    # prior of the other folds, never its own label
    values = [f"c{i}" for i in range(10)]
    y = [1, 0] * 5
    out = TargetEncoder(smoothing=0.0, n_splits=5).fit_transform(values, y)
    assert all(0.0 < v < 1.0 for v in out)


def test_make_features(split):
    train, test = split
    train_X, test_X = make_features(train, test)
    assert list(train_X.columns) == list(test_X.columns)
    assert "churned" not in train_X.columns
    assert not test_X.isna().any().any()
    _, again = make_features(train, test.drop(columns=["churned"]))
    pd.testing.assert_frame_equal(test_X, again)


def test_make_features_errors(split):
    train, test = split
    with pytest.raises(ValueError):
        make_features(train.drop(columns=["churned"]), test)
    with pytest.raises(ValueError):
        make_features(train, test.drop(columns=["city"]))
