"""The similarity report: a copy with renamed variables, new comments and another layout is
found; the starter code (stub and visible tests) is base code and never makes a pair; an
independent solution is not paired; the shared fragments are shown side by side."""

from __future__ import annotations

from fastapi.testclient import TestClient

from grader.leaderboard.similarity import fingerprints
from tests.leaderboard.conftest import (
    REFERENCE,
    SLUG,
    STARTER,
    Tokens,
    sign_in,
    tar_gz,
    upload,
)
from grader.leaderboard import auth

ORIGINAL = (REFERENCE / "word_count.py").read_text()
# Everyone hands in the visible tests as given: base code, never a reason to pair.
TESTS = (STARTER / "tests" / "test_word_count.py").read_bytes()
DISGUISED = (
    ORIGINAL.replace("counts", "tally")
    .replace("word", "w")
    .replace("ranked", "order")
    .replace("text", "s")
    .replace("    if n < 0:", "    # guard against nonsense\n    if n < 0:")
)
INDEPENDENT = '''"""Word counting, my way."""
from collections import Counter
import re


def count_words(text: str) -> dict[str, int]:
    return dict(Counter(re.findall(r"[a-z']+", text.lower())))


def top_words(text: str, n: int) -> list[str]:
    if n < 0:
        raise ValueError("negative")
    pairs = sorted(count_words(text).items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, _ in pairs][:n]
'''


def submit(client: TestClient, token: str, source: str | bytes) -> str:
    data = source.encode() if isinstance(source, str) else source
    files = {"word_count.py": data, "tests/test_word_count.py": TESTS}
    response = upload(client, token, tar_gz(files))
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_normalised_tokens_ignore_names_comments_and_layout() -> None:
    assert set(fingerprints("a.py", ORIGINAL)) == set(fingerprints("b.py", DISGUISED))


def test_the_report_finds_a_disguised_copy_and_nothing_else(
    client: TestClient, tokens: Tokens
) -> None:
    with client.app.state.context.db.session() as session:
        cy = auth.add_student(session, "Cy").token
        dee = auth.add_student(session, "Dee").token
    submit(client, tokens.ann, ORIGINAL)
    submit(client, tokens.bob, DISGUISED)
    submit(client, cy, (STARTER / "word_count.py").read_bytes())
    submit(client, dee, INDEPENDENT)
    teacher = Tokens.header(tokens.teacher)
    report = client.get(f"/api/v1/exercises/{SLUG}/similarity", headers=teacher)
    assert report.status_code == 200, report.text
    pairs = report.json()["pairs"]
    assert [(p["left"], p["right"]) for p in pairs] == [("Ann", "Bob")], pairs
    assert pairs[0]["similarity"] >= 0.9
    fragment = pairs[0]["fragments"][0]
    assert "counts.get(word, 0)" in fragment["left_code"]
    assert "tally.get(w, 0)" in fragment["right_code"]
    assert fragment["left_file"] == fragment["right_file"] == "word_count.py"
    student = client.get(
        f"/api/v1/exercises/{SLUG}/similarity", headers=Tokens.header(tokens.ann)
    )
    assert student.status_code == 403
    sign_in(client, tokens.teacher)
    page = client.get(f"/teacher/exercises/{SLUG}/similarity").text
    assert "Ann ↔ Bob" in page and 'class="side"' in page
    assert "tally.get(w, 0)" in page
