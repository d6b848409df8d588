import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scraper import FetchError, crawl, fetch_with_retry, next_page_url, parse_page


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


PAGES = Path("data") / "pages"
KEYS = {"id", "rank", "title", "url", "year", "rating", "votes", "genres"}


def page(name):
    return (PAGES / name).read_text(encoding="utf-8")


def movie_html(inner, attrs='class="movie" data-id="42"'):
    return f"<html><body><div {attrs}>{inner}</div></body></html>"


def gen_page(n):
    return (
        f'<html><body><div class="movie" data-id="gen-{n}">'
        f'<h2 class="title">Generated {n}</h2></div>'
        f'<span class="next"><a href="/gen/{n + 1}">next</a></span></body></html>'
    )


class FlakyServer:
    """A local HTTP server: shipped pages, synthetic pages, failures, a request log."""

    def __init__(self):
        self.pages = {p.name: p.read_bytes() for p in PAGES.glob("*.html")}
        self.extra = {}
        self.lock = threading.Lock()
        self.reset()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        with self.lock:
            self.log = []
            self.fail_first = 0
            self.extra = {}

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self):
        with self.lock:
            return [path for path, _ in self.log]

    def times(self):
        with self.lock:
            return [stamp for _, stamp in self.log]

    def handle(self, request):
        path = urlsplit(request.path).path
        with self.lock:
            self.log.append((path, time.monotonic()))
            failing = len(self.log) <= self.fail_first
            extra = self.extra.get(path)
        if failing:
            return self.send(request, 503, b"busy, try again")
        if path == "/hangup":
            request.close_connection = True
            return None
        if path == "/slow":
            time.sleep(1.0)
            return self.send(request, 200, b"too late")
        if extra is not None:
            return self.send(request, 200, extra.encode("utf-8"))
        if path.startswith("/pages/") and path[7:] in self.pages:
            return self.send(request, 200, self.pages[path[7:]])
        if path.startswith("/status/") and path[8:].isdigit():
            return self.send(request, int(path[8:]), b"status page")
        if path.startswith("/gen/") and path[5:].isdigit():
            return self.send(request, 200, gen_page(int(path[5:])).encode("utf-8"))
        return self.send(request, 404, b"<h1>404 not found</h1>")

    @staticmethod
    def send(request, status, body):
        try:
            request.send_response(status)
            request.send_header("Content-Type", "text/html; charset=utf-8")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except OSError:
            pass

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def _server():
    server = FlakyServer()
    yield server
    server.close()


