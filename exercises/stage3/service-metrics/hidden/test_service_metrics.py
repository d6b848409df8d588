"""Hidden tests for stage3/service-metrics.

The app, its registry and the TestClient all live in the submission's process (made
there through `student_module`); the tests read numbers back by value: the registry's
`get_sample_value` and the text that /metrics serves, parsed here.
"""

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from grader.testing import student_module
from service_metrics import LATENCY_BUCKETS, create_app

COUNTER = "http_requests_total"
HISTOGRAM = "http_request_duration_seconds"
GAUGE = "http_requests_in_flight"
ITEM_ROUTE = "/items/{item_id}"


class StepClock:
    """A clock that moves `step` seconds each time it is read: start and end of a
    request are two reads, so every request takes exactly `step` seconds."""

    def __init__(self, step):
        self.step = step
        self.now = 1000.0

    def __call__(self):
        self.now += self.step
        return self.now


def make_service(clock=None):
    """A fresh registry, the student's app on it, and a TestClient: all made in the
    submission's process."""
    registry = student_module("prometheus_client").CollectorRegistry()
    app = create_app(registry) if clock is None else create_app(registry, clock=clock)
    testclient = student_module("fastapi.testclient")
    client = testclient.TestClient(app, raise_server_exceptions=False)
    return registry, client


def requests_of(registry, method, route, status):
    labels = {"method": method, "route": route, "status": status}
    return registry.get_sample_value(COUNTER, labels)


def bucket(registry, route, le, method="GET"):
    labels = {"method": method, "route": route, "le": le}
    return registry.get_sample_value(f"{HISTOGRAM}_bucket", labels)


