"""Your own tests. Extend this file until it covers at least 70% of service.py.

Run them with:  grader test   (or: python -m pytest -q tests)
"""

import pytest
from fastapi.testclient import TestClient

from service import create_app, load_model

KEY = {"X-API-Key": "dev-key"}
ROW = {"tenure_months": 12, "monthly_charges": 70.0, "support_calls": 2}


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def test_model_version_is_read_from_json():
    assert load_model().version == "1.2.0"


def test_health(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_predict_needs_key(client):
    assert client.post("/predict", json={"features": ROW}).status_code == 401
    ok = client.post("/predict", json={"features": ROW}, headers=KEY)
    assert ok.status_code == 200
    assert 0.0 <= ok.json()["probability"] <= 1.0
