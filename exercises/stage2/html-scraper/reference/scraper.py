"""A resilient scraper for a paginated movie list.

Four pieces, each usable on its own:

* :func:`parse_page` turns the HTML of one list page into a list of movie
  dicts, tolerating broken markup and missing or garbled fields;
* :func:`next_page_url` finds the "next page" link of a page;
* :func:`fetch_with_retry` downloads a page, retrying server errors and
  connection problems with exponential backoff (via ``tenacity``) but never
  retrying a client error such as 404;
* :func:`crawl` follows the next links from a start page, without ever
  fetching the same page twice, and collects every movie.
"""

from __future__ import annotations

import functools
import re
import time
from typing import Any, Callable
from urllib.parse import urldefrag, urljoin

import httpx
from bs4 import BeautifulSoup, Tag
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

MAX_RATING = 10.0
YEAR_RE = re.compile(r"\d{4}")
VOTES_RE = re.compile(r"\d[\d,]*")


class FetchError(Exception):
    """A page could not be downloaded.

    Attributes:
        url: the URL that was requested.
        status: the HTTP status of the last response, or ``None`` when no
            response arrived at all (connection refused, reset, timed out).
    """

    def __init__(self, url: str, status: int | None, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


def _clean(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces too) into one space."""
    return " ".join(text.split())


def _field_text(movie: Tag, css_class: str) -> str | None:
    """The cleaned text of the first element with ``css_class`` inside ``movie``."""
    element = movie.find(class_=css_class)
    if element is None:
        return None
    return _clean(element.get_text())


def _parse_int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _parse_year(text: str | None) -> int | None:
    match = YEAR_RE.search(text or "")
    return int(match.group()) if match else None


def _parse_rating(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        rating = float(text)
    except ValueError:
        return None
    # "not 0 <= rating <= 10" also rejects NaN.
    if not 0.0 <= rating <= MAX_RATING:
        return None
    return rating


def _parse_votes(text: str | None) -> int | None:
    match = VOTES_RE.search(text or "")
    return int(match.group().replace(",", "")) if match else None


def _href(element: Tag | None) -> str | None:
    if element is None:
        return None
    href = element.get("href")
    if not isinstance(href, str) or not href.strip():
        return None
    return href.strip()


def _parse_movie(movie: Tag) -> dict[str, Any] | None:
    """One movie dict, or ``None`` when the block has no usable title."""
    title = _field_text(movie, "title")
    if not title:
        return None
    title_element = movie.find(class_="title")
    link = title_element.find("a", href=True) if title_element else None
    raw_id = movie.get("data-id")
    movie_id = raw_id.strip() if isinstance(raw_id, str) else ""
    return {
        "id": movie_id or None,
        "rank": _parse_int(_field_text(movie, "rank")),
        "title": title,
        "url": _href(link),
        "year": _parse_year(_field_text(movie, "year")),
        "rating": _parse_rating(_field_text(movie, "rating")),
        "votes": _parse_votes(_field_text(movie, "votes")),
        "genres": [
            text
            for text in (_clean(g.get_text()) for g in movie.find_all(class_="genre"))
            if text
        ],
    }


def parse_page(html: str) -> list[dict[str, Any]]:
    """Parse one list page into movie dicts, in page order.

    Every element whose class list contains ``movie`` is one movie. Blocks
    without a non-blank title are skipped. Each dict has exactly the keys
    ``id, rank, title, url, year, rating, votes, genres``; a missing or
    unparseable field is ``None`` (``genres`` is then ``[]``).
    """
    soup = BeautifulSoup(html, "html.parser")
    movies = []
    for block in soup.find_all(class_="movie"):
        movie = _parse_movie(block)
        if movie is not None:
            movies.append(movie)
    return movies


def next_page_url(html: str, base_url: str) -> str | None:
    """The absolute URL of the page after this one, or ``None`` on the last page.

    The link is the first ``<a>``/``<link>`` with a non-blank ``href`` whose
    ``rel`` contains ``next``; failing that, the first ``<a>`` with a non-blank
    ``href`` that has the class ``next`` or sits inside an element that has it.
    Relative links are resolved against ``base_url``.
    """
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(["a", "link"]):
        if "next" in (element.get("rel") or []) and _href(element):
            return urljoin(base_url, _href(element))
    for container in soup.find_all(class_="next"):
        links = [container] if container.name == "a" else []
        for link in links + container.find_all("a"):
            if _href(link):
                return urljoin(base_url, _href(link))
    return None


@functools.lru_cache(maxsize=None)
def _shared_client() -> httpx.Client:
    """One client for the whole program: creating one loads the CA store (slow)."""
    return httpx.Client()


def _default_get(url: str, *, timeout: float) -> httpx.Response:
    return _shared_client().get(url, timeout=timeout)


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, FetchError) and (
        exc.status is None or 500 <= exc.status <= 599
    )


def fetch_with_retry(
    url: str,
    *,
    get: Callable[..., Any] | None = None,
    attempts: int = 3,
    backoff: float = 0.1,
    timeout: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Download ``url`` and return the response text.

    ``get(url, timeout=timeout)`` (a shared ``httpx.Client().get`` by
    default) must return an
    object with ``status_code`` and ``text``. A 2xx response is returned.
    5xx responses and connection errors (``httpx.TransportError``,
    ``OSError``) are retried, up to ``attempts`` tries in total, waiting
    ``backoff * 2 ** (n - 1)`` seconds after the n-th failed try. Any other
    status fails at once.

    Raises:
        ValueError: ``attempts < 1`` or ``backoff < 0``.
        FetchError: a non-retryable status, or the last try failed.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    if backoff < 0:
        raise ValueError(f"backoff must not be negative, got {backoff}")
    do_get = get if get is not None else _default_get

    def attempt() -> str:
        try:
            response = do_get(url, timeout=timeout)
        except (httpx.TransportError, OSError) as exc:
            raise FetchError(url, None, f"{url}: connection error: {exc}") from exc
        status = response.status_code
        if 200 <= status <= 299:
            return response.text
        raise FetchError(url, status, f"{url}: HTTP {status}")

    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff),
        retry=retry_if_exception(_is_retryable),
        sleep=sleep,
        reraise=True,
    )
    return retrying(attempt)


def crawl(
    start_url: str,
    *,
    fetch: Callable[[str], str] | None = None,
    max_pages: int = 50,
) -> list[dict[str, Any]]:
    """Follow next links from ``start_url`` and return every movie found.

    Pages are fetched with ``fetch(url)`` (``fetch_with_retry`` by default),
    at most ``max_pages`` of them. A page whose URL (ignoring the ``#fragment``)
    was already fetched ends the crawl. A movie whose ``id`` was already
    collected is skipped. A :class:`FetchError` propagates.

    Raises:
        ValueError: ``max_pages < 1``.
    """
    if max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, got {max_pages}")
    do_fetch = fetch if fetch is not None else fetch_with_retry
    movies: list[dict[str, Any]] = []
    seen_pages: set[str] = set()
    seen_ids: set[str] = set()
    url: str | None = start_url
    while url is not None and len(seen_pages) < max_pages:
        page = urldefrag(url)[0]
        if page in seen_pages:
            break
        seen_pages.add(page)
        html = do_fetch(url)
        for movie in parse_page(html):
            if movie["id"] is not None:
                if movie["id"] in seen_ids:
                    continue
                seen_ids.add(movie["id"])
            movies.append(movie)
        url = next_page_url(html, url)
    return movies
