from fastapi.testclient import TestClient
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from service_metrics import create_app

ITEM_ROUTE = "/items/{item_id}"


class StepClock:
    """Moves `step` seconds at each read: every request takes exactly `step`."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def make_client(step: float = 0.02) -> tuple[CollectorRegistry, TestClient]:
    registry = CollectorRegistry()
    app = create_app(registry, clock=StepClock(step))
    return registry, TestClient(app, raise_server_exceptions=False)


def count(registry: CollectorRegistry, method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return registry.get_sample_value("http_requests_total", labels) or 0.0


def test_items_share_the_route_template() -> None:
    registry, client = make_client()
    for item_id in (1, 2, 99):
        client.get(f"/items/{item_id}")
    assert count(registry, "GET", ITEM_ROUTE, "200") == 2.0
    assert count(registry, "GET", ITEM_ROUTE, "404") == 1.0
    assert count(registry, "GET", "/items/1", "200") == 0.0


def test_unknown_paths_are_unmatched() -> None:
    registry, client = make_client()
    client.get("/nope")
    client.get("/also/nope")
    assert count(registry, "GET", "unmatched", "404") == 2.0


def test_post_is_counted_with_its_status() -> None:
    registry, client = make_client()
    assert client.post("/items").status_code == 201
    assert count(registry, "POST", "/items", "201") == 1.0


def test_latency_goes_to_the_right_bucket() -> None:
    registry, client = make_client(step=0.3)
    client.get("/health")
    labels = {"method": "GET", "route": "/health"}
    name = "http_request_duration_seconds_bucket"
    assert registry.get_sample_value(name, {**labels, "le": "0.25"}) == 0.0
    assert registry.get_sample_value(name, {**labels, "le": "0.5"}) == 1.0
    total = registry.get_sample_value("http_request_duration_seconds_sum", labels)
    assert total == 0.3


def test_an_error_is_a_500_and_leaves_nothing_in_flight() -> None:
    registry, client = make_client()
    assert client.get("/boom").status_code == 500
    assert count(registry, "GET", "/boom", "500") == 1.0
    assert registry.get_sample_value("http_requests_in_flight") == 0.0


def test_metrics_endpoint() -> None:
    _, client = make_client()
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert families["http_requests"].type == "counter"
    assert families["http_request_duration_seconds"].type == "histogram"
    in_flight = families["http_requests_in_flight"]
    assert [s.value for s in in_flight.samples] == [1.0]
    assert not any(name.startswith("process_") for name in families)
