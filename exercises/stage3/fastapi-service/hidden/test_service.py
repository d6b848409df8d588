import json
import logging
import math
import re
import time
from pathlib import Path

import httpx
import pytest

from grader.testing import student_module
from service import LinearModel, create_app, load_model

KEY = {"X-API-Key": "dev-key"}
ROW = {"tenure_months": 12, "monthly_charges": 70.0, "support_calls": 2}
COEF = {"tenure_months": -0.08, "monthly_charges": 0.03, "support_calls": 0.6}
START_SECONDS = 10
REQUEST_SECONDS = 5


def expected_proba(row, coef=COEF, intercept=-1.5):
    z = intercept + sum(coef[k] * row[k] for k in coef)
    return 1 / (1 + math.exp(-z))


def write_model(tmp_path, **changes):
    raw = json.loads(Path("data/model.json").read_text(encoding="utf-8"))
    raw.update(changes)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def tiny_model(tmp_path, version="9.9.9"):
    return load_model(
        write_model(
            tmp_path,
            name="tiny",
            version=version,
            features=["x"],
            coef=[1.0],
            intercept=0.0,
            threshold=0.5,
        )
    )


@pytest.fixture
def serve(tmp_path, caplog):
    """serve(app) -> an httpx.Client speaking HTTP to `app`, served by uvicorn.

    The tests run in a process of their own; the app lives in the process that runs the
    submission, so uvicorn is started there (in a thread, so that the call returns at once)
    on a Unix socket in tmp_path, which both processes can reach. Every server is stopped
    after its test: each test gets a fresh app, as create_app promises.
    """
    uvicorn = student_module("uvicorn")
    threading = student_module("threading")
    servers, clients = [], []

    def start(app):
        path = str(
            tmp_path / f"s{len(servers)}"
        )  # short: socket paths stop at ~100 bytes
        # lifespan="on": the app's startup and shutdown handlers run, as in production.
        config = uvicorn.Config(
            app,
            uds=path,
            lifespan="on",
            log_level="warning",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + START_SECONDS
        while not server.started:
            if not thread.is_alive():
                # What uvicorn logged in the submission's process is replayed here.
                errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
                why = " ".join(r.getMessage() for r in errors[:2]).strip()
                pytest.fail(
                    "uvicorn stopped before serving the app: create_app must return a "
                    f"FastAPI app whose startup succeeds ({why[-400:] or 'no error logged'})"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start the app within {START_SECONDS} s")
            time.sleep(0.01)
        client = httpx.Client(
            transport=httpx.HTTPTransport(uds=path),
            base_url="http://testserver",
            timeout=REQUEST_SECONDS,
        )
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for server, thread in servers:
        try:
            server.should_exit = True
            thread.join(3)
        except Exception:
            pass  # the submission's process was replaced after a failure: nothing to stop


@pytest.fixture
def client(serve):
    return serve(create_app())


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_model_reads_shipped_json():
    """load_model reads data/model.json into a LinearModel with its metadata"""
    model = load_model()
    assert isinstance(model, LinearModel)
    assert model.name == "churn-logit"
    assert model.version == "1.2.0"
    assert list(model.features) == list(COEF)
    assert list(model.coef) == pytest.approx(list(COEF.values()))
    assert model.intercept == pytest.approx(-1.5)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "row",
    [
        ROW,
        {"tenure_months": 0, "monthly_charges": 0, "support_calls": 0},
        {"tenure_months": 72, "monthly_charges": 20, "support_calls": 9},
    ],
    ids=["typical", "zeros", "many-calls"],
)
@pytest.mark.core
def test_predict_proba_is_sigmoid_of_linear_score(row):
    """predict_proba is sigmoid(intercept + sum of coef times feature)"""
    assert load_model().predict_proba(row) == pytest.approx(expected_proba(row))


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_predict_proba_is_stable_for_huge_scores(tmp_path):
    """predict_proba returns 0..1 without overflow for very large |score|"""
    model = tiny_model(tmp_path)
    assert model.predict_proba({"x": 1e6}) == pytest.approx(1.0)
    assert model.predict_proba({"x": -1e6}) == pytest.approx(0.0)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "changes",
    [
        {"coef": [0.1, 0.2]},
        {"features": []},
        {"features": ["a", "a", "b"]},
        {"coef": [0.1, "x", 0.3]},
        {"threshold": 1.5},
        {"threshold": 0},
        {"threshold": 1.0},
        {"features": ["a", 2, "c"], "coef": [0.1, 0.2, 0.3]},
        {"intercept": None},
        {"intercept": float("inf")},
        {"coef": [0.1, float("nan"), 0.3]},
    ],
    ids=[
        "coef-length",
        "no-features",
        "dup-features",
        "coef-not-number",
        "threshold-range",
        "threshold-zero",
        "threshold-one",
        "features-not-strings",
        "intercept-null",
        "intercept-infinite",
        "coef-nan",
    ],
)
@pytest.mark.core
def test_load_model_rejects_invalid_file(tmp_path, changes):
    """load_model raises ValueError for an inconsistent model file"""
    with pytest.raises(ValueError):
        load_model(write_model(tmp_path, **changes))


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_linear_model_is_frozen_with_default_threshold():
    """LinearModel is a frozen dataclass whose threshold defaults to 0.5"""
    model = LinearModel(
        name="m", version="1", features=("x",), coef=(1.0,), intercept=0.0
    )
    assert model.threshold == pytest.approx(0.5)
    assert model.predict({"x": 0.0})["label"] == 1
    with pytest.raises(AttributeError):
        model.version = "2"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_model_rejects_json_that_is_not_an_object(tmp_path):
    """load_model raises ValueError when the file holds JSON that is not an object"""
    path = tmp_path / "model.json"
    path.write_text(
        '["name", "version", "features", "coef", "intercept"]', encoding="utf-8"
    )
    with pytest.raises(ValueError):
        load_model(path)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_model_threshold_defaults_to_half(tmp_path):
    """threshold may be left out of the model file: it defaults to 0.5"""
    raw = json.loads(Path("data/model.json").read_text(encoding="utf-8"))
    del raw["threshold"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert load_model(path).threshold == pytest.approx(0.5)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_predict_proba_rejects_missing_feature():
    """predict_proba raises ValueError when the row lacks a model feature"""
    with pytest.raises(ValueError):
        load_model().predict_proba({"tenure_months": 12, "monthly_charges": 70.0})


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_load_model_rejects_broken_json_and_missing_key(tmp_path):
    """load_model raises ValueError for broken JSON or a missing key"""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(bad)
    raw = json.loads(Path("data/model.json").read_text(encoding="utf-8"))
    del raw["version"]
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError):
        load_model(bad)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_create_app_rejects_empty_key_and_batch_below_one():
    """create_app raises ValueError for an empty api_key or max_batch < 1"""
    with pytest.raises(ValueError):
        create_app(api_key="")
    with pytest.raises(ValueError):
        create_app(max_batch=0)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_health_needs_no_key(client):
    """GET /health answers 200 {"status": "ok"} without an API key"""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_version_reports_model_version(serve, tmp_path):
    """GET /version returns the name, version and features of the given model"""
    response = serve(create_app(model=tiny_model(tmp_path, "3.1.4"))).get("/version")
    assert response.status_code == 200
    assert response.json() == {"name": "tiny", "version": "3.1.4", "features": ["x"]}


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_predict_returns_probability_label_and_version(client):
    """POST /predict returns probability, label and the model version"""
    response = client.post("/predict", json={"features": ROW}, headers=KEY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["probability"] == pytest.approx(expected_proba(ROW))
    assert body["label"] == int(expected_proba(ROW) >= 0.5)
    assert body["version"] == "1.2.0"


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_predict_label_uses_threshold_inclusive(serve, tmp_path):
    """The label is 1 exactly when probability >= the model threshold"""
    c = serve(create_app(model=tiny_model(tmp_path)))
    at = c.post("/predict", json={"features": {"x": 0}}, headers=KEY).json()
    below = c.post("/predict", json={"features": {"x": -0.01}}, headers=KEY)
    assert at["probability"] == pytest.approx(0.5)
    assert at["label"] == 1
    assert below.json()["label"] == 0


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_predict_without_key_is_401(client):
    """POST /predict without the X-API-Key header answers 401"""
    response = client.post("/predict", json={"features": ROW})
    assert response.status_code == 401


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_predict_with_wrong_key_is_403(serve):
    """A wrong key answers 403, and create_app's api_key is the one accepted"""
    c = serve(create_app(api_key="s3cret"))
    assert c.post("/predict", json={"features": ROW}, headers=KEY).status_code == 403
    ok = c.post("/predict", json={"features": ROW}, headers={"X-API-Key": "s3cret"})
    assert ok.status_code == 200


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"features": "12,70,2"},
        {"features": {**ROW, "tenure_months": "twelve"}},
        {"features": {"tenure_months": 12, "monthly_charges": 70.0}},
        {"features": {**ROW, "age": 30}},
        {"features": ROW, "extra": 1},
    ],
    ids=[
        "empty",
        "not-a-dict",
        "not-a-number",
        "missing-feature",
        "unknown-feature",
        "extra-field",
    ],
)
def test_predict_invalid_body_is_422(client, body):
    """An invalid /predict body answers 422 and never a 500"""
    response = client.post("/predict", json=body, headers=KEY)
    assert response.status_code == 422


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_openapi_documents_request_schema(client):
    """The OpenAPI schema lists /predict with a JSON request body"""
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/predict"]["post"]
    assert "application/json" in post["requestBody"]["content"]
    assert "/health" in spec["paths"] and "/version" in spec["paths"]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_batch_predicts_every_row_in_order(client):
    """POST /predict/batch returns one prediction per item, in request order"""
    rows = [
        ROW,
        {"tenure_months": 60, "monthly_charges": 20, "support_calls": 0},
        {"tenure_months": 1, "monthly_charges": 110, "support_calls": 6},
    ]
    body = {"items": [{"features": r} for r in rows]}
    response = client.post("/predict/batch", json=body, headers=KEY)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["version"] == "1.2.0"
    got = [p["probability"] for p in data["predictions"]]
    assert got == pytest.approx([expected_proba(r) for r in rows])
    assert [p["label"] for p in data["predictions"]] == [
        int(expected_proba(r) >= 0.5) for r in rows
    ]


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_batch_limit_is_enforced_at_boundary(serve):
    """max_batch rows are accepted; one more answers 413 or 422"""
    c = serve(create_app(max_batch=3))
    ok = c.post("/predict/batch", json={"items": [{"features": ROW}] * 3}, headers=KEY)
    big = c.post("/predict/batch", json={"items": [{"features": ROW}] * 4}, headers=KEY)
    assert ok.status_code == 200
    assert len(ok.json()["predictions"]) == 3
    assert big.status_code in (413, 422)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_batch_limit_of_one_is_allowed(serve):
    """create_app(max_batch=1) serves a batch of one row and refuses two"""
    c = serve(create_app(max_batch=1))
    ok = c.post("/predict/batch", json={"items": [{"features": ROW}]}, headers=KEY)
    big = c.post("/predict/batch", json={"items": [{"features": ROW}] * 2}, headers=KEY)
    assert ok.status_code == 200
    assert len(ok.json()["predictions"]) == 1
    assert big.status_code in (413, 422)


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_batch_default_limit_is_32(client):
    """The default batch limit is 32 rows"""
    ok = client.post(
        "/predict/batch", json={"items": [{"features": ROW}] * 32}, headers=KEY
    )
    big = client.post(
        "/predict/batch", json={"items": [{"features": ROW}] * 33}, headers=KEY
    )
    assert ok.status_code == 200
    assert big.status_code in (413, 422)


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_batch_rejects_empty_and_bad_items(client):
    """An empty batch or one invalid item answers 422"""
    assert (
        client.post("/predict/batch", json={"items": []}, headers=KEY).status_code
        == 422
    )
    bad = {"items": [{"features": ROW}, {"features": {"tenure_months": 1}}]}
    assert client.post("/predict/batch", json=bad, headers=KEY).status_code == 422


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_batch_needs_the_key(client):
    """POST /predict/batch is protected by the same API key"""
    body = {"items": [{"features": ROW}]}
    assert client.post("/predict/batch", json=body).status_code == 401
    wrong = {"X-API-Key": "nope"}
    assert client.post("/predict/batch", json=body, headers=wrong).status_code == 403


