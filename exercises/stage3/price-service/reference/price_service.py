"""The house-price model behind a FastAPI service, crossing as JSON, never pickle.

A fitted ``StandardScaler + Ridge`` pipeline is exported to a JSON file of plain
numbers; the service reads that file and predicts with numpy alone::

    X, y = make_dataset()
    pipeline = train_pipeline(X, y)
    export_model(pipeline, "model.json", metrics={"r2": 0.9})
    app = create_app("model.json")
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

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
    return make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(X, y)


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float).ravel()]


def export_model(
    pipeline: Pipeline,
    path: str | Path,
    *,
    version: str = "1.0.0",
    metrics: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Write a fitted StandardScaler + linear pipeline to ``path`` as JSON.

    Returns the dict written. Raises ValueError if the pipeline is not a fitted
    scaler followed by a linear model.
    """
    steps = [step for _, step in pipeline.steps]
    if len(steps) != 2 or not isinstance(steps[0], StandardScaler):
        raise ValueError("export_model needs a pipeline of StandardScaler + Ridge")
    scaler, linear = steps
    if not hasattr(linear, "coef_") or not hasattr(scaler, "n_features_in_"):
        raise ValueError("export_model needs a fitted pipeline: call fit first")
    n = int(scaler.n_features_in_)
    names = getattr(scaler, "feature_names_in_", None)
    features = [str(f) for f in names] if names is not None else FEATURES[:n]
    mean = _floats(scaler.mean_) if scaler.with_mean else [0.0] * n
    scale = _floats(scaler.scale_) if scaler.with_std else [1.0] * n
    document = {
        "format": FORMAT,
        "version": version,
        "features": features,
        "mean": mean,
        "scale": scale,
        "coef": _floats(linear.coef_),
        "intercept": float(np.asarray(linear.intercept_, dtype=float).ravel()[0]),
        "metrics": {str(k): float(v) for k, v in (metrics or {}).items()},
    }
    Path(path).write_text(json.dumps(document, indent=2), encoding="utf-8")
    return document


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
        """Predict prices for rows of X (columns in ``features`` order)."""
        if isinstance(X, pd.DataFrame):
            X = X[self.features]
        rows = np.asarray(X, dtype=float)
        if rows.ndim != 2 or rows.shape[1] != len(self.features):
            raise ValueError(
                f"expected rows of {len(self.features)} features {self.features}"
            )
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def predict_one(self, house: dict[str, float]) -> float:
        """Predict the price of one house given as ``{feature: value}``."""
        missing = [f for f in self.features if f not in house]
        if missing:
            raise ValueError(f"missing features: {missing}")
        return float(self.predict([[house[f] for f in self.features]])[0])


def _numbers(raw: dict[str, Any], key: str, n: int | None) -> np.ndarray:
    values = raw.get(key)
    if not isinstance(values, list) or (n is not None and len(values) != n):
        raise ValueError(f"model file: {key!r} must be a list of {n} numbers")
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        raise ValueError(f"model file: {key!r} must hold finite numbers only")
    return np.asarray(values, dtype=float)


def load_model(path: str | Path) -> PriceModel:
    """Read a model exported by export_model; never unpickles anything.

    Raises ValueError naming the problem when the file is not such a JSON model.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a JSON model file ({error})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} model file")
    features = raw.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("model file: 'features' must be a non-empty list of names")
    n = len(features)
    scale = _numbers(raw, "scale", n)
    if np.any(scale <= 0):
        raise ValueError("model file: every 'scale' must be positive")
    intercept = raw.get("intercept")
    if not isinstance(intercept, (int, float)) or not math.isfinite(intercept):
        raise ValueError("model file: 'intercept' must be a finite number")
    return PriceModel(
        version=str(raw.get("version", "")),
        features=[str(f) for f in features],
        mean=_numbers(raw, "mean", n),
        scale=scale,
        coef=_numbers(raw, "coef", n),
        intercept=float(intercept),
        metrics=dict(raw.get("metrics") or {}),
    )


Positive = Field(gt=0, allow_inf_nan=False)


class House(BaseModel):
    """One house: every feature required, a finite positive number."""

    model_config = ConfigDict(extra="forbid")

    area_sqm: float = Positive
    bedrooms: float = Positive
    bathrooms: float = Positive
    age_years: float = Positive
    distance_km: float = Positive


class Batch(BaseModel):
    houses: list[House] = Field(min_length=1, max_length=MAX_BATCH)


async def _refuse(request: Request, error: Exception) -> JSONResponse:
    # FastAPI's own 422 echoes the input, and NaN or inf cannot be written as JSON.
    errors = error.errors() if isinstance(error, RequestValidationError) else []
    detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in errors]
    return JSONResponse({"detail": detail}, status_code=422)


def create_app(model_path: str | Path) -> FastAPI:
    """Build the service around the JSON model at ``model_path``."""
    model = load_model(model_path)
    if model.features != FEATURES:
        raise ValueError(f"the model's features {model.features} are not {FEATURES}")
    app = FastAPI(title="price-service", version=model.version)
    app.add_exception_handler(RequestValidationError, _refuse)

    @app.post("/predict")
    def predict(house: House) -> dict[str, Any]:
        price = model.predict_one(house.model_dump())
        return {"price": price, "version": model.version}

    @app.post("/predict/batch")
    def predict_batch(batch: Batch) -> dict[str, Any]:
        rows = [[h.model_dump()[f] for f in FEATURES] for h in batch.houses]
        prices = [float(p) for p in model.predict(rows)]
        return {"prices": prices, "version": model.version}

    @app.get("/model")
    def info() -> dict[str, Any]:
        return {
            "features": model.features,
            "version": model.version,
            "metrics": model.metrics,
        }

    return app
