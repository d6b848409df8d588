"""Private by default: pages and the board need a signed-in user; a browser signs in once
through a form and holds a Secure, HttpOnly, SameSite=Strict cookie; teacher actions that
change state refuse requests from other sites; pseudonyms are random and stable."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.leaderboard import auth, roster
from tests.leaderboard.conftest import (
    SLUG,
    Tokens,
    browser,
    csrf_of,
    record_grading,
    sign_in,
)


def test_anonymous_readers_are_refused_everything_but_health(
    client: TestClient, tokens: Tokens
) -> None:
    for path in ("/", "/?stage=1", "/me", "/teacher", f"/teacher/exercises/{SLUG}"):
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"].startswith("/signin?next=")
    board = client.get("/api/v1/leaderboard")
    assert board.status_code == 401 and "sign in" in board.json()["message"]
    for path in ("/api/v1/me", "/api/v1/class", "/api/v1/gradebook"):
        assert client.get(path).status_code == 401, path
    assert client.get("/api/v1/health").status_code == 200


def test_signing_in_sets_a_secure_http_only_strict_cookie_and_lands_back(
    client: TestClient, tokens: Tokens
) -> None:
    form = client.get("/signin?next=/?stage=1")
    assert 'type="password"' in form.text and 'method="post"' in form.text
    response = client.post(
        "/signin",
        data={"token": tokens.ann, "next": "/?stage=1"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/?stage=1"
    cookie = response.headers["set-cookie"].lower()
    for flag in ("httponly", "secure", "samesite=strict", "path=/"):
        assert flag in cookie, cookie
    # the secret is all after "grt_<id>_"; it may itself hold "_"
    secret = tokens.ann.split("_", 2)[2]
    assert secret and tokens.ann not in cookie and secret.lower() not in cookie
    assert client.get("/me").status_code == 200
    # A token in the URL signs nobody in, and a next= to another site is ignored.
    other = browser(client.app)
    assert (
        other.get(f"/signin?token={tokens.ann}", follow_redirects=False).status_code
        == 200
    )
    assert other.get("/me", follow_redirects=False).status_code == 303
    away = client.post(
        "/signin",
        data={"token": tokens.ann, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/me"


def test_a_wrong_token_or_a_disabled_student_is_told_why(
    client: TestClient, tokens: Tokens
) -> None:
    wrong = client.post("/signin", data={"token": "grt_x_y"})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    with client.app.state.context.db.session() as session:
        roster.set_state(session, "Bob", "disabled")
    disabled = client.post("/signin", data={"token": tokens.bob})
    assert disabled.status_code == 401 and "disabled" in disabled.text


def test_teacher_actions_need_the_sessions_csrf_token_and_the_same_origin(
    client: TestClient, tokens: Tokens, graded_cards
) -> None:
    sid = record_grading(client, tokens.ann, graded_cards["reference"], 90)
    sign_in(client, tokens.teacher)
    path = f"/teacher/submissions/{sid}/regrade"
    missing = client.post(path, data={"reason": "x"}, follow_redirects=False)
    assert missing.status_code == 403 and "did not come from" in missing.text
    token = csrf_of(client, f"/teacher/submissions/{sid}")
    forged = client.post(
        path,
        data={"reason": "x", "csrf": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    cross = client.post(
        path,
        data={"reason": "x", "csrf": token},
        headers={"Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert cross.status_code == 403
    ok = client.post(
        path,
        data={"reason": "hidden test fixed", "csrf": token},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert (
        client.get(
            f"/api/v1/submissions/{sid}", headers=Tokens.header(tokens.ann)
        ).json()["status"]
        == "queued"
    )
    # Signing out needs the token too, and ends the session.
    assert client.post("/signout", follow_redirects=False).status_code == 403
    out = client.post("/signout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/teacher", follow_redirects=False).status_code == 303


def test_a_student_sees_pseudonyms_and_their_own_row_named(
    client: TestClient, tokens: Tokens, graded_cards
) -> None:
    record_grading(client, tokens.ann, graded_cards["reference"], 90)
    record_grading(client, tokens.bob, graded_cards["reference"], 70)
    sign_in(client, tokens.ann)
    page = client.get("/").text
    assert "Ann (you)" in page and "Bob" not in page and "fox" in page
    assert "Show names" not in page  # no switch to line the two views up
    board = client.get("/api/v1/leaderboard").json()
    assert [r["student"] for r in board["rows"]] == ["Ann", "fox"]
    assert client.get("/teacher").status_code == 403


def test_a_public_board_shows_pseudonyms_only(
    make_app: Callable[..., FastAPI], tokens: Tokens, graded_cards
) -> None:
    with browser(make_app(public_board=True)) as client:
        record_grading(client, tokens.ann, graded_cards["reference"], 90)
        page = client.get("/")
        board = client.get("/api/v1/leaderboard").json()
        assert page.status_code == 200
        assert "Ann" not in page.text and "owl" in page.text
        assert [r["student"] for r in board["rows"]] == ["owl"]
        assert client.get("/teacher", follow_redirects=False).status_code == 303


def test_pseudonyms_are_random_and_stable(app: FastAPI) -> None:
    with app.state.context.db.session() as session:
        issued = [auth.add_student(session, f"S {n}") for n in range(30)]
        names = [auth.find_account(session, t.student_id).pseudonym for t in issued]
    assert len(set(names)) == 30
    assert all(re.fullmatch(r"[a-z]+-[a-z]+-\d\d", n) for n in names), names
    assert not any(n.startswith("student-") for n in names)
    with app.state.context.db.session() as session:
        again = [auth.find_account(session, t.student_id).pseudonym for t in issued]
    assert again == names
