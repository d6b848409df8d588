"""A small prediction service: a JSON-coefficient logistic model behind FastAPI."""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MODEL_PATH = Path("data") / "model.json"
DEFAULT_API_KEY = "dev-key"
DEFAULT_MAX_BATCH = 32


# --------------------------------------------------------------------- task 1


@dataclass(frozen=True)
class LinearModel:
    """Logistic regression stored as plain coefficients."""

    name: str
    version: str
    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5

    def predict_proba(self, row: dict[str, float]) -> float:
        """P(label = 1) for one row: sigmoid(intercept + sum coef_i * x_i)."""
        missing = [name for name in self.features if name not in row]
        if missing:
            raise ValueError(f"missing features: {missing}")
        z = self.intercept + sum(
            weight * float(row[name]) for name, weight in zip(self.features, self.coef)
        )
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        exp_z = math.exp(z)
        return exp_z / (1.0 + exp_z)

    def predict(self, row: dict[str, float]) -> dict[str, Any]:
        """``{"probability": p, "label": 1 if p >= threshold else 0}``."""
        probability = self.predict_proba(row)
        return {"probability": probability, "label": int(probability >= self.threshold)}


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite")
    return float(value)


def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> LinearModel:
    """Read and validate a model JSON file (never pickle)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError("the model file must hold a JSON object")
    for key in ("name", "version", "features", "coef", "intercept"):
        if key not in raw:
            raise ValueError(f"the model file has no {key!r}")
    features = raw["features"]
    if (
        not isinstance(features, list)
        or not features
        or not all(isinstance(f, str) and f for f in features)
        or len(set(features)) != len(features)
    ):
        raise ValueError("features must be a non-empty list of unique names")
    coef = raw["coef"]
    if not isinstance(coef, list) or len(coef) != len(features):
        raise ValueError("coef must be a list as long as features")
    threshold = _number(raw.get("threshold", 0.5), "threshold")
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1")
    return LinearModel(
        name=str(raw["name"]),
        version=str(raw["version"]),
        features=tuple(features),
        coef=tuple(_number(c, "coef") for c in coef),
        intercept=_number(raw["intercept"], "intercept"),
        threshold=threshold,
    )


# --------------------------------------------------------------------- task 2


class PredictRequest(BaseModel):
    """One row: feature name -> finite number."""

    model_config = ConfigDict(extra="forbid")

    features: dict[str, float] = Field(...)


class BatchRequest(BaseModel):
    """Several rows at once."""

    model_config = ConfigDict(extra="forbid")

    items: list[PredictRequest] = Field(..., min_length=1)


def create_app(
    model: LinearModel | None = None,
    api_key: str = DEFAULT_API_KEY,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> FastAPI:
    """Build the FastAPI application around ``model`` (default: data/model.json)."""
    if model is None:
        model = load_model()
    if not api_key:
        raise ValueError("api_key must not be empty")
    if max_batch < 1:
        raise ValueError("max_batch must be at least 1")
    app = FastAPI(title="prediction service", version=model.version)

    def check_key(x_api_key: str | None = Header(default=None)) -> None:
        if x_api_key is None:
            raise HTTPException(status_code=401, detail="missing X-API-Key header")
        if not secrets.compare_digest(x_api_key.encode(), api_key.encode()):
            raise HTTPException(status_code=403, detail="invalid API key")

    def run(row: dict[str, float]) -> dict[str, Any]:
        unknown = sorted(set(row) - set(model.features))
        missing = [name for name in model.features if name not in row]
        if unknown or missing or not all(math.isfinite(v) for v in row.values()):
            detail = {"missing": missing, "unknown": unknown}
            raise HTTPException(status_code=422, detail=detail)
        return model.predict(row)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/version")
    def version() -> dict[str, Any]:
        return {
            "name": model.name,
            "version": model.version,
            "features": list(model.features),
        }

    @app.post("/predict", dependencies=[Depends(check_key)])
    def predict(request: PredictRequest) -> dict[str, Any]:
        return {**run(request.features), "version": model.version}

    # --------------------------------------------------------------- task 3

    @app.post("/predict/batch", dependencies=[Depends(check_key)])
    def predict_batch(request: BatchRequest) -> dict[str, Any]:
        if len(request.items) > max_batch:
            detail = f"batch of {len(request.items)} rows is over the limit {max_batch}"
            raise HTTPException(status_code=413, detail=detail)
        rows = [run(item.features) for item in request.items]
        return {"predictions": rows, "version": model.version}

    return app
