import json
import math
import pickle

import numpy as np
import pytest

from grader.testing import student_module
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
METRICS = {"r2": 0.91, "rmse": 24.5}


def recipe(n, seed):
    """The generator's recipe, written out again: make_dataset must follow it."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(30, 200, n)
    bedrooms = np.clip(np.round(area / 35 + rng.normal(0, 0.6, n)), 1, 6)
    bathrooms = np.clip(np.round(bedrooms / 2 + rng.normal(0, 0.4, n)), 1, 4)
    age = rng.uniform(1, 60, n)
    distance = rng.uniform(0.5, 30, n)
    noise = rng.normal(0, 25, n)
    price = (
        120
        + 4.2 * area
        + 15 * bedrooms
        + 25 * bathrooms
        - 1.8 * age
        - 6.5 * distance
        + noise
    )
    columns = [area.round(1), bedrooms, bathrooms, age.round(1), distance.round(2)]
    return np.column_stack(columns), price.round(1)


def fitted(alpha=1.0, n=300, seed=0):
    X, y = make_dataset(n=n, seed=seed)
    return train_pipeline(X, y, alpha=alpha)


def exported(tmp_path, pipeline=None, name="model.json", **kwargs):
    path = tmp_path / name
    export_model(pipeline if pipeline is not None else fitted(), path, **kwargs)
    return path


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def handmade_pipeline(**scaler_options):
    """A pipeline built and fitted in the submission's process, as the app would."""
    skpipe = student_module("sklearn.pipeline")
    preprocessing = student_module("sklearn.preprocessing")
    linear = student_module("sklearn.linear_model")
    X, y = make_dataset(n=200, seed=3)
    pipeline = skpipe.make_pipeline(
        preprocessing.StandardScaler(**scaler_options), linear.Ridge(alpha=2.0)
    )
    return pipeline.fit(X, y), X


@pytest.fixture
def client(tmp_path):
    """A TestClient around create_app, living in the submission's process."""
    path = exported(tmp_path, version="2.3.0", metrics=METRICS)
    testclient = student_module("fastapi.testclient")
    with testclient.TestClient(create_app(path)) as c:
        yield c


