"""The teacher's view over the API and the pages: the grid, one student's history, one
exercise across the class with its most-failed tests, and a submission's files."""

from __future__ import annotations

import copy
import tarfile
import io

from fastapi.testclient import TestClient

from grader.scorecard import serialize
from tests.leaderboard.conftest import (
    SLUG,
    Tokens,
    record_grading,
    sign_in,
    upload,
    workspace_archive,
)


def failing(card, test_ids: set[str]):
    """The card with the named hidden tests failed."""
    document = copy.deepcopy(serialize.to_dict(card))
    for check in document["checks"]:
        for test in check.get("details", {}).get("tests", []):
            if test["id"] in test_ids:
                test["status"] = "failed"
    return serialize.from_dict(document)


def hidden_test_ids(card) -> list[str]:
    document = serialize.to_dict(card)
    return [
        t["id"]
        for c in document["checks"]
        for t in c.get("details", {}).get("tests", [])
    ]


def test_results_show_the_distribution_and_the_most_failed_tests(
    client: TestClient, tokens: Tokens, graded_cards
) -> None:
    reference = graded_cards["reference"]
    first, second = hidden_test_ids(reference)[:2]
    record_grading(client, tokens.ann, failing(reference, {first, second}), 60)
    record_grading(client, tokens.bob, failing(reference, {first}), 85)
    teacher = Tokens.header(tokens.teacher)
    results = client.get(f"/api/v1/exercises/{SLUG}/results", headers=teacher).json()
    assert (results["submitted"], results["passed"]) == (2, 1)
    assert sorted(results["percents"]) == [60.0, 85.0]
    assert [(t["test"], t["failed"], t["of"]) for t in results["most_failed"]] == [
        (first, 2, 2),
        (second, 1, 2),
    ]
    grid = client.get("/api/v1/class", headers=teacher).json()
    cells = {s["name"]: s["cells"][0] for s in grid["students"]}
    assert cells["Ann"]["state"] == "tried" and cells["Bob"]["state"] == "passed"
    history = client.get("/api/v1/students/Ann", headers=teacher).json()
    assert [s["score"] for s in history["submissions"]] == [60.0]
    assert client.get("/api/v1/students/nobody", headers=teacher).status_code == 404
    sign_in(client, tokens.teacher)
    page = client.get(f"/teacher/exercises/{SLUG}").text
    assert "Most-failed tests" in page and "2 of 2" in page


def test_the_teacher_downloads_a_submission_as_it_was_uploaded(
    client: TestClient, tokens: Tokens
) -> None:
    data = workspace_archive()
    sid = upload(client, tokens.ann, data).json()["id"]
    path = f"/api/v1/submissions/{sid}/files"
    assert client.get(path, headers=Tokens.header(tokens.ann)).status_code == 403
    got = client.get(path, headers=Tokens.header(tokens.teacher))
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-disposition"].endswith('.tar.gz"')
    with tarfile.open(fileobj=io.BytesIO(got.content)) as tar:
        assert "word_count.py" in tar.getnames()
    sign_in(client, tokens.teacher)
    page = client.get(f"/teacher/submissions/{sid}/files")
    assert page.status_code == 200 and page.content == data
    assert client.get("/teacher/submissions/nope/files").status_code == 404
