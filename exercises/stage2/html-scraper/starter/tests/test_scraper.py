"""Your own tests. Extend this file until it covers at least 70% of scraper.py.

Run it with:  grader test   (or: python -m pytest -q tests)

Tip: test fetch_with_retry without any network by passing a fake ``get`` that
plays back a list of responses, and a fake ``sleep`` that records the waits.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper import FetchError, fetch_with_retry, parse_page


@dataclass
class FakeResponse:
    status_code: int
    text: str = ""


def test_first_page_has_ten_movies():
    html = (Path("data") / "pages" / "top250-1.html").read_text(encoding="utf-8")
    movies = parse_page(html)
    assert len(movies) == 10
    assert movies[0]["title"] == "肖申克的救赎"
    assert movies[0]["votes"] == 3112410


def test_retry_then_success():
    responses = [FakeResponse(503), FakeResponse(200, "<html>ok</html>")]

    def fake_get(url, timeout):
        return responses.pop(0)

    waits = []
    text = fetch_with_retry("http://x/", get=fake_get, backoff=0.5, sleep=waits.append)
    assert text == "<html>ok</html>"
    assert waits == [0.5]


def test_404_is_not_retried():
    calls = []

    def fake_get(url, timeout):
        calls.append(url)
        return FakeResponse(404)

    with pytest.raises(FetchError):
        fetch_with_retry("http://x/", get=fake_get, sleep=lambda seconds: None)
    assert len(calls) == 1
