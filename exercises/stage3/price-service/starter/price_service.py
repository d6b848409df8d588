"""The house-price model behind a FastAPI service, crossing as JSON, never pickle.

A fitted ``StandardScaler + Ridge`` pipeline is exported to a JSON file of plain
numbers; the service reads that file and predicts with numpy alone::

    X, y = make_dataset()
    pipeline = train_pipeline(X, y)
    export_model(pipeline, "model.json", metrics={"r2": 0.9})
    app = create_app("model.json")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI
from sklearn.pipeline import Pipeline

FEATURES = ["area_sqm", "bedrooms", "bathrooms", "age_years", "distance_km"]
FORMAT = "price-model/1"
MAX_BATCH = 100


def make_dataset(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Generate ``n`` seeded houses: features ``X`` (columns FEATURES) and ``price``.

    Given: the same recipe as the hidden tests use.
    """
    rng = np.random.default_rng(seed)
    area = rng.uniform(30, 200, n)
    bedrooms = np.clip(np.round(area / 35 + rng.normal(0, 0.6, n)), 1, 6)
    bathrooms = np.clip(np.round(bedrooms / 2 + rng.normal(0, 0.4, n)), 1, 4)
    age = rng.uniform(1, 60, n)
    distance = rng.uniform(0.5, 30, n)
    price = (
        120
        + 4.2 * area
        + 15 * bedrooms
        + 25 * bathrooms
        - 1.8 * age
        - 6.5 * distance
        + rng.normal(0, 25, n)
    )
    X = pd.DataFrame(
        {
            "area_sqm": area.round(1),
            "bedrooms": bedrooms,
            "bathrooms": bathrooms,
            "age_years": age.round(1),
            "distance_km": distance.round(2),
        }
    )
    return X, pd.Series(price.round(1), name="price")


def train_pipeline(X: pd.DataFrame, y: pd.Series, alpha: float = 1.0) -> Pipeline:
    """Fit and return ``make_pipeline(StandardScaler(), Ridge(alpha=alpha))``."""
    raise NotImplementedError


def export_model(
    pipeline: Pipeline,
    path: str | Path,
    *,
    version: str = "1.0.0",
    metrics: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Write a fitted StandardScaler + linear pipeline to ``path`` as JSON.

    The document holds ``format`` (FORMAT), ``version``, ``features``, ``mean``,
    ``scale``, ``coef``, ``intercept`` and ``metrics`` (see the instructions).
    Returns the dict written. Raises ValueError if the pipeline is not a fitted
    scaler followed by a linear model.
    """
    raise NotImplementedError


@dataclass(frozen=True)
class PriceModel:
    """An exported linear pipeline: standardise, then a dot product."""

    version: str
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    metrics: dict[str, float] = field(default_factory=dict)

    def predict(self, X: Any) -> np.ndarray:
        """Predict prices for rows of X (columns in ``features`` order), numpy only."""
        raise NotImplementedError

    def predict_one(self, house: dict[str, float]) -> float:
        """Predict the price of one house given as ``{feature: value}``."""
        raise NotImplementedError


def load_model(path: str | Path) -> PriceModel:
    """Read a model exported by export_model; never unpickles anything.

    Raises ValueError naming the problem when the file is not such a JSON model.
    """
    raise NotImplementedError


def create_app(model_path: str | Path) -> FastAPI:
    """Build the service around the JSON model at ``model_path``.

    POST /predict, POST /predict/batch and GET /model: see the instructions.
    """
    raise NotImplementedError