class Planted:
    """Unpickling this writes a marker file: proof that a loader unpickled."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "n,seed,alpha", [(40, 0, 1.0), (60, 5, 3.0)], ids=["seed-0", "seed-5-alpha-3"]
)
def test_train_pipeline_fits_the_given_data(n, seed, alpha):
    """train_pipeline on make_dataset's houses is StandardScaler + Ridge(alpha)"""
    X, y = make_dataset(n=n, seed=seed)
    assert list(X.columns) == FEATURES
    expected_X, expected_y = recipe(n, seed)
    assert np.asarray(y, dtype=float) == pytest.approx(expected_y)
    mean, std = expected_X.mean(axis=0), expected_X.std(axis=0)
    Z = np.column_stack([np.ones(n), (expected_X - mean) / std])
    penalty = alpha * np.diag([0.0] + [1.0] * len(FEATURES))
    solution = np.linalg.solve(Z.T @ Z + penalty, Z.T @ expected_y)
    ridge = train_pipeline(X, y, alpha=alpha)[-1]
    assert float(ridge.intercept_) == pytest.approx(solution[0], rel=1e-6)
    assert list(ridge.coef_) == pytest.approx(list(solution[1:]), rel=1e-6)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_export_writes_scaler_and_ridge_numbers(tmp_path):
    """export_model writes the scaler's means and scales and Ridge's coefficients"""
    pipeline = fitted()
    path = exported(tmp_path, pipeline)
    raw = read(path)
    scaler, ridge = pipeline[0], pipeline[-1]
    assert raw["features"] == FEATURES
    assert raw["mean"] == pytest.approx(list(scaler.mean_), rel=1e-12)
    assert raw["scale"] == pytest.approx(list(scaler.scale_), rel=1e-12)
    assert raw["coef"] == pytest.approx(list(ridge.coef_), rel=1e-12)
    assert raw["intercept"] == pytest.approx(float(ridge.intercept_), rel=1e-12)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_export_keeps_version_and_metrics(tmp_path):
    """The export records its version, its metrics and the format tag"""
    raw = read(exported(tmp_path, version="3.1.4", metrics=METRICS))
    assert raw["format"] == "price-model/1"
    assert raw["version"] == "3.1.4"
    assert raw["metrics"] == pytest.approx(METRICS)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_export_returns_what_it_wrote(tmp_path):
    """export_model returns the same document it wrote, with default version 1.0.0"""
    path = tmp_path / "model.json"
    document = export_model(fitted(), path)
    assert document == read(path)
    assert document["version"] == "1.0.0"
    assert document["metrics"] == {}


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_export_is_plain_json_text(tmp_path):
    """The export is JSON text of plain numbers, never a pickle"""
    data = exported(tmp_path).read_bytes()
    assert not data.startswith(b"\x80"), "that is a pickle, not JSON"
    raw = json.loads(data.decode("utf-8"))
    for key in ("mean", "scale", "coef"):
        assert all(isinstance(v, float) for v in raw[key]), key


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "option,key,value",
    [("with_mean", "mean", 0.0), ("with_std", "scale", 1.0)],
    ids=["no-centering", "no-scaling"],
)
def test_export_of_a_partial_scaler(tmp_path, option, key, value):
    """A scaler without centring or scaling exports means of 0 or scales of 1"""
    pipeline, X = handmade_pipeline(**{option: False})
    raw = read(exported(tmp_path, pipeline))
    assert raw[key] == [value] * len(FEATURES)
    assert load_model(tmp_path / "model.json").predict(X) == pytest.approx(
        pipeline.predict(X), abs=1e-6
    )


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_export_refuses_an_unfitted_pipeline(tmp_path):
    """Exporting a pipeline that was never fitted raises ValueError"""
    skpipe = student_module("sklearn.pipeline")
    preprocessing = student_module("sklearn.preprocessing")
    linear = student_module("sklearn.linear_model")
    pipeline = skpipe.make_pipeline(preprocessing.StandardScaler(), linear.Ridge())
    with pytest.raises(ValueError):
        export_model(pipeline, tmp_path / "model.json")
    assert not (tmp_path / "model.json").exists()


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "steps",
    [["ridge"], ["scaler", "scaler", "ridge"], ["minmax", "ridge"]],
    ids=["no-scaler", "two-scalers", "min-max-scaler"],
)
def test_export_refuses_other_pipelines(tmp_path, steps):
    """A pipeline that is not StandardScaler + linear model raises ValueError"""
    skpipe = student_module("sklearn.pipeline")
    preprocessing = student_module("sklearn.preprocessing")
    linear = student_module("sklearn.linear_model")
    make = {
        "ridge": linear.Ridge,
        "scaler": preprocessing.StandardScaler,
        "minmax": preprocessing.MinMaxScaler,
    }
    X, y = make_dataset(n=50)
    pipeline = skpipe.make_pipeline(*[make[s]() for s in steps]).fit(X, y)
    with pytest.raises(ValueError):
        export_model(pipeline, tmp_path / "model.json")


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_export_of_a_pipeline_fitted_on_an_array(tmp_path):
    """A pipeline fitted on a plain array exports FEATURES as its feature names"""
    X, y = make_dataset(n=60)
    pipeline = train_pipeline(np.asarray(X), np.asarray(y))
    assert read(exported(tmp_path, pipeline))["features"] == FEATURES
    first_three = train_pipeline(np.asarray(X)[:, :3], np.asarray(y))
    path = exported(tmp_path, first_three, name="three.json")
    assert read(path)["features"] == FEATURES[:3]


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.parametrize(
    "alpha,seed",
    [(1.0, 0), (0.01, 7), (50.0, 11)],
    ids=["default-alpha", "weak-penalty", "strong-penalty"],
)
@pytest.mark.core
def test_loaded_model_predicts_like_the_pipeline(tmp_path, alpha, seed):
    """The loaded JSON model predicts what pipeline.predict does, to 1e-6"""
    pipeline = fitted(alpha=alpha, seed=seed)
    model = load_model(exported(tmp_path, pipeline))
    X, _ = make_dataset(n=120, seed=seed + 100)
    assert np.asarray(model.predict(X)) == pytest.approx(
        np.asarray(pipeline.predict(X)), abs=1e-6
    )


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_loaded_model_keeps_metadata(tmp_path):
    """load_model keeps the features, version and metrics of the export"""
    model = load_model(exported(tmp_path, version="2.0.1", metrics=METRICS))
    assert list(model.features) == FEATURES
    assert model.version == "2.0.1"
    assert dict(model.metrics) == pytest.approx(METRICS)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_predict_one_reads_a_dict(tmp_path):
    """predict_one takes {feature: value} in any key order and returns a float"""
    pipeline = fitted()
    model = load_model(exported(tmp_path, pipeline))
    shuffled = dict(reversed(list(HOUSE.items())))
    expected = float(pipeline.predict(np.array([[HOUSE[f] for f in FEATURES]]))[0])
    got = model.predict_one(shuffled)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.parametrize("name", ["model.pkl", "model.joblib"], ids=["pkl", "joblib"])
