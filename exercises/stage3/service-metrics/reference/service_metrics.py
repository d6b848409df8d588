"""A small FastAPI service that reports Prometheus metrics about its own requests."""

import time
from typing import Awaitable, Callable

from fastapi import FastAPI, HTTPException, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

# Upper bounds, in seconds, of the latency histogram's buckets (+Inf is added by
# prometheus_client).
LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

# The route label of a request that matched no route: one value for every unknown path.
UNMATCHED = "unmatched"

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


def add_business_routes(app: FastAPI) -> None:
    """The service's own endpoints (given: nothing to change here)."""

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/items/{item_id}")
    def get_item(item_id: int) -> dict:
        if item_id not in ITEMS:
            raise HTTPException(status_code=404, detail="no such item")
        return {"id": item_id, "name": ITEMS[item_id]}

    @app.post("/items", status_code=201)
    def create_item() -> dict:
        return {"id": len(ITEMS) + 1}

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("the database is on fire")


def route_label(request: Request) -> str:
    """The route template the request matched (`/items/{item_id}`), not the path."""
    route = request.scope.get("route")
    return getattr(route, "path", UNMATCHED) if route is not None else UNMATCHED


def create_app(
    registry: CollectorRegistry, clock: Callable[[], float] = time.perf_counter
) -> FastAPI:
    """A FastAPI app whose metrics live in `registry` and are served at /metrics."""
    requests_total = Counter(
        "http_requests",
        "HTTP requests handled, by method, route template and status code.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "Time spent handling a request, by method and route template.",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    in_flight = Gauge(
        "http_requests_in_flight",
        "Requests being handled right now.",
        registry=registry,
    )

    app = FastAPI(title="items")
    add_business_routes(app)

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        in_flight.inc()
        started = clock()
        status = 500  # what the client gets when the handler raises
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            elapsed = clock() - started
            route = route_label(request)
            requests_total.labels(request.method, route, str(status)).inc()
            latency.labels(request.method, route).observe(elapsed)
            in_flight.dec()

    return app
