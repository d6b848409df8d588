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

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (re, httpx,
bs4, tenacity, urllib.parse, ...) and private helpers as you need them.
"""

from __future__ import annotations

import time
from typing import Any, Callable


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


def parse_page(html: str) -> list[dict[str, Any]]:
    """Parse one list page into movie dicts, in page order.

    Every element whose class list contains ``movie`` is one movie. Blocks
    without a non-blank title are skipped. Each dict has exactly the keys
    ``id, rank, title, url, year, rating, votes, genres``; a missing or
    unparseable field is ``None`` (``genres`` is then ``[]``).
    """
    raise NotImplementedError


def next_page_url(html: str, base_url: str) -> str | None:
    """The absolute URL of the page after this one, or ``None`` on the last page.

    The link is the first ``<a>``/``<link>`` with a non-blank ``href`` whose
    ``rel`` contains ``next``; failing that, the first ``<a>`` with a non-blank
    ``href`` that has the class ``next`` or sits inside an element that has it.
    Relative links are resolved against ``base_url``.
    """
    raise NotImplementedError


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
    default) must return an object with ``status_code`` and ``text``. A 2xx
    response is returned. 5xx responses and connection errors
    (``httpx.TransportError``, ``OSError``) are retried, up to ``attempts``
    tries in total, waiting ``backoff * 2 ** (n - 1)`` seconds after the n-th
    failed try. Any other status fails at once.

    Raises:
        ValueError: ``attempts < 1`` or ``backoff < 0``.
        FetchError: a non-retryable status, or the last try failed.
    """
    raise NotImplementedError


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
    raise NotImplementedError