def families(text):
    return {family.name: family for family in text_string_to_metric_families(text)}


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize(
    "method, path, route, status",
    [
        ("GET", "/items/2", ITEM_ROUTE, "200"),
        ("GET", "/items/99", ITEM_ROUTE, "404"),
        ("POST", "/items", "/items", "201"),
        ("GET", "/health", "/health", "200"),
        ("GET", "/no/such/page", "unmatched", "404"),
    ],
    ids=["item-found", "item-missing", "post-created", "health", "unknown-path"],
)
def test_counter_labels_method_route_template_and_status(method, path, route, status):
    """Each request is counted once under its method, route template and status code"""
    registry, client = make_service()
    response = client.request(method, path)
    assert response.status_code == int(status)
    assert requests_of(registry, method, route, status) == 1.0


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_counter_uses_the_template_not_the_raw_path():
    """Requests for /items/1, /items/2 /items/3 share one series /items/{item_id}"""
    registry, client = make_service()
    for item_id in (1, 2, 3):
        client.get(f"/items/{item_id}")
    assert requests_of(registry, "GET", ITEM_ROUTE, "200") == 3.0
    for item_id in (1, 2, 3):
        assert requests_of(registry, "GET", f"/items/{item_id}", "200") is None
    assert 'route="/items/1"' not in client.get("/metrics").text


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_unknown_paths_share_one_label_value():
    """Paths that match no route all share the one route label 'unmatched'"""
    registry, client = make_service()
    for path in ("/a", "/b/c", "/wp-admin.php", "/a"):
        client.get(path)
    assert requests_of(registry, "GET", "unmatched", "404") == 4.0
    assert requests_of(registry, "GET", "/a", "404") is None


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_counter_accumulates_per_series():
    """Repeated requests add up in their own series and leave the others alone"""
    registry, client = make_service()
    for _ in range(5):
        client.get("/health")
    client.post("/items")
    assert requests_of(registry, "GET", "/health", "200") == 5.0
    assert requests_of(registry, "POST", "/items", "201") == 1.0


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_each_app_counts_in_its_own_registry():
    """Two apps built on two registries do not see each other's requests"""
    first, first_client = make_service()
    second, _ = make_service()
    first_client.get("/health")
    assert requests_of(first, "GET", "/health", "200") == 1.0
    assert requests_of(second, "GET", "/health", "200") is None


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize(
    "seconds, first_bucket",
    [(0.005, "0.01"), (0.07, "0.1"), (0.3, "0.5"), (0.9, "1.0"), (4.0, "+Inf")],
    ids=["5ms", "70ms", "300ms", "900ms", "4s"],
)
def test_latency_lands_in_the_right_bucket(seconds, first_bucket):
    """A request's duration (end minus start on the injected clock) fills the buckets
    from the first upper bound at or above it"""
    registry, client = make_service(StepClock(seconds))
    client.get("/items/1")
    bounds = [str(float(b)) for b in LATENCY_BUCKETS] + ["+Inf"]
    first = bounds.index(first_bucket)
    for index, le in enumerate(bounds):
        expected = 1.0 if index >= first else 0.0
        assert bucket(registry, ITEM_ROUTE, le) == expected, f"bucket le={le}"


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_histogram_has_the_explicit_buckets():
    """/metrics shows the histogram with exactly LATENCY_BUCKETS and +Inf as bounds"""
    _, client = make_service(StepClock(0.02))
    client.get("/health")
    family = families(client.get("/metrics").text)[HISTOGRAM]
    assert family.type == "histogram"
    bounds = {
        s.labels["le"]
        for s in family.samples
        if s.name.endswith("_bucket") and s.labels.get("route") == "/health"
    }
    expected = {str(float(b)) for b in LATENCY_BUCKETS} | {"+Inf"}
    assert bounds == expected


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_histogram_sum_and_count():
    """The histogram's _count counts requests and _sum adds their durations"""
    registry, client = make_service(StepClock(0.2))
    for _ in range(4):
        client.get("/health")
    labels = {"method": "GET", "route": "/health"}
    assert registry.get_sample_value(f"{HISTOGRAM}_count", labels) == 4.0
    assert registry.get_sample_value(f"{HISTOGRAM}_sum", labels) == pytest.approx(0.8)


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_histogram_is_labelled_by_route_template():
    """Latency of /items/1 and /items/2 is observed under /items/{item_id}"""
    registry, client = make_service(StepClock(0.03))
    client.get("/items/1")
    client.get("/items/2")
    assert bucket(registry, ITEM_ROUTE, "+Inf") == 2.0
    assert bucket(registry, "/items/1", "+Inf") is None


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_failed_requests_are_timed_too():
    """A request whose handler raises still has its latency observed"""
    registry, client = make_service(StepClock(0.4))
    assert client.get("/boom").status_code == 500
    assert bucket(registry, "/boom", "0.25") == 0.0
    assert bucket(registry, "/boom", "0.5") == 1.0


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_gauge_returns_to_zero_after_an_error():
    """A handler that raises gives a 500, counted as status 500; in-flight is 0 after"""
    registry, client = make_service()
    assert client.get("/boom").status_code == 500
    assert registry.get_sample_value(GAUGE) == 0.0
    assert requests_of(registry, "GET", "/boom", "500") == 1.0


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_gauge_counts_the_request_being_served():
    """The scrape of /metrics sees itself in flight: the gauge reads 1 there"""
    _, client = make_service()
    client.get("/boom")
    client.get("/health")
    family = families(client.get("/metrics").text)[GAUGE]
    assert family.type == "gauge"
    assert [s.value for s in family.samples] == [1.0]


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "path",
    ["/health", "/items/42", "/boom", "/nowhere"],
    ids=["ok", "404", "500", "unknown"],
)
def test_gauge_is_zero_between_requests(path):
    """After any request, ok or failed, no request is left in flight"""
    registry, client = make_service()
    for _ in range(3):
        client.get(path)
    assert registry.get_sample_value(GAUGE) == 0.0


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_gauge_exists_before_the_first_request():
    """The in-flight gauge is registered with the app and reads 0 before any request"""
    registry, _ = make_service()
    assert registry.get_sample_value(GAUGE) == 0.0


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_metrics_endpoint_content_type():
    """/metrics answers 200 with Prometheus's text format content type"""
    _, client = make_service()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_metrics_text_agrees_with_the_registry():
    """The exposition parses, and its counter values are the registry's"""
    registry, client = make_service()
    for path in ("/items/1", "/items/3", "/items/7"):
        client.get(path)
    family = families(client.get("/metrics").text)["http_requests"]
    assert family.type == "counter"
    seen = {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in family.samples
        if s.name == COUNTER
    }
    assert seen[("GET", ITEM_ROUTE, "200")] == 2.0
    assert seen[("GET", ITEM_ROUTE, "404")] == 1.0
    assert seen[("GET", ITEM_ROUTE, "404")] == requests_of(
        registry, "GET", ITEM_ROUTE, "404"
    )


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_metrics_serves_only_the_injected_registry():
    """/metrics exposes the injected registry, not the process-wide default one"""
    _, client = make_service()
    names = set(families(client.get("/metrics").text))
    assert {"http_requests", HISTOGRAM, GAUGE} <= names
    leaked = sorted(n for n in names if n.startswith(("process_", "python_")))
    assert leaked == []


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_metrics_are_documented():
    """Every metric family carries a non-empty HELP text"""
    _, client = make_service()
    client.get("/health")
    for name, family in families(client.get("/metrics").text).items():
        assert family.documentation.strip(), f"{name} has no HELP"
