"""Tests for scraper.py: parsing, next links, retries and crawling.

Run them with:  grader test   (or: python -m pytest -q tests)
"""

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from scraper import FetchError, crawl, fetch_with_retry, next_page_url, parse_page

PAGES = Path("data") / "pages"


def read_page(name):
    return (PAGES / name).read_text(encoding="utf-8")


@dataclass
class FakeResponse:
    status_code: int
    text: str = ""


class FakeGet:
    """Plays back a script of responses / exceptions and records every call."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def __call__(self, url, timeout):
        self.calls.append((url, timeout))
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


# ------------------------------------------------------------------ parse_page


def test_parse_clean_page():
    movies = parse_page(read_page("top250-1.html"))
    assert len(movies) == 10
    assert movies[0] == {
        "id": "1292052",
        "rank": 1,
        "title": "肖申克的救赎",
        "url": "https://movie.example.com/subject/1292052/",
        "year": 1994,
        "rating": 9.7,
        "votes": 3112410,
        "genres": ["犯罪", "剧情"],
    }


def test_parse_messy_page():
    movies = {m["title"]: m for m in parse_page(read_page("top250-2.html"))}
    assert len(movies) == 8
    assert "广告：会员八折" not in movies
    assert "脚本里的假电影" not in movies
    assert movies["海上钢琴师"]["rating"] is None
    assert movies["三傻大闹宝莱坞"]["votes"] == 1912447
    assert movies["无间道"]["id"] is None
    assert movies["大话西游之大圣娶亲"]["year"] is None
    assert movies["放牛班的春天"]["url"] is None


@pytest.mark.parametrize(
    "text, expected",
    [("8.5", 8.5), ("10", 10.0), ("10.5", None), ("暂无评分", None), ("nan", None)],
)
def test_rating_values(text, expected):
    html = f'<div class="movie"><b class="title">T</b><i class="rating">{text}</i>'
    assert parse_page(html)[0]["rating"] == expected


def test_whitespace_is_collapsed_and_blank_titles_skipped():
    html = (
        '<div class="movie" data-id=" 7 "><b class="title"> A&nbsp;/ \n B </b>'
        '<i class="genre"> x </i><i class="genre"> </i></div>'
        '<div class="movie"><b class="title">  </b></div>'
    )
    assert parse_page(html) == [
        {
            "id": "7",
            "rank": None,
            "title": "A / B",
            "url": None,
            "year": None,
            "rating": None,
            "votes": None,
            "genres": ["x"],
        }
    ]


# --------------------------------------------------------------- next_page_url


@pytest.mark.parametrize(
    "html, expected",
    [
        ('<span class="next"><a href="p2.html">后页</a></span>', "http://h/d/p2.html"),
        ('<link rel="next" href="?start=25">', "http://h/d/p1.html?start=25"),
        ('<a class="next" href="/x">后页</a>', "http://h/x"),
        ('<span class="next">后页</span>', None),
        ('<link rel="next" href=" ">', None),
    ],
)
def test_next_page_url(html, expected):
    assert next_page_url(html, "http://h/d/p1.html") == expected


# ------------------------------------------------------------ fetch_with_retry


def test_fetch_retries_server_errors_then_succeeds():
    get = FakeGet(FakeResponse(503), FakeResponse(500), FakeResponse(200, "ok"))
    waits = []
    assert fetch_with_retry("u", get=get, backoff=1, sleep=waits.append) == "ok"
    assert len(get.calls) == 3
    assert waits == [1, 2]


def test_fetch_does_not_retry_client_errors():
    get = FakeGet(FakeResponse(404))
    with pytest.raises(FetchError) as info:
        fetch_with_retry("u", get=get, sleep=lambda s: None)
    assert info.value.status == 404
    assert info.value.url == "u"
    assert len(get.calls) == 1


def test_fetch_retries_connection_errors_and_gives_up():
    get = FakeGet(
        httpx.ConnectError("refused"), ConnectionResetError(), FakeResponse(502)
    )
    with pytest.raises(FetchError) as info:
        fetch_with_retry("u", get=get, attempts=3, timeout=2, sleep=lambda s: None)
    assert info.value.status == 502
    assert get.calls == [("u", 2)] * 3


def test_fetch_connection_error_has_no_status():
    get = FakeGet(OSError("down"))
    with pytest.raises(FetchError) as info:
        fetch_with_retry("u", get=get, attempts=1)
    assert info.value.status is None


def test_fetch_rejects_bad_arguments():
    with pytest.raises(ValueError):
        fetch_with_retry("u", attempts=0)
    with pytest.raises(ValueError):
        fetch_with_retry("u", backoff=-0.5)


# ----------------------------------------------------------------------- crawl


def test_crawl_with_injected_fetch_stops_on_loops_and_skips_duplicates():
    site = {
        "http://h/1": '<div class="movie" data-id="a"><b class="title">A</b></div>'
        '<a rel="next" href="/2">next</a>',
        "http://h/2": '<div class="movie" data-id="a"><b class="title">A</b></div>'
        '<div class="movie"><b class="title">B</b></div>'
        '<a rel="next" href="/1#top">next</a>',
    }
    calls = []

    def fetch(url):
        calls.append(url)
        return site[url]

    movies = crawl("http://h/1", fetch=fetch)
    assert calls == ["http://h/1", "http://h/2"]
    assert [m["title"] for m in movies] == ["A", "B"]


def test_crawl_max_pages():
    calls = []

    def fetch(url):
        calls.append(url)
        return f'<a rel="next" href="{len(calls) + 1}">next</a>'

    assert crawl("http://h/0", fetch=fetch, max_pages=3) == []
    assert len(calls) == 3
    with pytest.raises(ValueError):
        crawl("http://h/0", fetch=fetch, max_pages=0)


@pytest.fixture
def local_site():
    """The shipped pages on a real local HTTP server (127.0.0.1, a free port)."""
    pages = {f"/{p.name}": p.read_bytes() for p in PAGES.glob("*.html")}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_crawl_real_server(local_site):
    movies = crawl(f"{local_site}/top250-1.html")
    assert len(movies) == 22
    assert [m["id"] for m in movies].count("1292064") == 1
    with pytest.raises(FetchError):
        fetch_with_retry(f"{local_site}/missing.html")
