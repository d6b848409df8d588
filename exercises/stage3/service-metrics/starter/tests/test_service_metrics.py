from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from service_metrics import create_app


def make_client() -> tuple[CollectorRegistry, TestClient]:
    registry = CollectorRegistry()
    app = create_app(registry)
    return registry, TestClient(app, raise_server_exceptions=False)


def test_a_found_item_is_counted() -> None:
    registry, client = make_client()
    assert client.get("/items/1").status_code == 200
    labels = {"method": "GET", "route": "/items/{item_id}", "status": "200"}
    assert registry.get_sample_value("http_requests_total", labels) == 1.0
