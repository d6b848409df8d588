"""Requests generated from the server's own OpenAPI document (schemathesis): never a 5xx.

Malformed requests (negative mode: wrong types, missing fields, values outside the limits)
must be refused with a 4xx and the JSON error body; valid ones may succeed. Each operation
is called with a student's token, and the teacher-only ones with the teacher's, so the
requests get past authentication to the code that parses them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.leaderboard.conftest import Tokens

EXAMPLES = 50  # per operation and mode
TEACHER_ONLY = (
    "/regrade",
    "/export.csv",
    "/class",
    "/students/",
    "/results",
    "/files",
    "/gradebook",
    "/similarity",
)


@pytest.mark.slow
def test_generated_requests_never_get_a_server_error(
    make_app: Callable[..., FastAPI], tokens: Tokens
) -> None:
    # A generous rate limit: the point is parsing, not the 429 after ten uploads.
    app = make_app(rate_limit=100_000)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    answers: Counter[tuple[str, int]] = Counter()
    unfuzzable: list[str] = []

    for operation in operations:
        teacher = any(part in operation.path for part in TEACHER_ONLY)
        token = tokens.teacher if teacher else tokens.ann
        for mode in (GenerationMode.NEGATIVE, GenerationMode.POSITIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                response = case.call(headers=Tokens.header(token))
                answers[(mode.value, response.status_code // 100)] += 1
                assert response.status_code < 500, (
                    case.as_curl_command(),
                    response.text,
                )
                if response.status_code >= 400:
                    body = response.json()
                    assert set(body) == {"error", "message"}, body
                    assert body["message"], body

            try:
                check()
            except Unsatisfiable:
                # Nothing to get wrong: an operation without parameters or a body.
                assert mode is GenerationMode.NEGATIVE, operation.path
                unfuzzable.append(operation.path)

    # The malformed requests were generated and refused; the valid ones got through.
    assert answers[("negative", 4)] > 100, answers
    assert answers[("positive", 2)] > 10, answers
    assert set(unfuzzable) <= {
        "/api/v1/health",
        "/api/v1/exercises",
        "/api/v1/export.csv",
        "/api/v1/me",
        "/api/v1/class",
    }
