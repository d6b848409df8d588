"""Your own tests. Extend this file until it covers at least 70% of service.py.

Run them with:  grader test   (or: python -m pytest -q tests)
"""

import json

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


def write_model(tmp_path, **changes):
    raw = {
        "name": "tiny",
        "version": "0.1.0",
        "features": ["x"],
        "coef": [1.0],
        "intercept": 0.0,
        "threshold": 0.5,
    }
    raw.update(changes)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_predict_proba_values_and_stability(tmp_path):
    model = load_model(write_model(tmp_path))
    assert model.predict_proba({"x": 0}) == pytest.approx(0.5)
    assert model.predict_proba({"x": 1e6}) == pytest.approx(1.0)
    assert model.predict_proba({"x": -1e6}) == pytest.approx(0.0)
    assert model.predict({"x": 0}) == {"probability": 0.5, "label": 1}
    with pytest.raises(ValueError):
        model.predict_proba({})


@pytest.mark.parametrize(
    "changes",
    [
        {"coef": [1.0, 2.0]},
        {"features": []},
        {"features": ["x", "x"], "coef": [1, 2]},
        {"coef": [True]},
        {"coef": [float("inf")]},
        {"threshold": 0},
    ],
)
def test_load_model_rejects_bad_files(tmp_path, changes):
    with pytest.raises(ValueError):
        load_model(write_model(tmp_path, **changes))


def test_load_model_rejects_broken_or_incomplete(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{oops", encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(path)
    path.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(path)


def test_create_app_rejects_bad_settings():
    with pytest.raises(ValueError):
        create_app(api_key="")
    with pytest.raises(ValueError):
        create_app(max_batch=0)


def test_version_and_wrong_key(tmp_path):
    with TestClient(create_app(load_model(write_model(tmp_path)), "k")) as c:
        assert c.get("/version").json() == {
            "name": "tiny",
            "version": "0.1.0",
            "features": ["x"],
        }
        wrong = c.post("/predict", json={"features": {"x": 1}}, headers=KEY)
        assert wrong.status_code == 403
        good = c.post(
            "/predict", json={"features": {"x": 1}}, headers={"X-API-Key": "k"}
        )
        assert good.json()["label"] == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"features": {"tenure_months": 1}}, {"features": {**ROW, "age": 3}}],
)
def test_predict_validation(client, body):
    assert client.post("/predict", json=body, headers=KEY).status_code == 422


def test_batch(client):
    body = {"items": [{"features": ROW}] * 2}
    data = client.post("/predict/batch", json=body, headers=KEY).json()
    assert len(data["predictions"]) == 2
    assert data["version"] == "1.2.0"
    too_big = {"items": [{"features": ROW}] * 33}
    assert client.post("/predict/batch", json=too_big, headers=KEY).status_code == 413
    empty = {"items": []}
    assert client.post("/predict/batch", json=empty, headers=KEY).status_code == 422