@pytest.mark.core
def test_a_planted_pickle_is_never_loaded(tmp_path, name):
    """load_model refuses a pickle file with ValueError and never unpickles it"""
    marker = tmp_path / "unpickled"
    path = tmp_path / name
    path.write_bytes(pickle.dumps(Planted(marker)))
    with pytest.raises(ValueError):
        load_model(path)
    assert not marker.exists(), "load_model unpickled the file"


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "change",
    [
        {"coef": [1.0, 2.0]},
        {"scale": [1.0, 0.0, 1.0, 1.0, 1.0]},
        {"intercept": "lots"},
        {"format": "something-else"},
        {"mean": [None] * 5},
        {"coef": [1.0, 1.0, math.inf, 1.0, 1.0]},
        {"scale": "ones"},
        {"intercept": math.nan},
        {"features": [], "mean": [], "scale": [], "coef": []},
    ],
    ids=[
        "short-coef",
        "zero-scale",
        "text-intercept",
        "wrong-format",
        "null-means",
        "infinite-coef",
        "text-scale",
        "nan-intercept",
        "no-features",
    ],
)
def test_a_broken_model_file_is_refused(tmp_path, change):
    """A model file with wrong lengths, a zero scale or a wrong format is refused"""
    raw = read(exported(tmp_path))
    raw.update(change)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(path)


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "text", ["[1, 2, 3]", "not json"], ids=["json-list", "plain-text"]
)
def test_a_file_that_is_no_model_is_refused(tmp_path, text):
    """A JSON list or plain text is refused with ValueError"""
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(path)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_predict_reads_dataframe_columns_by_name(tmp_path):
    """predict on a DataFrame uses the columns by name, whatever their order"""
    pipeline = fitted()
    model = load_model(exported(tmp_path, pipeline))
    X, _ = make_dataset(n=20, seed=8)
    reordered = X[list(reversed(FEATURES))]
    assert np.asarray(model.predict(reordered)) == pytest.approx(
        np.asarray(pipeline.predict(X)), abs=1e-6
    )


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "call",
    ["wrong-width", "flat-row", "missing-key"],
)
def test_predict_refuses_rows_of_the_wrong_shape(tmp_path, call):
    """Rows of the wrong width, a 1-D row or a dict missing a feature: ValueError"""
    model = load_model(exported(tmp_path))
    with pytest.raises(ValueError):
        if call == "wrong-width":
            model.predict([[1.0, 2.0, 3.0]])
        elif call == "flat-row":
            model.predict([1.0, 2.0, 3.0, 4.0, 5.0])
        else:
            model.predict_one({k: v for k, v in HOUSE.items() if k != "age_years"})


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_predict_endpoint_returns_the_price(tmp_path):
    """POST /predict answers the pipeline's price and the model version"""
    pipeline = fitted()
    path = exported(tmp_path, pipeline, version="4.0.0")
    testclient = student_module("fastapi.testclient")
    with testclient.TestClient(create_app(path)) as c:
        response = c.post("/predict", json=HOUSE)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = float(pipeline.predict(np.array([[HOUSE[f] for f in FEATURES]]))[0])
    assert body["price"] == pytest.approx(expected, abs=1e-6)
    assert body["version"] == "4.0.0"


