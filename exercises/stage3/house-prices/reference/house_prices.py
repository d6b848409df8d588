"""House prices: a scikit-learn pipeline from a raw CSV to a saved model.

All preprocessing (imputation, scaling, one-hot encoding) lives *inside* one
:class:`~sklearn.pipeline.Pipeline`, so it is fitted on training data only,
cross-validated together with the model and saved with it in one file::

    X, y = load_data()
    pipeline = build_pipeline()
    print(evaluate(pipeline, X, y, cv=5))
    model = train_and_save("models/house_prices.joblib")
    predict_records(model, [{"area_sqm": 80, "district": "Central"}])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC_FEATURES = ["area_sqm", "bedrooms", "bathrooms", "age_years", "distance_km"]
CATEGORICAL_FEATURES = ["district", "building_type", "condition"]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
TARGET = "price"
DATA_PATH = Path("data") / "houses.csv"


def load_data(path: str | Path = DATA_PATH) -> tuple[pd.DataFrame, pd.Series]:
    """Read the houses CSV and split it into raw features ``X`` and target ``y``.

    ``X`` holds exactly the columns of ``FEATURES``, in that order, with every
    missing value left in place (no imputation here: that is the pipeline's
    job). Rows whose price is missing are dropped; the index is reset to
    ``0..n-1``. ``y`` is a float Series named ``"price"``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if a feature column or the target column is missing; the
            message names the missing columns.
    """
    frame = pd.read_csv(path)
    missing = [c for c in FEATURES + [TARGET] if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    priced = frame[frame[TARGET].notna()]
    X = priced[FEATURES].reset_index(drop=True)
    y = priced[TARGET].astype(float).reset_index(drop=True).rename(TARGET)
    return X, y


def build_preprocessor() -> ColumnTransformer:
    """Return an unfitted ColumnTransformer for the raw feature frame.

    Numeric features: median imputation, then standard scaling.
    Categorical features: most-frequent imputation, then one-hot encoding
    with ``handle_unknown="ignore"`` and dense output. Output columns: the
    numeric features first (in ``NUMERIC_FEATURES`` order), then the one-hot
    columns of each categorical feature (categories sorted). Other columns are
    dropped.
    """
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, NUMERIC_FEATURES),
            ("categorical", categorical, CATEGORICAL_FEATURES),
        ],
        remainder="drop",
    )


def build_pipeline(random_state: int = 0) -> Pipeline:
    """Return an unfitted Pipeline: ``("preprocess", ...)`` then ``("model", ...)``.

    The model is a regressor seeded with ``random_state`` (when it has one),
    so two pipelines built with the same seed make identical predictions.
    """
    model = GradientBoostingRegressor(random_state=random_state)
    return Pipeline([("preprocess", build_preprocessor()), ("model", model)])


def evaluate(pipeline: Pipeline, X: pd.DataFrame, y: pd.Series, cv: int = 5) -> dict:
    """Cross-validate ``pipeline`` on ``X, y`` and return RMSE and R2 per fold.

    Uses ``KFold(n_splits=cv, shuffle=True, random_state=0)``. Each fold fits a
    fresh clone of ``pipeline`` on the training part only; ``pipeline`` itself
    is left unfitted. Returns a dict with ``fold_rmse`` and ``fold_r2`` (lists
    of ``cv`` floats) and ``rmse_mean``, ``rmse_std``, ``r2_mean``, ``r2_std``
    (mean and population standard deviation of the fold values).

    Raises:
        ValueError: if ``cv < 2`` or ``cv`` exceeds the number of rows, or if
            ``X`` and ``y`` have different lengths.
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    # KFold itself raises ValueError for cv < 2 and, when splitting, for cv > rows.
    folds = KFold(n_splits=cv, shuffle=True, random_state=0)
    fold_rmse: list[float] = []
    fold_r2: list[float] = []
    for train_idx, test_idx in folds.split(X):
        model = clone(pipeline)
        model.fit(X.iloc[train_idx], y.iloc[train_idx])
        predicted = model.predict(X.iloc[test_idx])
        actual = y.iloc[test_idx]
        fold_rmse.append(float(np.sqrt(mean_squared_error(actual, predicted))))
        fold_r2.append(float(r2_score(actual, predicted)))
    return {
        "fold_rmse": fold_rmse,
        "fold_r2": fold_r2,
        "rmse_mean": float(np.mean(fold_rmse)),
        "rmse_std": float(np.std(fold_rmse)),
        "r2_mean": float(np.mean(fold_r2)),
        "r2_std": float(np.std(fold_r2)),
    }


def train_and_save(path: str | Path, data_path: str | Path = DATA_PATH) -> Pipeline:
    """Fit ``build_pipeline()`` on all of ``data_path`` and save it with joblib.

    Parent folders of ``path`` are created as needed. Returns the fitted
    pipeline (the same model that was written to ``path``).
    """
    X, y = load_data(data_path)
    pipeline = build_pipeline()
    pipeline.fit(X, y)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, target)
    return pipeline


def load_model(path: str | Path) -> Pipeline:
    """Load a pipeline saved by :func:`train_and_save`.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        TypeError: if the file holds something that is not a Pipeline.
    """
    target = Path(path)
    model = joblib.load(target)  # FileNotFoundError when there is no such file
    if not isinstance(model, Pipeline):
        raise TypeError(f"{target} holds a {type(model).__name__}, not a Pipeline")
    return model


def predict_records(model: Pipeline, records: list[dict[str, Any]]) -> list[float]:
    """Predict prices for plain dicts (like the JSON body of an API request).

    Each record maps feature names to values; a feature that is absent or
    ``None`` counts as missing and is imputed by the pipeline. Returns one
    Python float per record, in order; ``[]`` for no records.

    Raises:
        ValueError: if a record has a key that is not a feature name.
    """
    if not records:
        return []
    for record in records:
        unknown = sorted(set(record) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown features: {unknown}")
    frame = pd.DataFrame.from_records(records, columns=FEATURES)
    frame = frame.astype({name: float for name in NUMERIC_FEATURES})
    frame = frame.where(frame.notna(), np.nan)
    return [float(value) for value in model.predict(frame)]