# --------------------------------------------------------------------- task 4


def dockerfile_instructions():
    text = Path("Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_dockerfile_is_multi_stage_from_slim_base():
    """The Dockerfile has at least two FROM stages, based on python:3.11-slim"""
    froms = [
        line.split()
        for line in dockerfile_instructions()
        if line.upper().startswith("FROM ")
    ]
    assert len(froms) >= 2
    assert any("as" in [w.lower() for w in words] for words in froms)
    assert any(words[1] == "python:3.11-slim" for words in froms)


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.core
def test_dockerfile_runs_the_server_and_ships_the_model():
    """The final stage copies data/model.json and has a CMD or ENTRYPOINT"""
    lines = dockerfile_instructions()
    upper = [line.upper() for line in lines]
    last_from = max(i for i, line in enumerate(upper) if line.startswith("FROM "))
    final = upper[last_from:]
    assert any(line.startswith(("CMD", "ENTRYPOINT")) for line in final)
    text = "\n".join(lines)
    assert "model.json" in text or re.search(r"COPY\s+.*data", text)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_requirements_pin_the_service_dependencies():
    """requirements.txt pins fastapi, pydantic and uvicorn with ==, and the build uses it"""
    pins = {}
    for line in Path("requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version.strip(), f"`{line}` is not pinned with =="
            pins[re.split(r"[\[ ]", name.strip())[0].lower()] = version.strip()
    assert {"fastapi", "pydantic", "uvicorn"} <= set(pins)
    dockerfile = Path("Dockerfile").read_text(encoding="utf-8")
    steps = [ln for ln in dockerfile.splitlines() if not ln.strip().startswith("#")]
    assert any(
        "requirements.txt" in ln for ln in steps
    ), "no Dockerfile step (outside comments) uses requirements.txt"


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_final_stage_switches_to_a_non_root_user():
    """The final stage switches to a non-root USER (not root, not 0) before it starts"""
    lines = dockerfile_instructions()
    upper = [line.upper() for line in lines]
    last_from = max(i for i, line in enumerate(upper) if line.startswith("FROM "))
    users = [
        line.split(None, 1)[1].strip()
        for line in lines[last_from:]
        if line.upper().startswith("USER ") and len(line.split(None, 1)) == 2
    ]
    assert users, "the final stage has no USER line: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"USER {users[-1]} is root"


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_dockerfile_never_swallows_a_failed_install():
    """A RUN step pip-installs requirements.txt, and no pip step hides a failure behind ||"""
    runs = [
        line for line in dockerfile_instructions() if line.upper().startswith("RUN ")
    ]
    installs = [line for line in runs if "pip" in line and "requirements.txt" in line]
    assert installs, "no RUN step installs requirements.txt with pip"
    for line in runs:
        if "pip" in line:
            assert "||" not in line, f"`{line}` hides a failed install"
