import math
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import KFold

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


def as_array(value):
    return np.asarray(value, dtype=float)


def assert_not_fitted(pipeline, X):
    """Predicting with an unfitted scikit-learn estimator raises NotFittedError."""
    with pytest.raises((ValueError, AttributeError)) as info:
        pipeline.predict(X)
    assert info.type.__name__ == "NotFittedError"


def manual_folds(X, y, cv):
    """Per-fold RMSE and R2 of fresh build_pipeline() fits on shuffled KFold splits."""
    rmse, r2 = [], []
    for train_idx, test_idx in KFold(cv, shuffle=True, random_state=0).split(X):
        model = build_pipeline().fit(X.iloc[train_idx], y.iloc[train_idx])
        predicted = as_array(model.predict(X.iloc[test_idx]))
        rmse.append(math.sqrt(mean_squared_error(y.iloc[test_idx], predicted)))
        r2.append(r2_score(y.iloc[test_idx], predicted))
    return rmse, r2


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    for path in (folder, *folder.parents[:2]):
        try:
            path.chmod(0o777)  # the submission may run as another user
        except OSError:
            pass
    path = folder / "nested" / "dir" / "model.joblib"
    model = train_and_save(str(path))
    return path, model


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_data_returns_feature_columns_in_order():
    """load_data returns the 8 feature columns in order and a float y named price"""
    X, y = load_data()
    assert list(X.columns) == FEATURES
    assert len(X) == len(y) == 1500
    assert y.name == "price"
    assert y.dtype == float
    assert list(X.index) == list(range(1500))
    assert y.sum() == pytest.approx(pd.read_csv(DATA)["price"].sum())


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_load_data_keeps_missing_values():
    """load_data leaves every missing value in place (the pipeline imputes)"""
    X, _ = load_data()
    raw = pd.read_csv(DATA)
    for column in FEATURES:
        assert X[column].isna().sum() == raw[column].isna().sum(), column
    assert X["area_sqm"].isna().sum() > 0


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
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
        load_data(str(path))


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_data_missing_file_raises(tmp_path):
    """A file that does not exist raises FileNotFoundError"""
    with pytest.raises(FileNotFoundError):
        load_data(str(tmp_path / "nope.csv"))


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_preprocessor_output_shape_and_no_nan():
    """The preprocessor outputs 5 scaled numerics then one-hot columns, no NaN"""
    X, _ = raw_training()
    pre = build_preprocessor()
    assert repr(pre).startswith("ColumnTransformer(")
    Z = as_array(pre.fit_transform(X))
    n_categories = sum(X[c].dropna().nunique() for c in CATEGORICAL)
    assert Z.shape == (len(X), len(NUMERIC) + n_categories)
    assert not np.isnan(Z).any()
    assert np.allclose(Z[:, :5].mean(axis=0), 0.0, atol=1e-9)
    assert np.allclose(Z[:, :5].std(axis=0), 1.0, atol=1e-9)
    assert np.allclose(Z[:, 5:].sum(axis=1), len(CATEGORICAL))


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_preprocessor_uses_training_statistics_only(small_train, holdout):
    """Numeric columns of new data are scaled with the training median, mean and std"""
    X_train, _ = small_train
    X_new, _ = holdout
    pre = build_preprocessor().fit(X_train)
    Z = as_array(pre.transform(X_new))
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
    Z = as_array(pre.transform(shifted))
    assert Z[:, 0].min() > 10.0
    first = as_array(pre.transform(shifted.head(1)))
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
    Z = as_array(pre.transform(pd.concat([missing, filled])))
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
    Z = as_array(pre.transform(pd.concat([missing, frequent])))
    assert np.allclose(Z[0], Z[1])


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_preprocessor_ignores_unseen_category(small_train):
    """An unseen district does not raise and gets an all-zero district block"""
    X_train, _ = small_train
    pre = build_preprocessor().fit(X_train)
    row = X_train.dropna().head(1).copy()
    row["district"] = "Atlantis"
    Z = as_array(pre.transform(row))
    n_districts = X_train["district"].dropna().nunique()
    assert np.all(Z[0, 5 : 5 + n_districts] == 0.0)
    assert Z[0, 5 + n_districts :].sum() == len(CATEGORICAL) - 1


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_preprocessor_drops_extra_columns_and_ignores_order(small_train):
    """Extra columns are dropped and the input column order does not matter"""
    X_train, _ = small_train
    pre = build_preprocessor().fit(X_train)
    reordered = X_train[FEATURES[::-1]].copy()
    reordered["house_id"] = np.arange(len(reordered))
    assert np.allclose(
        as_array(pre.transform(reordered)),
        as_array(pre.transform(X_train)),
    )


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_pipeline_structure_is_preprocess_then_regressor():
    """build_pipeline is an unfitted Pipeline: preprocess step, then a regressor"""
    pipeline = build_pipeline()
    assert repr(pipeline).startswith("Pipeline(")
    assert [name for name, _ in pipeline.steps] == ["preprocess", "model"]
    steps = pipeline.named_steps
    assert repr(steps["preprocess"]).startswith("ColumnTransformer(")
    assert steps["model"].__sklearn_tags__().estimator_type == "regressor"
    X, _ = raw_training()
    assert_not_fitted(pipeline, X.head(3))


