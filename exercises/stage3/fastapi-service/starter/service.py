"""A small prediction service: a JSON-coefficient logistic model behind FastAPI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

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
        """P(label = 1) for one row: sigmoid(intercept + sum coef_i * x_i).

        Raises ValueError when a feature is missing. Must not overflow for
        huge scores.
        """
        raise NotImplementedError

    def predict(self, row: dict[str, float]) -> dict[str, Any]:
        """``{"probability": p, "label": 1 if p >= threshold else 0}``."""
        raise NotImplementedError


def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> LinearModel:
    """Read and validate a model JSON file (never pickle).

    Raises ValueError for broken JSON, a missing key, empty or duplicate
    features, coef of the wrong length or not numbers, a threshold outside
    (0, 1).
    """
    raise NotImplementedError


# --------------------------------------------------------------------- task 2


class PredictRequest(BaseModel):
    """One row: feature name -> number.

    TODO: reject unknown top-level fields (pydantic's ConfigDict).
    """

    features: dict[str, float]


# TODO (task 3): a BatchRequest model with a non-empty ``items`` list.


def create_app(
    model: LinearModel | None = None,
    api_key: str = DEFAULT_API_KEY,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> FastAPI:
    """Build the FastAPI application around ``model`` (default: data/model.json).

    Routes: GET /health, GET /version, POST /predict and POST /predict/batch
    (the two POST routes need the ``X-API-Key`` header).
    """
    raise NotImplementedError
