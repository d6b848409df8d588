"""A small FastAPI service that reports Prometheus metrics about its own requests."""

import time
from typing import Callable

from fastapi import FastAPI, HTTPException
from prometheus_client import CollectorRegistry

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


def create_app(
    registry: CollectorRegistry, clock: Callable[[], float] = time.perf_counter
) -> FastAPI:
    """A FastAPI app whose metrics live in `registry` and are served at /metrics.

    Register on `registry` (never on the default one):
    - Counter `http_requests` (exposed as `http_requests_total`), labels method, route,
      status: the route template (`/items/{item_id}`), UNMATCHED for unknown paths;
    - Histogram `http_request_duration_seconds`, labels method, route, with
      LATENCY_BUCKETS, timed with `clock` (read once at the start, once at the end);
    - Gauge `http_requests_in_flight`, no labels, back to 0 after every request.
    Call add_business_routes(app), and serve the registry's text at GET /metrics.
    """
    raise NotImplementedError