@pytest.mark.task(3)
@pytest.mark.points(5)
@pytest.mark.core
def test_pipeline_quality_on_hidden_holdout(holdout):
    """Fitted on houses.csv, the pipeline reaches R2 >= 0.82 on a fresh holdout"""
    X, y = raw_training()
    X_new, y_new = holdout
    pipeline = build_pipeline().fit(X, y)
    predicted = as_array(pipeline.predict(X_new))
    assert predicted.shape == (len(X_new),)
    assert np.isfinite(predicted).all()
    assert r2_score(y_new, predicted) >= MIN_HOLDOUT_R2
    assert math.sqrt(mean_squared_error(y_new, predicted)) <= MAX_HOLDOUT_RMSE


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_pipeline_handles_raw_rows_with_gaps(small_train):
    """The fitted pipeline predicts raw rows with NaNs and unseen categories"""
    X_train, y_train = small_train
    pipeline = build_pipeline().fit(X_train, y_train)
    rows = X_train.head(3).copy()
    rows.loc[rows.index[0], NUMERIC] = np.nan
    rows.loc[rows.index[1], CATEGORICAL] = np.nan
    rows.loc[rows.index[2], "district"] = "Atlantis"
    rows.loc[rows.index[2], "condition"] = "ruined"
    predicted = as_array(pipeline.predict(rows))
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
    batch = as_array(first.predict(X_new))
    assert np.allclose(batch, as_array(second.predict(X_new)))
    alone = as_array(first.predict(X_new.iloc[[7]]))
    assert alone[0] == pytest.approx(batch[7])


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_evaluate_matches_shuffled_kfold(small_train):
    """evaluate reports per-fold RMSE/R2 of KFold(cv, shuffle=True, random_state=0)"""
    X, y = small_train
    result = evaluate(build_pipeline(), X, y, cv=4)
    fold_rmse, fold_r2 = manual_folds(X, y, 4)
    assert list(result["fold_rmse"]) == pytest.approx(fold_rmse, rel=1e-7)
    assert list(result["fold_r2"]) == pytest.approx(fold_r2, rel=1e-7)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_evaluate_summary_is_mean_and_population_std(small_train):
    """rmse_mean/r2_mean are fold means and *_std population standard deviations"""
    X, y = small_train
    result = evaluate(build_pipeline(), X, y, cv=5)
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
        assert isinstance(result[f"{name}_mean"], float), f"for {name!r}"
        assert result[f"{name}_mean"] == pytest.approx(folds.mean()), f"for {name!r}"
        assert result[f"{name}_std"] == pytest.approx(
            folds.std(ddof=0)
        ), f"for {name!r}"
    assert result["rmse_mean"] > 0
    assert 0.5 < result["r2_mean"] <= 1.0


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_evaluate_scores_held_out_rows_only():
    """Each fold is scored on rows its model never saw (RMSE far above a refit's)"""
    frame = pd.read_csv(DATA).head(120)
    X, y = frame[FEATURES], frame["price"]
    result = evaluate(build_pipeline(), X, y, cv=3)
    fold_rmse, _ = manual_folds(X, y, 3)
    assert list(result["fold_rmse"]) == pytest.approx(fold_rmse, rel=1e-7)
    in_sample = build_pipeline().fit(X, y).predict(X)
    train_rmse = math.sqrt(mean_squared_error(y, as_array(in_sample)))
    assert result["rmse_mean"] > train_rmse


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_evaluate_leaves_pipeline_unfitted(small_train):
    """evaluate fits clones: the pipeline passed in is still unfitted afterwards"""
    X, y = small_train
    pipeline = build_pipeline()
    evaluate(pipeline, X, y, cv=3)
    assert_not_fitted(pipeline, X.head(3))


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.parametrize("cv", [1, 0, 301])
def test_evaluate_rejects_bad_cv(small_train, cv):
    """evaluate raises ValueError when cv < 2 or cv exceeds the number of rows"""
    X, y = small_train
    with pytest.raises(ValueError):
        evaluate(build_pipeline(), X, y, cv=cv)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_evaluate_uses_five_folds_by_default_and_accepts_two(small_train):
    """evaluate makes 5 folds when cv is not given, and cv=2 (the smallest) works"""
    X, y = small_train
    assert len(evaluate(build_pipeline(), X, y)["fold_rmse"]) == 5
    assert len(evaluate(build_pipeline(), X, y, cv=2)["fold_r2"]) == 2


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_evaluate_rejects_length_mismatch(small_train):
    """evaluate raises ValueError when X and y have different lengths"""
    X, y = small_train
    with pytest.raises(ValueError):
        evaluate(build_pipeline(), X, y.head(100), cv=3)


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_save_load_round_trip_predicts_identically(saved, holdout):
    """A loaded model makes exactly the predictions of the model that was saved"""
    path, model = saved
    assert path.is_file()
    loaded = load_model(str(path))
    X_new, y_new = holdout
    before = as_array(model.predict(X_new))
    after = as_array(loaded.predict(X_new))
    assert np.array_equal(before, after)
    assert r2_score(y_new, after) >= MIN_HOLDOUT_R2


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_saved_file_holds_whole_pipeline(saved):
    """The saved file holds the whole fitted pipeline: raw CSV rows predict directly"""
    path, _ = saved
    loaded = load_model(str(path))
    assert repr(loaded).startswith("Pipeline(")
    raw = pd.read_csv(DATA).head(5)
    raw.loc[0, ["area_sqm", "district"]] = np.nan
    assert np.isfinite(as_array(loaded.predict(raw))).all()


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_load_model_errors(tmp_path):
    """load_model raises FileNotFoundError (no file) and TypeError (not a Pipeline)"""
    with pytest.raises(FileNotFoundError):
        load_model(str(tmp_path / "missing.joblib"))
    path = tmp_path / "not_a_model.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(TypeError):
        load_model(str(path))


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_predict_records_matches_frame_predictions(saved, holdout):
    """predict_records on plain dicts gives the floats predict gives on a frame"""
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
    assert result == pytest.approx(list(as_array(model.predict(rows))))


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
    # a lone record: its None columns hold nothing but None
    alone = predict_records(model, [nones])
    assert alone[0] == pytest.approx(result[0])


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_predict_records_rejects_unknown_keys_and_handles_empty(saved):
    """An unknown key raises ValueError naming it; no records give []"""
    _, model = saved
    with pytest.raises(ValueError, match="are_sqm"):
        predict_records(model, [{"area_sqm": 80.0}, {"are_sqm": 80.0}])
    assert predict_records(model, []) == []
