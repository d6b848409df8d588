"""Tests for house_prices.py: loading, preprocessing, evaluation and persistence."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from house_prices import (
    CATEGORICAL_FEATURES,
    FEATURES,
    NUMERIC_FEATURES,
    build_pipeline,
    build_preprocessor,
    evaluate,
    load_data,
    load_model,
    predict_records,
    train_and_save,
)


@pytest.fixture(scope="module")
def data():
    X, y = load_data()
    return X.head(300), y.head(300)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "sub" / "model.joblib"
    return path, train_and_save(path)


def test_load_data_shape_and_missing_values():
    X, y = load_data()
    assert list(X.columns) == FEATURES
    assert len(X) == len(y) == 1500
    assert y.name == "price"
    assert X["area_sqm"].isna().any()


def test_load_data_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_data(tmp_path / "missing.csv")
    path = tmp_path / "bad.csv"
    pd.DataFrame({"area_sqm": [1.0], "price": [2.0]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="district"):
        load_data(path)


def test_load_data_drops_missing_price(tmp_path):
    frame = pd.read_csv("data/houses.csv").head(4)
    frame.loc[1, "price"] = np.nan
    path = tmp_path / "h.csv"
    frame.to_csv(path, index=False)
    X, y = load_data(path)
    assert len(X) == 3
    assert list(X.index) == [0, 1, 2]


def test_preprocessor_scales_and_encodes(data):
    X, _ = data
    pre = build_preprocessor()
    assert isinstance(pre, ColumnTransformer)
    Z = pre.fit_transform(X)
    assert not np.isnan(Z).any()
    assert np.allclose(Z[:, : len(NUMERIC_FEATURES)].mean(axis=0), 0.0)
    assert np.allclose(Z[:, len(NUMERIC_FEATURES) :].sum(axis=1), 3)


def test_preprocessor_unseen_category_is_all_zero(data):
    X, _ = data
    pre = build_preprocessor().fit(X)
    row = X.dropna().head(1).copy()
    row["district"] = "Nowhere"
    n = X["district"].dropna().nunique()
    Z = pre.transform(row)
    start = len(NUMERIC_FEATURES)
    assert np.all(Z[0, start : start + n] == 0)


def test_preprocessor_uses_train_median(data):
    X, _ = data
    pre = build_preprocessor().fit(X)
    row = X.dropna().head(1).copy()
    gap = row.copy()
    gap["area_sqm"] = np.nan
    row["area_sqm"] = X["area_sqm"].median()
    assert np.allclose(pre.transform(gap), pre.transform(row))


def test_pipeline_fits_and_predicts(data):
    X, y = data
    pipeline = build_pipeline()
    assert [name for name, _ in pipeline.steps] == ["preprocess", "model"]
    predictions = pipeline.fit(X, y).predict(X.head(5))
    assert predictions.shape == (5,)


def test_evaluate_reports_folds(data):
    X, y = data
    pipeline = Pipeline([("preprocess", build_preprocessor()), ("model", Ridge())])
    result = evaluate(pipeline, X, y, cv=3)
    assert len(result["fold_rmse"]) == 3
    assert result["rmse_mean"] == pytest.approx(np.mean(result["fold_rmse"]))
    assert result["r2_std"] == pytest.approx(np.std(result["fold_r2"]))
    assert result["r2_mean"] > 0.5


def test_evaluate_rejects_bad_arguments(data):
    X, y = data
    with pytest.raises(ValueError):
        evaluate(build_pipeline(), X, y, cv=1)
    with pytest.raises(ValueError):
        evaluate(build_pipeline(), X, y.head(10), cv=3)


def test_save_and_load_round_trip(model, data):
    path, fitted = model
    loaded = load_model(path)
    X, _ = data
    assert np.array_equal(loaded.predict(X), fitted.predict(X))


def test_load_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "none.joblib")
    joblib.dump([1, 2], tmp_path / "list.joblib")
    with pytest.raises(TypeError):
        load_model(tmp_path / "list.joblib")


def test_predict_records(model):
    _, fitted = model
    records = [
        {"area_sqm": 80.0, "district": "Central", "building_type": "apartment"},
        {"district": None},
        {},
    ]
    result = predict_records(fitted, records)
    assert len(result) == 3
    assert all(isinstance(v, float) for v in result)
    assert predict_records(fitted, []) == []
    with pytest.raises(ValueError, match="colour"):
        predict_records(fitted, [{"colour": "red"}])
    assert set(CATEGORICAL_FEATURES) < set(FEATURES)
