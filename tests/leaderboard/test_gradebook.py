"""The gradebook exports, row by row: wide (every enrolled student, zeros for nothing
submitted, a note per grade), long (every submission and its rule), Canvas (filled into
the teacher's own Canvas export, scaled to its Points Possible) and Moodle."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from grader.clock import utc_now
from grader.leaderboard import auth, deadlines
from grader.leaderboard.db.models import Submission
from tests.leaderboard.conftest import SLUG, Tokens, record_grading

CANVAS = Path(__file__).parent / "fixtures" / "lms" / "canvas-gradebook-export.csv"


@pytest.fixture
def course(client: TestClient, graded_cards) -> tuple[TestClient, dict[str, str]]:
    """Ann on time (90), Bob nothing, Cy late by a day (80, -10 %), a formula name."""
    with client.app.state.context.db.session() as session:
        teacher = auth.create_teacher(session).token
        tokens = {
            sid: auth.add_student(
                session, name, student_id=sid, email=email, section="A"
            ).token
            for sid, name, email in (
                ("S1", "Ann Lee", "ann@uni.edu"),
                ("S2", "Bob Chen", "bob@uni.edu"),
                ("S3", '=cmd("x")', "cy@uni.edu"),
            )
        }
        deadlines.set_deadline(
            session,
            target=SLUG,
            due_at=utc_now() - timedelta(hours=2),
            opens_at=None,
            late_days=3,
            penalty_per_day=10,
            late_cap=None,
        )
    card = graded_cards["reference"]
    first = record_grading(client, tokens["S1"], card, 60)
    second = record_grading(client, tokens["S1"], card, 90)
    record_grading(client, tokens["S3"], card, 80)
    with client.app.state.context.db.session() as session:  # Ann uploaded in time
        session.execute(
            update(Submission)
            .where(Submission.id.in_((first, second)))
            .values(created_at=utc_now() - timedelta(days=1))
        )
    return client, {"teacher": teacher, **tokens, "first": first, "second": second}


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_wide_has_every_enrolled_student_zeros_and_a_note_per_grade(course) -> None:
    client, t = course
    got = rows(client.get("/api/v1/gradebook", headers=Tokens.header(t["teacher"])))
    # In roster order (by name): every enrolled student, submitted or not.
    assert [(r["student_id"], r[SLUG], r["total"]) for r in got] == [
        ("S3", "72", "72"),
        ("S1", "90", "90"),
        ("S2", "0", "0"),
    ]
    notes = {r["student_id"]: r["notes"] for r in got}
    assert notes["S2"] == ""
    assert notes["S1"].startswith(f"{SLUG}: on time, due ")
    assert notes["S3"].startswith(f"{SLUG}: late 1 day -10%, due ")
    names = {r["student_id"]: r["name"] for r in got}
    assert names["S3"] == '\'=cmd("x")'  # a formula stays text in a spreadsheet
    assert {r["email"] for r in got} == {"ann@uni.edu", "bob@uni.edu", "cy@uni.edu"}


def test_long_has_every_submission_with_its_rule_and_the_one_that_counts(
    course,
) -> None:
    client, t = course
    got = rows(
        client.get(
            "/api/v1/gradebook",
            params={"format": "long"},
            headers=Tokens.header(t["teacher"]),
        )
    )
    table = {r["submission"]: r for r in got}
    assert len(got) == 3 and set(table) >= {t["first"], t["second"]}
    assert (
        table[t["first"]]["counted"] == "no" and table[t["second"]]["counted"] == "yes"
    )
    assert (
        table[t["second"]]["grade"] == "90" and table[t["second"]]["late_days"] == "0"
    )
    late = next(r for r in got if r["student_id"] == "S3")
    assert (
        late["score"],
        late["grade"],
        late["late_days"],
        late["penalty_percent"],
    ) == (
        "80",
        "72",
        "1",
        "10",
    )
    assert late["rule"].startswith("late 1 day -10%")
    assert late["submitted_at_utc"].endswith("+00:00")


def test_canvas_fills_the_teachers_own_export_scaled_to_points_possible(
    course,
) -> None:
    client, t = course
    response = client.post(
        "/api/v1/gradebook/canvas",
        files={"template": ("canvas.csv", CANVAS.read_bytes(), "text/csv")},
        headers=Tokens.header(t["teacher"]),
    )
    assert response.status_code == 200, response.text
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Word count (1234)",
    ]
    assert lines[1][0].strip() == "Points Possible" and lines[1][5] == "10.00"
    assert lines[2] == ["Lee, Ann", "101", "S1", "ann@uni.edu", "CS101 A", "9"]
    assert lines[3] == ["Chen, Bob", "102", "S2", "bob@uni.edu", "CS101 A", "0"]
    assert len(lines) == 4  # Canvas's test student and a stranger are left out
    assert response.headers["x-grader-warnings"] == "2"


def test_canvas_without_a_matching_assignment_says_how_to_fix_it(course) -> None:
    client, t = course
    bad = "Student,ID,SIS User ID,SIS Login ID,Section,Essay (999)\r\n"
    response = client.post(
        "/api/v1/gradebook/canvas",
        files={"template": ("canvas.csv", bad.encode(), "text/csv")},
        headers=Tokens.header(t["teacher"]),
    )
    assert response.status_code == 422
    assert (
        "name each Canvas assignment after the exercise" in response.json()["message"]
    )
    not_canvas = client.post(
        "/api/v1/gradebook/canvas",
        files={"template": ("x.csv", b"a,b\r\n1,2\r\n", "text/csv")},
        headers=Tokens.header(t["teacher"]),
    )
    assert not_canvas.status_code == 422
    assert "not a Canvas gradebook export" in not_canvas.json()["message"]


def test_moodle_maps_by_id_number_and_email(course) -> None:
    client, t = course
    got = rows(
        client.get(
            "/api/v1/gradebook",
            params={"format": "moodle"},
            headers=Tokens.header(t["teacher"]),
        )
    )
    assert list(got[0]) == ["ID number", "Email address", "Full name", "Word count"]
    assert [(r["ID number"], r["Email address"], r["Word count"]) for r in got] == [
        ("S3", "cy@uni.edu", "72"),
        ("S1", "ann@uni.edu", "90"),
        ("S2", "bob@uni.edu", "0"),
    ]


def test_students_cannot_export(course) -> None:
    client, t = course
    refused = client.get("/api/v1/gradebook", headers=Tokens.header(t["S1"]))
    assert refused.status_code == 403 and refused.json()["error"] == "teacher_only"