@pytest.fixture
def server(_server):
    _server.reset()
    yield _server
    _server.reset()


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_clean_page_has_ten_movies_with_exact_keys():
    """parse_page finds the 10 movies of a clean page, each dict with exactly the 8 keys"""
    movies = parse_page(page("top250-1.html"))
    assert len(movies) == 10
    for movie in movies:
        assert isinstance(movie, dict), f"for {movie!r}"
        assert set(movie) == KEYS, f"for {movie!r}"


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_first_movie_is_parsed_field_by_field():
    """The first movie of page 1 has the right id, rank, title, url, year, rating, votes, genres"""
    first = parse_page(page("top250-1.html"))[0]
    assert first == {
        "id": "1292052",
        "rank": 1,
        "title": "肖申克的救赎",
        "url": "https://movie.example.com/subject/1292052/",
        "year": 1994,
        "rating": 9.7,
        "votes": 3112410,
        "genres": ["犯罪", "剧情"],
    }


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_movies_keep_page_order_and_types():
    """Movies come in page order with int ranks/years/votes and float ratings"""
    movies = parse_page(page("top250-1.html"))
    assert [m["rank"] for m in movies] == list(range(1, 11))
    assert [m["id"] for m in movies][-3:] == ["1889243", "3541415", "1292064"]
    for movie in movies:
        assert type(movie["rank"]) is int, f"for {movie!r}"
        assert type(movie["year"]) is int, f"for {movie!r}"
        assert type(movie["votes"]) is int, f"for {movie!r}"
        assert type(movie["rating"]) is float, f"for {movie!r}"
    assert movies[6]["genres"] == ["剧情", "喜剧", "爱情", "战争"]
    assert movies[6]["votes"] == 1410877


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_pages_without_movies_give_empty_list():
    """parse_page returns [] for an empty string and for a page without movies"""
    assert parse_page("") == []
    assert parse_page("<html><body><p>维护中</p></body></html>") == []


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_movie_class_is_matched_as_a_whole_class_token():
    """Only elements with the class token 'movie' count: 'movie-item' does not, 'movie featured' does"""
    html = (
        '<ul class="movie-list"><li class="movie-item">'
        '<h2 class="title">Not a movie</h2></li></ul>'
        '<div class="movies"><h2 class="title">Neither</h2></div>'
        '<section class="featured movie" data-id="7">'
        '<h2 class="title">Real one</h2></section>'
    )
    movies = parse_page(html)
    assert [m["title"] for m in movies] == ["Real one"]
    assert movies[0]["id"] == "7"


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_messy_page_keeps_only_real_titled_movies():
    """The messy page yields its 8 titled movies, skipping the ad, untitled blocks, script and comment"""
    titles = [m["title"] for m in parse_page(page("top250-2.html"))]
    assert titles == [
        "辛德勒的名单",
        "忠犬八公的故事",
        "海上钢琴师",
        "三傻大闹宝莱坞",
        "机器人总动员",
        "放牛班的春天",
        "无间道",
        "大话西游之大圣娶亲",
    ]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_uppercase_and_unquoted_markup_is_parsed():
    """Upper-case tags/attributes and unquoted attribute values parse like normal markup"""
    movies = {m["title"]: m for m in parse_page(page("top250-2.html"))}
    schindler = movies["辛德勒的名单"]
    assert schindler["id"] == "1295124"
    assert schindler["rank"] == 11
    assert schindler["rating"] == 9.5
    assert schindler["genres"] == ["剧情", "历史", "战争"]
    westward = movies["大话西游之大圣娶亲"]
    assert westward["id"] == "1292213"
    assert westward["url"] == "https://movie.example.com/subject/1292213/"
    assert westward["votes"] == 1627035


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_unclosed_and_stray_tags_do_not_break_fields():
    """An unclosed votes span and a stray </b> still give the right votes and rating"""
    movies = {m["title"]: m for m in parse_page(page("top250-2.html"))}
    assert movies["三傻大闹宝莱坞"]["votes"] == 1912447
    assert movies["三傻大闹宝莱坞"]["rating"] == 9.2
    assert movies["机器人总动员"]["rating"] == 9.3
    assert movies["机器人总动员"]["votes"] == 1249073


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_missing_and_garbled_fields_become_none():
    """Missing or unparseable rank/year/rating/votes/url/id fields are None, not errors"""
    movies = {m["title"]: m for m in parse_page(page("top250-2.html"))}
    pianist = movies["海上钢琴师"]
    assert pianist["rating"] is None and pianist["votes"] is None
    assert movies["机器人总动员"]["rank"] is None
    chorus = movies["放牛班的春天"]
    assert chorus["url"] is None
    assert chorus["rating"] is None
    assert chorus["votes"] is None
    infernal = movies["无间道"]
    assert infernal["id"] is None and infernal["rank"] is None
    assert movies["大话西游之大圣娶亲"]["year"] is None


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_text_is_stripped_and_whitespace_collapsed():
    """Titles, ids and genres are stripped; whitespace runs and &nbsp; become one space"""
    movies = {m["id"]: m for m in parse_page(page("top250-2.html"))}
    hachi = movies["3011091"]
    assert hachi["title"] == "忠犬八公的故事"
    assert hachi["year"] == 2009
    assert hachi["genres"] == ["剧情"]
    assert movies["1292001"]["title"] == "海上钢琴师"
    third = {m["id"]: m for m in parse_page(page("top250-3.html"))}
    assert third["6786002"]["title"] == "触不可及 / Intouchables"


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "text, expected",
    [
        ("8.5", 8.5),
        ("  8.5\n", 8.5),
        ("9", 9.0),
        ("0", 0.0),
        ("10", 10.0),
        ("10.1", None),
        ("93", None),
        ("-1", None),
        ("暂无评分", None),
        ("", None),
        ("nan", None),
    ],
    ids=[
        "plain",
        "padded",
        "integer",
        "zero",
        "ten",
        "above-ten",
        "typo",
        "negative",
        "no-rating",
        "empty",
        "nan",
    ],
)
def test_rating_cleaning(text, expected):
    """A rating is a float between 0 and 10 inclusive, otherwise None"""
    movies = parse_page(
        movie_html(f'<b class="title">X</b><i class="rating">{text}</i>')
    )
    assert movies[0]["rating"] == expected
    if expected is not None:
        assert type(movies[0]["rating"]) is float


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,234,567人评价", 1234567),
        ("12人评价", 12),
        (" 987 ", 987),
        ("无", None),
        ("", None),
    ],
    ids=["thousands", "small", "bare", "none-word", "empty"],
)
def test_votes_cleaning(text, expected):
    """Votes are the first number in the text with thousands separators removed, else None"""
    movies = parse_page(
        movie_html(f'<b class="title">X</b><i class="votes">{text}</i>')
    )
    assert movies[0]["votes"] == expected


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "text, expected",
    [("1994", 1994), ("2009（美国）", 2009), ("上映于 2001 年", 2001), ("未知", None)],
    ids=["plain", "with-country", "in-sentence", "unknown"],
)
def test_year_cleaning(text, expected):
    """The year is the first four-digit number in the text, else None"""
    movies = parse_page(movie_html(f'<b class="title">X</b><i class="year">{text}</i>'))
    assert movies[0]["year"] == expected


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_blank_id_and_blank_title_handling():
    """A blank data-id becomes None; a block whose title is blank or missing is skipped"""
    html = (
        movie_html('<b class="title">Kept</b>', attrs='class="movie" data-id="  "')
        + movie_html('<b class="title">   </b>')
        + movie_html('<b class="rating">9.0</b>')
    )
    movies = parse_page(html)
    assert [m["title"] for m in movies] == ["Kept"]
    assert movies[0]["id"] is None
    assert movies[0]["genres"] == []


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_fetch_returns_the_page_text(server):
    """fetch_with_retry returns the page's text after a single request when the server is fine"""
    text = fetch_with_retry(server.url("/pages/top250-1.html"), backoff=0.01)
    assert "肖申克的救赎" in text
    assert server.paths() == ["/pages/top250-1.html"]


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_fetch_retries_503_until_success(server):
    """Two 503 answers are retried and the third try returns the page (3 requests)"""
    server.fail_first = 2
    text = fetch_with_retry(server.url("/pages/loop-a.html"), attempts=3, backoff=0.01)
    assert "鬼子来了" in text
    assert server.paths() == ["/pages/loop-a.html"] * 3


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_fetch_gives_up_after_attempts(server):
    """When every try gets 503, FetchError(status=503) is raised after exactly `attempts` requests"""
    server.fail_first = 100
    url = server.url("/pages/loop-a.html")
    with pytest.raises(FetchError) as info:
        fetch_with_retry(url, attempts=4, backoff=0.01)
    assert info.value.status == 503
    assert info.value.url == url
    assert len(server.paths()) == 4


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_fetch_does_not_retry_404(server):
    """A 404 raises FetchError(status=404) at once: exactly one request, no retry"""
    with pytest.raises(FetchError) as info:
        fetch_with_retry(server.url("/pages/nope.html"), attempts=5, backoff=0.01)
    assert info.value.status == 404
    assert server.paths() == ["/pages/nope.html"]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_fetch_does_not_retry_other_non_2xx_statuses(server):
    """Statuses such as 301, 403 and 410 raise FetchError after one request each"""
    for status in (301, 403, 410):
        with raises_for(status, FetchError) as info:
            fetch_with_retry(server.url(f"/status/{status}"), attempts=3, backoff=0.01)
        assert info.value.status == status, f"for {status!r}"
    assert server.paths() == ["/status/301", "/status/403", "/status/410"]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_fetch_retries_connection_errors(server):
    """A server that hangs up without answering is retried, then FetchError(status=None)"""
    with pytest.raises(FetchError) as info:
        fetch_with_retry(server.url("/hangup"), attempts=3, backoff=0.01)
    assert info.value.status is None
    assert server.paths() == ["/hangup"] * 3


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_fetch_refused_connection_raises_fetch_error():
    """A refused connection ends in FetchError (not an httpx or OS exception)"""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as info:
        fetch_with_retry(f"http://127.0.0.1:{port}/", attempts=2, backoff=0.01)
    assert info.value.status is None


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_fetch_timeout_is_retried(server):
    """A response slower than `timeout` counts as a connection error and is retried"""
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_with_retry(server.url("/slow"), attempts=2, backoff=0.01, timeout=0.2)
    assert info.value.status is None
    assert server.paths() == ["/slow", "/slow"]
    assert time.monotonic() - started < 1.5


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_fetch_backoff_is_exponential(server):
    """Waits between tries are about backoff, then 2 * backoff"""
    server.fail_first = 2
    fetch_with_retry(server.url("/pages/loop-b.html"), attempts=3, backoff=0.15)
    stamps = server.times()
    assert len(stamps) == 3
    first_gap, second_gap = stamps[1] - stamps[0], stamps[2] - stamps[1]
    assert 0.14 <= first_gap < 0.6
    assert 0.29 <= second_gap < 0.9


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_fetch_rejects_bad_arguments():
    """attempts < 1 and a negative backoff raise ValueError before any request"""
    with pytest.raises(ValueError):
        fetch_with_retry("http://127.0.0.1:9/", attempts=0)
    with pytest.raises(ValueError):
        fetch_with_retry("http://127.0.0.1:9/", backoff=-1)
    assert issubclass(FetchError, Exception)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "html, base, expected",
    [
        (
            '<span class="next"><a href="p2.html">后页&gt;</a></span>',
            "http://h/list/p1.html",
            "http://h/list/p2.html",
        ),
        (
            '<head><link rel="next" href="?start=25&amp;filter="></head>',
            "http://h/top250?start=0",
            "http://h/top250?start=25&filter=",
        ),
        (
            '<a href="/a">1</a><a rel="nofollow next" href="/p/3">后页</a>',
            "http://h/p/2",
            "http://h/p/3",
        ),
        (
            '<a class="next" href="http://other/x">后页</a>',
            "http://h/p/2",
            "http://other/x",
        ),
        ('<span class="next">后页&gt;</span>', "http://h/p/9", None),
        (
            '<link rel="next" href="  "><span class="next">后页</span>',
            "http://h/",
            None,
        ),
        ('<a rel="prev" href="/p/1">前页</a>', "http://h/p/2", None),
        (
            '<link rel="next" href=""><div class="next"><a>x</a>'
            '<a href="p4.html">后页</a></div>',
            "http://h/d/p3.html",
            "http://h/d/p4.html",
        ),
    ],
    ids=[
        "span-next",
        "link-rel-query",
        "multi-rel",
        "a-class-next",
        "last-page",
        "blank-href",
        "prev-only",
        "skip-blank",
    ],
)
def test_next_page_url(html, base, expected):
    """next_page_url finds the next link (rel or class next) and resolves it, or returns None"""
    assert next_page_url(html, base) == expected


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_crawl_follows_the_chain_and_stops_at_the_last_page(server):
    """crawl fetches pages 1, 2, 3 once each and stops where there is no next link"""
    movies = crawl(server.url("/pages/top250-1.html"))
    assert server.paths() == [
        "/pages/top250-1.html",
        "/pages/top250-2.html",
        "/pages/top250-3.html",
    ]
    assert len(movies) == 22
    assert movies[0]["title"] == "肖申克的救赎"
    assert movies[-1]["title"] == "龙猫"


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_crawl_skips_movies_seen_on_earlier_pages(server):
    """A movie id already collected (楚门的世界 shifted to page 3) is not added again"""
    movies = crawl(server.url("/pages/top250-1.html"))
    ids = [m["id"] for m in movies if m["id"] is not None]
    assert len(ids) == len(set(ids))
    truman = [m for m in movies if m["id"] == "1292064"]
    assert len(truman) == 1 and truman[0]["rank"] == 10
    assert "无间道" in [m["title"] for m in movies]


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_crawl_does_not_loop(server):
    """A next link back to an earlier page (even with a #fragment) ends the crawl"""
    movies = crawl(server.url("/pages/loop-a.html"), max_pages=10)
    assert server.paths() == ["/pages/loop-a.html", "/pages/loop-b.html"]
    assert [m["title"] for m in movies] == ["鬼子来了", "饮食男女"]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_crawl_respects_max_pages(server):
    """An endless chain of pages is cut off after max_pages requests"""
    movies = crawl(server.url("/gen/1"), max_pages=5)
    assert server.paths() == [f"/gen/{n}" for n in range(1, 6)]
    assert [m["id"] for m in movies] == [f"gen-{n}" for n in range(1, 6)]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_crawl_survives_a_flaky_server(server):
    """With the default fetch, two initial 503 answers are retried and the crawl completes"""
    server.fail_first = 2
    movies = crawl(server.url("/pages/top250-1.html"))
    assert len(movies) == 22
    assert server.paths().count("/pages/top250-1.html") == 3
    assert len(server.paths()) == 5


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_crawl_propagates_fetch_errors(server):
    """A next link to a missing page makes crawl raise FetchError(status=404)"""
    server.extra["/broken/start"] = (
        '<div class="movie" data-id="b1"><h2 class="title">B</h2></div>'
        '<a rel="next" href="/pages/missing.html">next</a>'
    )
    with pytest.raises(FetchError) as info:
        crawl(server.url("/broken/start"))
    assert info.value.status == 404
    assert server.paths() == ["/broken/start", "/pages/missing.html"]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_crawl_uses_the_given_fetch():
    """crawl calls the injected fetch(url) for every page instead of the network"""
    site = {
        "http://example.test/s/1": '<div class="movie" data-id="a"><h2 class="title">A</h2></div>'
        '<span class="next"><a href="2">next</a></span>',
        "http://example.test/s/2": '<div class="movie" data-id="b"><h2 class="title">B</h2></div>',
    }
    calls = []

    def fetch(url):
        calls.append(url)
        return site[url]

    movies = crawl("http://example.test/s/1", fetch=fetch)
    assert calls == ["http://example.test/s/1", "http://example.test/s/2"]
    assert [m["title"] for m in movies] == ["A", "B"]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_crawl_rejects_max_pages_below_one():
    """max_pages < 1 raises ValueError"""
    with pytest.raises(ValueError):
        crawl("http://127.0.0.1:9/", max_pages=0)
