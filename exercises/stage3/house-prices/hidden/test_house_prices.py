import math
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_regressor
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from house_prices import (
    build_pipeline,
    build_preprocessor,
    evaluate,
    load_data,
    load_model,
    predict_records,
    train_and_save,
)

NUMERIC = ["area_sqm", "bedrooms", "bathrooms", "age_years", "distance_km"]
CATEGORICAL = ["district", "building_type", "condition"]
FEATURES = NUMERIC + CATEGORICAL
DATA = Path("data") / "houses.csv"
MIN_HOLDOUT_R2 = 0.82
MAX_HOLDOUT_RMSE = 135.0


def raw_training():
    frame = pd.read_csv(DATA)
    return frame[FEATURES], frame["price"]


def ridge_pipeline():
    return Pipeline([("preprocess", build_preprocessor()), ("model", Ridge(1.0))])


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "nested" / "dir" / "model.joblib"
    model = train_and_save(path)
    return path, model


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_data_returns_feature_columns_in_order():
    """load_data returns X with exactly the 8 feature columns in order and y 'price'"""
    X, y = load_data()
    assert list(X.columns) == FEATURES
    assert len(X) == len(y) == 1500
    assert y.name == "price"
    assert y.dtype == float
    assert list(X.index) == list(range(1500))
    assert y.sum() == pytest.approx(pd.read_csv(DATA)["price"].sum())


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_data_keeps_missing_values():
    """load_data leaves every missing value in place (imputation is the pipeline's job)"""
    X, _ = load_data()
    raw = pd.read_csv(DATA)
    for column in FEATURES:
        assert X[column].isna().sum() == raw[column].isna().sum(), column
    assert X["area_sqm"].isna().sum() > 0


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_data_drops_rows_without_price(tmp_path):
    """Rows with a missing price are dropped and the index is renumbered from 0"""
    raw = pd.read_csv(DATA).head(10).copy()
    raw.loc[[2, 5], "price"] = np.nan
    path = tmp_path / "houses.csv"
    raw.to_csv(path, index=False)
    X, y = load_data(str(path))
    assert len(X) == len(y) == 8
    assert list(X.index) == list(range(8))
    assert list(y) == list(raw["price"].dropna())


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize("column", ["district", "price"])
def test_load_data_missing_column_raises(tmp_path, column):
    """A CSV without a required column raises ValueError naming that column"""
    raw = pd.read_csv(DATA).head(5).drop(columns=[column])
    path = tmp_path / "houses.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(ValueError, match=column):
        load_data(path)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_data_missing_file_raises(tmp_path):
    """A file that does not exist raises FileNotFoundError"""
    with pytest.raises(FileNotFoundError):
        load_data(tmp_path / "nope.csv")


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_preprocessor_output_shape_and_no_nan():
    """The preprocessor outputs a dense array: 5 scaled numerics + one-hot columns, no NaN"""
    X, _ = raw_training()
    pre = build_preprocessor()
    assert isinstance(pre, ColumnTransformer)
    Z = np.asarray(pre.fit_transform(X), dtype=float)
    n_categories = sum(X[c].dropna().nunique() for c in CATEGORICAL)
    assert Z.shape == (len(X), len(NUMERIC) + n_categories)
    assert not np.isnan(Z).any()
    assert np.allclose(Z[:, :5].mean(axis=0), 0.0, atol=1e-9)
    assert np.allclose(Z[:, :5].std(axis=0), 1.0, atol=1e-9)
    assert np.allclose(Z[:, 5:].sum(axis=1), len(CATEGORICAL))


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_preprocessor_uses_training_statistics_only(small_train, holdout):
    """Numeric columns of new data are scaled with the training median, mean and std"""
    X_train, _ = small_train
    X_new, _ = holdout
    pre = build_preprocessor().fit(X_train)
    Z = np.asarray(pre.transform(X_new), dtype=float)
    for i, column in enumerate(NUMERIC):
        filled = X_train[column].fillna(X_train[column].median())
        new = X_new[column].fillna(X_train[column].median())
        expected = (new - filled.mean()) / filled.std(ddof=0)
        assert np.allclose(Z[:, i], expected), column


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_preprocessor_does_not_refit_on_new_data(small_train):
    """Shifted new data is not re-centred: transform reuses the fitted statistics"""
    X_train, _ = small_train
    pre = build_preprocessor().fit(X_train)
    shifted = X_train.dropna(subset=["area_sqm"]).head(50).copy()
    shifted["area_sqm"] = shifted["area_sqm"] + 1000.0
    Z = np.asarray(pre.transform(shifted), dtype=float)
    assert Z[:, 0].min() > 10.0
    first = np.asarray(pre.transform(shifted.head(1)), dtype=float)
    assert np.allclose(first[0], Z[0])


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_preprocessor_imputes_numeric_with_training_median(small_train):
    """A missing numeric value is encoded exactly like the training median"""
    X_train, _ = small_train
    pre = build_preprocessor().fit(X_train)
    median = X_train["age_years"].median()
    row = X_train[X_train["age_years"] != median].dropna().head(1).copy()
    missing = row.copy()
    missing["age_years"] = np.nan
    filled = row.copy()
    filled["age_years"] = median
    Z = np.asarray(pre.transform(pd.concat([missing, filled])), dtype=float)
    assert np.allclose(Z[0], Z[1])


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_preprocessor_imputes_category_with_most_frequent(small_train):
    """A missing category is encoded like the most frequent training category"""
    X_train, _ = small_train
    pre = build_preprocessor().fit(X_train)
    most_frequent = X_train["district"].value_counts().idxmax()
    row = X_train[X_train["district"] != most_frequent].dropna().head(1).copy()
    missing = row.copy()
    missing["district"] = np.nan
    frequent = row.copy()
    frequent["district"] = most_frequent
    Z = np.asarray(pre.transform(pd.concat([missing, frequent])), dtype=float)
    assert np.allclose(Z[0], Z[1])


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_preprocessor_ignores_unseen_category(small_train):
    """An unseen district does not raise and gets an all-zero district block"""
    X_train, _ = small_train
    pre = build_preprocessor().fit(X_train)
    row = X_train.dropna().head(1).copy()
    row["district"] = "Atlantis"
    Z = np.asarray(pre.transform(row), dtype=float)
    n_districts = X_train["district"].dropna().nunique()
    assert np.all(Z[0, 5 : 5 + n_districts] == 0.0)
    assert Z[0, 5 + n_districts :].sum() == len(CATEGORICAL) - 1


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_preprocessor_drops_extra_columns_and_ignores_order(small_train):
    """Extra columns are dropped and the column order of the input frame does not matter"""
    X_train, _ = small_train
    pre = build_preprocessor().fit(X_train)
    reordered = X_train[FEATURES[::-1]].copy()
    reordered["house_id"] = np.arange(len(reordered))
    assert np.allclose(
        np.asarray(pre.transform(reordered), dtype=float),
        np.asarray(pre.transform(X_train), dtype=float),
    )


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_pipeline_structure_is_preprocess_then_regressor():
    """build_pipeline returns an unfitted Pipeline: 'preprocess' ColumnTransformer, then a regressor"""
    pipeline = build_pipeline()
    assert isinstance(pipeline, Pipeline)
    assert [name for name, _ in pipeline.steps] == ["preprocess", "model"]
    assert isinstance(pipeline.named_steps["preprocess"], ColumnTransformer)
    assert is_regressor(pipeline.named_steps["model"])
    with pytest.raises(NotFittedError):
        check_is_fitted(pipeline)