BAD_HOUSES = {
    "missing-feature": {k: v for k, v in HOUSE.items() if k != "bathrooms"},
    "negative-area": {**HOUSE, "area_sqm": -40},
    "zero-distance": {**HOUSE, "distance_km": 0},
    "text-value": {**HOUSE, "age_years": "old"},
    "null-value": {**HOUSE, "bedrooms": None},
    "unknown-feature": {**HOUSE, "pool": 1},
}


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize("body", list(BAD_HOUSES.values()), ids=list(BAD_HOUSES))
def test_predict_refuses_a_bad_house_with_422(client, body):
    """POST /predict answers 422 for a missing, unknown, non-numeric or non-positive
    feature"""
    assert client.post("/predict", json=body).status_code == 422


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "literal", ["NaN", "Infinity", "1e999"], ids=["nan", "infinity", "overflow"]
)
@pytest.mark.core
def test_predict_refuses_non_finite_numbers(client, literal):
    """POST /predict answers 422 for NaN and infinite values, which pass `> 0`"""
    text = json.dumps(HOUSE).replace("85.0", literal)
    response = client.post(
        "/predict", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_create_app_refuses_a_pickle(tmp_path):
    """create_app on a pickle file raises ValueError without unpickling it"""
    marker = tmp_path / "unpickled"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(Planted(marker)))
    with pytest.raises(ValueError):
        create_app(path)
    assert not marker.exists()


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_create_app_refuses_other_features(tmp_path):
    """create_app raises ValueError for a model whose features are not FEATURES"""
    X, y = make_dataset(n=60)
    pipeline = train_pipeline(X.rename(columns={"area_sqm": "size_sqm"}), y)
    with pytest.raises(ValueError):
        create_app(exported(tmp_path, pipeline))


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_batch_predicts_each_house_in_order(tmp_path):
    """POST /predict/batch answers one price per house, in order"""
    pipeline = fitted()
    path = exported(tmp_path, pipeline, version="5.0.0")
    X, _ = make_dataset(n=7, seed=42)
    houses = X.to_dict(orient="records")
    testclient = student_module("fastapi.testclient")
    with testclient.TestClient(create_app(path)) as c:
        response = c.post("/predict/batch", json={"houses": houses})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["prices"] == pytest.approx(list(pipeline.predict(X)), abs=1e-6)
    assert body["version"] == "5.0.0"


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "size,status",
    [(MAX_BATCH, 200), (MAX_BATCH + 1, 422), (0, 422)],
    ids=["at-limit", "over-limit", "empty"],
)
@pytest.mark.core
def test_batch_size_limit(client, size, status):
    """A batch of 1 to MAX_BATCH (100) houses is answered; more or none is 422"""
    assert MAX_BATCH == 100
    response = client.post("/predict/batch", json={"houses": [HOUSE] * size})
    assert response.status_code == status
    if status == 200:
        assert len(response.json()["prices"]) == size


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_batch_refuses_one_bad_house(client):
    """One invalid house makes the whole batch 422"""
    houses = [HOUSE, {**HOUSE, "area_sqm": math.inf}, HOUSE]
    text = json.dumps({"houses": houses})
    response = client.post(
        "/predict/batch", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    response = client.post("/predict/batch", json={"houses": [HOUSE, {"x": 1}]})
    assert response.status_code == 422


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_model_info_comes_from_the_export(client):
    """GET /model answers the features, version and training metrics of the export"""
    response = client.get("/model")
    assert response.status_code == 200
    body = response.json()
    assert body["features"] == FEATURES
    assert body["version"] == "2.3.0"
    assert body["metrics"] == pytest.approx(METRICS)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_each_app_serves_its_own_model(tmp_path):
    """Two apps built from two exports answer with their own version and metrics"""
    testclient = student_module("fastapi.testclient")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = exported(tmp_path / "a", version="1.0.0", metrics={"r2": 0.5})
    second = exported(tmp_path / "b", fitted(alpha=20.0), version="1.1.0")
    with testclient.TestClient(create_app(first)) as a:
        with testclient.TestClient(create_app(second)) as b:
            assert a.get("/model").json()["version"] == "1.0.0"
            assert b.get("/model").json() == {
                "features": FEATURES,
                "version": "1.1.0",
                "metrics": {},
            }
            one = a.post("/predict", json=HOUSE).json()["price"]
            two = b.post("/predict", json=HOUSE).json()["price"]
    assert one != pytest.approx(two, abs=1e-3)
