"""House prices: a scikit-learn pipeline from a raw CSV to a saved model.

All preprocessing (imputation, scaling, one-hot encoding) lives *inside* one
:class:`~sklearn.pipeline.Pipeline`, so it is fitted on training data only,
cross-validated together with the model and saved with it in one file::

    X, y = load_data()
    pipeline = build_pipeline()
    print(evaluate(pipeline, X, y, cv=5))
    model = train_and_save("models/house_prices.joblib")
    predict_records(model, [{"area_sqm": 80, "district": "Central"}])

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (joblib,
numpy, scikit-learn classes, ...) and private helpers as you need them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

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
    raise NotImplementedError


def build_preprocessor() -> ColumnTransformer:
    """Return an unfitted ColumnTransformer for the raw feature frame.

    Numeric features: median imputation, then standard scaling.
    Categorical features: most-frequent imputation, then one-hot encoding
    with ``handle_unknown="ignore"`` and dense output. Output columns: the
    numeric features first (in ``NUMERIC_FEATURES`` order), then the one-hot
    columns of each categorical feature (categories sorted). Other columns are
    dropped.
    """
    raise NotImplementedError


def build_pipeline(random_state: int = 0) -> Pipeline:
    """Return an unfitted Pipeline: ``("preprocess", ...)`` then ``("model", ...)``.

    The model is a regressor seeded with ``random_state`` (when it has one),
    so two pipelines built with the same seed make identical predictions.
    """
    raise NotImplementedError


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
    raise NotImplementedError


def train_and_save(path: str | Path, data_path: str | Path = DATA_PATH) -> Pipeline:
    """Fit ``build_pipeline()`` on all of ``data_path`` and save it with joblib.

    Parent folders of ``path`` are created as needed. Returns the fitted
    pipeline (the same model that was written to ``path``).
    """
    raise NotImplementedError


def load_model(path: str | Path) -> Pipeline:
    """Load a pipeline saved by :func:`train_and_save`.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        TypeError: if the file holds something that is not a Pipeline.
    """
    raise NotImplementedError


def predict_records(model: Pipeline, records: list[dict[str, Any]]) -> list[float]:
    """Predict prices for plain dicts (like the JSON body of an API request).

    Each record maps feature names to values; a feature that is absent or
    ``None`` counts as missing and is imputed by the pipeline. Returns one
    Python float per record, in order; ``[]`` for no records.

    Raises:
        ValueError: if a record has a key that is not a feature name.
    """
    raise NotImplementedError