@pytest.mark.task(3)
@pytest.mark.points(5)
def test_pipeline_quality_on_hidden_holdout(holdout):
    """Fitted on data/houses.csv, the pipeline reaches R2 >= 0.82 on a fresh holdout"""
    X, y = raw_training()
    X_new, y_new = holdout
    pipeline = build_pipeline().fit(X, y)
    predicted = np.asarray(pipeline.predict(X_new), dtype=float)
    assert predicted.shape == (len(X_new),)
    assert np.isfinite(predicted).all()
    assert r2_score(y_new, predicted) >= MIN_HOLDOUT_R2
    assert math.sqrt(mean_squared_error(y_new, predicted)) <= MAX_HOLDOUT_RMSE


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_pipeline_handles_raw_rows_with_gaps(small_train):
    """The fitted pipeline predicts raw rows with NaNs and unseen categories"""
    X_train, y_train = small_train
    pipeline = build_pipeline().fit(X_train, y_train)
    rows = X_train.head(3).copy()
    rows.loc[rows.index[0], NUMERIC] = np.nan
    rows.loc[rows.index[1], CATEGORICAL] = np.nan
    rows.loc[rows.index[2], "district"] = "Atlantis"
    rows.loc[rows.index[2], "condition"] = "ruined"
    predicted = np.asarray(pipeline.predict(rows), dtype=float)
    assert predicted.shape == (3,)
    assert np.isfinite(predicted).all()


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_pipeline_is_deterministic_and_batch_independent(small_train, holdout):
    """Same seed, same predictions; a row's prediction does not depend on its batch"""
    X_train, y_train = small_train
    X_new, _ = holdout
    first = build_pipeline(random_state=0).fit(X_train, y_train)
    second = build_pipeline(random_state=0).fit(X_train, y_train)
    batch = np.asarray(first.predict(X_new), dtype=float)
    assert np.allclose(batch, np.asarray(second.predict(X_new), dtype=float))
    alone = np.asarray(first.predict(X_new.iloc[[7]]), dtype=float)
    assert alone[0] == pytest.approx(batch[7])


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(4)
def test_evaluate_matches_shuffled_kfold(small_train):
    """evaluate reports per-fold RMSE/R2 of KFold(cv, shuffle=True, random_state=0)"""
    X, y = small_train
    result = evaluate(ridge_pipeline(), X, y, cv=4)
    fold_rmse, fold_r2 = [], []
    for train_idx, test_idx in KFold(4, shuffle=True, random_state=0).split(X):
        model = ridge_pipeline().fit(X.iloc[train_idx], y.iloc[train_idx])
        predicted = model.predict(X.iloc[test_idx])
        fold_rmse.append(math.sqrt(mean_squared_error(y.iloc[test_idx], predicted)))
        fold_r2.append(r2_score(y.iloc[test_idx], predicted))
    assert list(result["fold_rmse"]) == pytest.approx(fold_rmse, rel=1e-7)
    assert list(result["fold_r2"]) == pytest.approx(fold_r2, rel=1e-7)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_evaluate_summary_is_mean_and_population_std(small_train):
    """rmse_mean/r2_mean are fold means and *_std population standard deviations"""
    X, y = small_train
    result = evaluate(ridge_pipeline(), X, y, cv=5)
    assert set(result) >= {
        "fold_rmse",
        "fold_r2",
        "rmse_mean",
        "rmse_std",
        "r2_mean",
        "r2_std",
    }
    assert len(result["fold_rmse"]) == len(result["fold_r2"]) == 5
    for name in ("rmse", "r2"):
        folds = np.asarray(result[f"fold_{name}"], dtype=float)
        assert isinstance(result[f"{name}_mean"], float)
        assert result[f"{name}_mean"] == pytest.approx(folds.mean())
        assert result[f"{name}_std"] == pytest.approx(folds.std(ddof=0))
    assert result["rmse_mean"] > 0
    assert 0.5 < result["r2_mean"] <= 1.0


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_evaluate_refits_preprocessing_inside_each_fold():
    """Each fold fits imputation on its own training rows (no statistics from the held-out fold)"""
    # One huge value in a numeric column: a median computed on all rows would
    # differ from the median of each fold's training part only.
    X = pd.DataFrame(
        {
            "area_sqm": [np.nan, 10.0, 20.0, 30.0, 40.0, 50.0, 1e6, 70.0],
            "bedrooms": [1.0, 2, 3, 4, 5, 6, 7, 8],
            "bathrooms": [1.0] * 8,
            "age_years": [5.0] * 8,
            "distance_km": [1.0] * 8,
            "district": ["A", "B"] * 4,
            "building_type": ["x"] * 8,
            "condition": ["good"] * 8,
        }
    )
    y = pd.Series([10.0, 20, 30, 40, 50, 60, 70, 80])
    result = evaluate(ridge_pipeline(), X, y, cv=2)
    expected = []
    for train_idx, test_idx in KFold(2, shuffle=True, random_state=0).split(X):
        model = ridge_pipeline().fit(X.iloc[train_idx], y.iloc[train_idx])
        predicted = model.predict(X.iloc[test_idx])
        expected.append(math.sqrt(mean_squared_error(y.iloc[test_idx], predicted)))
    assert list(result["fold_rmse"]) == pytest.approx(expected, rel=1e-7)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_evaluate_leaves_pipeline_unfitted(small_train):
    """evaluate fits clones: the pipeline passed in is still unfitted afterwards"""
    X, y = small_train
    pipeline = ridge_pipeline()
    evaluate(pipeline, X, y, cv=3)
    with pytest.raises(NotFittedError):
        check_is_fitted(pipeline)


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.parametrize("cv", [1, 0, 301])
def test_evaluate_rejects_bad_cv(small_train, cv):
    """evaluate raises ValueError when cv < 2 or cv exceeds the number of rows"""
    X, y = small_train
    with pytest.raises(ValueError):
        evaluate(ridge_pipeline(), X, y, cv=cv)


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_save_load_round_trip_predicts_identically(saved, holdout):
    """A loaded model makes exactly the predictions of the model that was saved"""
    path, model = saved
    assert path.is_file()
    loaded = load_model(path)
    X_new, y_new = holdout
    before = np.asarray(model.predict(X_new), dtype=float)
    after = np.asarray(loaded.predict(X_new), dtype=float)
    assert np.array_equal(before, after)
    assert r2_score(y_new, after) >= MIN_HOLDOUT_R2


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_saved_file_holds_whole_pipeline(saved):
    """The joblib file holds one fitted Pipeline, preprocessing included"""
    path, _ = saved
    obj = joblib.load(path)
    assert isinstance(obj, Pipeline)
    check_is_fitted(obj)
    raw = pd.read_csv(DATA).head(5)
    assert np.isfinite(np.asarray(obj.predict(raw), dtype=float)).all()


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_load_model_errors(tmp_path):
    """load_model raises FileNotFoundError for no file and TypeError for a non-Pipeline"""
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.joblib")
    path = tmp_path / "not_a_model.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(TypeError):
        load_model(str(path))


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_predict_records_matches_frame_predictions(saved, holdout):
    """predict_records on plain dicts gives the same floats as predict on a frame"""
    _, model = saved
    X_new, _ = holdout
    rows = X_new.dropna().head(5)
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in rows.to_dict("records")
    ]
    result = predict_records(model, records)
    assert isinstance(result, list) and len(result) == 5
    assert all(isinstance(v, float) for v in result)
    assert result == pytest.approx(list(model.predict(rows)))


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_predict_records_treats_absent_and_none_as_missing(saved):
    """Absent keys and None values are imputed: both give the same finite price"""
    _, model = saved
    absent = {"area_sqm": 90.0, "building_type": "apartment"}
    nones = dict(absent, district=None, bedrooms=None, condition=None)
    result = predict_records(model, [absent, nones, {}])
    assert len(result) == 3
    assert all(math.isfinite(v) for v in result)
    assert result[0] == pytest.approx(result[1])


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_predict_records_rejects_unknown_keys_and_handles_empty(saved):
    """An unknown key raises ValueError naming it; no records give []"""
    _, model = saved
    with pytest.raises(ValueError, match="are_sqm"):
        predict_records(model, [{"area_sqm": 80.0}, {"are_sqm": 80.0}])
    assert predict_records(model, []) == []
