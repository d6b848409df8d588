import json
import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from price_service import (
    FEATURES,
    MAX_BATCH,
    create_app,
    export_model,
    load_model,
    make_dataset,
    train_pipeline,
)

HOUSE = {
    "area_sqm": 85.0,
    "bedrooms": 3,
    "bathrooms": 1,
    "age_years": 12.5,
    "distance_km": 4.2,
}


@pytest.fixture
def pipeline():
    X, y = make_dataset()
    return train_pipeline(X, y)


@pytest.fixture
def model_path(tmp_path, pipeline):
    path = tmp_path / "model.json"
    export_model(pipeline, path, version="2.0.0", metrics={"r2": 0.9})
    return path


@pytest.fixture
def client(model_path):
    with TestClient(create_app(model_path)) as c:
        yield c


def test_export_is_json_with_the_metrics(model_path):
    raw = json.loads(model_path.read_text(encoding="utf-8"))
    assert raw["features"] == FEATURES
    assert raw["version"] == "2.0.0"
    assert raw["metrics"] == {"r2": 0.9}


def test_export_refuses_an_unfitted_pipeline(tmp_path):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(ValueError):
        export_model(make_pipeline(StandardScaler(), Ridge()), tmp_path / "m.json")
    with pytest.raises(ValueError):
        export_model(make_pipeline(Ridge()), tmp_path / "m.json")


def test_loaded_model_matches_the_pipeline(model_path, pipeline):
    X, _ = make_dataset(n=50, seed=9)
    model = load_model(model_path)
    assert model.predict(X) == pytest.approx(pipeline.predict(X), abs=1e-6)
    assert model.predict_one(HOUSE) == pytest.approx(
        float(model.predict([[HOUSE[f] for f in FEATURES]])[0])
    )
    with pytest.raises(ValueError):
        model.predict([[1.0, 2.0]])
    with pytest.raises(ValueError):
        model.predict_one({"area_sqm": 80})


def test_without_centering_means_are_zero(tmp_path):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_dataset(n=80)
    pipeline = make_pipeline(StandardScaler(with_mean=False), Ridge()).fit(X, y)
    document = export_model(pipeline, tmp_path / "m.json")
    assert document["mean"] == [0.0] * len(FEATURES)
    model = load_model(tmp_path / "m.json")
    assert model.predict(X) == pytest.approx(pipeline.predict(X), abs=1e-6)


def test_a_pickle_is_refused(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04\x95junk")
    with pytest.raises(ValueError):
        load_model(path)


@pytest.mark.parametrize(
    "change",
    [
        {"format": "other"},
        {"features": []},
        {"coef": [1.0]},
        {"mean": [math.inf] * 5},
        {"scale": [0.0] * 5},
        {"intercept": None},
    ],
    ids=["format", "features", "coef", "mean", "scale", "intercept"],
)
def test_a_broken_file_is_refused(model_path, change):
    raw = json.loads(model_path.read_text(encoding="utf-8"))
    raw.update(change)
    model_path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(model_path)


def test_other_features_are_refused(tmp_path):
    X, y = make_dataset(n=50)
    X = X.rename(columns={"area_sqm": "size"})
    export_model(train_pipeline(X, y), tmp_path / "m.json")
    with pytest.raises(ValueError):
        create_app(tmp_path / "m.json")


def test_predict_and_validation(client, pipeline):
    body = client.post("/predict", json=HOUSE).json()
    expected = pipeline.predict(np.array([[HOUSE[f] for f in FEATURES]]))[0]
    assert body == {"price": pytest.approx(expected, abs=1e-6), "version": "2.0.0"}
    assert client.post("/predict", json={**HOUSE, "area_sqm": -1}).status_code == 422
    text = json.dumps(HOUSE).replace("85.0", "NaN")
    response = client.post(
        "/predict", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_batch_and_model_info(client):
    response = client.post("/predict/batch", json={"houses": [HOUSE] * 3})
    assert len(response.json()["prices"]) == 3
    too_many = {"houses": [HOUSE] * (MAX_BATCH + 1)}
    assert client.post("/predict/batch", json=too_many).status_code == 422
    assert client.get("/model").json() == {
        "features": FEATURES,
        "version": "2.0.0",
        "metrics": {"r2": 0.9},
    }
