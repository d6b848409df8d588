"""Regrade all after a hidden test is fixed: every latest submission graded again in the
queue, progress reported, each score change recorded with its reason and shown to the
student (page, API, `grader status`)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from grader.leaderboard.client import status_lines
from tests.conftest import FIXTURE_PACK
from tests.leaderboard.conftest import (
    SLUG,
    STARTER,
    Tokens,
    browser,
    sign_in,
    upload,
    wait_until_graded,
    workspace_archive,
)

# A wrong hidden test every submission fails: the teacher fixes it and regrades.
BROKEN = """

def test_a_wrong_expectation():
    assert 1 == 2
"""


def test_regrade_all_after_a_fix_tells_each_student_old_and_new_score(
    make_app: Callable[..., FastAPI], tokens: Tokens, tmp_path: Path
) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    hidden = pack / "stage1" / "word-count" / "hidden" / "test_word_count.py"
    fixed = hidden.read_text()
    hidden.write_text(fixed + BROKEN)
    with browser(make_app(exercises_dir=pack, workers=2)) as client:
        ann = upload(client, tokens.ann, workspace_archive()).json()["id"]
        bob = upload(client, tokens.bob, workspace_archive(STARTER)).json()["id"]
        first = {
            sid: wait_until_graded(client, sid, tokens.teacher) for sid in (ann, bob)
        }
        before = {sid: body["score"] for sid, body in first.items()}
        assert before[ann] < 100
        hidden.write_text(fixed)  # the teacher fixes the hidden suite
        teacher = Tokens.header(tokens.teacher)
        refused = client.post(
            f"/api/v1/exercises/{SLUG}/regrade", json={"reason": ""}, headers=teacher
        )
        assert refused.status_code == 422
        started = client.post(
            f"/api/v1/exercises/{SLUG}/regrade",
            json={"reason": "hidden test test_a_wrong_expectation removed"},
            headers=teacher,
        )
        assert started.status_code == 202, started.text
        body = started.json()
        assert body["jobs"] == 2
        deadline = time.monotonic() + 120
        while True:
            progress = client.get(body["progress_url"], headers=teacher).json()
            if progress["done"] or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert progress["done"] and progress["finished"] == 2, progress
        after = wait_until_graded(client, ann, tokens.ann)
        assert after["score"] == 100
        me = client.get("/api/v1/me", headers=Tokens.header(tokens.ann)).json()
        assert me["regrades"] == [
            {
                "submission": ann,
                "exercise": SLUG,
                "old_score": before[ann],
                "new_score": 100.0,
                "max_score": 100.0,
                "old_result": first[ann]["result"],
                "new_result": "pass",
                "reason": "hidden test test_a_wrong_expectation removed",
                "changed_at": me["regrades"][0]["changed_at"],
            }
        ]
        assert any("regraded stage1/word-count" in line for line in status_lines(me))
        sign_in(client, tokens.ann)
        page = client.get("/me").text
        assert "your score went from" in page and "test_a_wrong_expectation" in page
        # Bob's starter still fails: whether or not his score moved, he is told only
        # of a real change.
        bob_view = client.get("/api/v1/me", headers=Tokens.header(tokens.bob)).json()
        for change in bob_view["regrades"]:
            assert change["old_score"] != change["new_score"]
