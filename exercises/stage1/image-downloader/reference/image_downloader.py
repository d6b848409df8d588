"""Download a list of image URLs with a bounded thread pool into dated folders.

The network is not this module's business: the caller passes ``fetch``, a
function that takes a URL and returns the image's bytes (``requests``,
``urllib`` or, in tests, a fake). The clock is passed in the same way
(``today``). What is left is the engineering: turn URLs into safe file names,
never overwrite a file even when two threads save the same name at once, run
at most ``max_workers`` downloads at a time, keep going when one fails, and
report what happened::

    summary = download_all(urls, "images", fetch=my_fetch, max_workers=8)
    print(format_summary(summary))
"""

from __future__ import annotations

import os
import posixpath
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
SCHEMES = ("http", "https")
MAX_WORKERS = 32

Fetcher = Callable[[str], bytes]


@dataclass(frozen=True)
class Summary:
    """What a run did: saved ``(url, "YYYY-MM-DD/name")`` and failed
    ``(url, reason)`` pairs in the order of the URLs, and how many repeated
    URLs were skipped."""

    saved: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0


def file_name_for(url: str) -> str:
    """Return the image file name at the end of ``url``'s path, percent-decoded.

    ``"https://x.org/a/cat%20photo.JPG?size=2"`` gives ``"cat photo.JPG"``.

    Raises:
        ValueError: if the scheme is not http or https, the path has no file
            name, the decoded name would leave the folder or be hidden (a ``/``
            or ``\\``, or a leading ``.``), or the extension is not one of
            ``IMAGE_EXTENSIONS`` (in any case).
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise ValueError(f"not an http(s) URL: {url!r}")
    name = unquote(posixpath.basename(parts.path))
    if not name:
        raise ValueError(f"no file name in {url!r}")
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"unsafe file name {name!r} in {url!r}")
    if os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
        raise ValueError(f"not an image file name: {name!r}")
    return name


def day_folder(root: str | os.PathLike[str], day: date) -> Path:
    """Create (if needed) and return ``root/YYYY-MM-DD`` for ``day``."""
    folder = Path(root) / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_image(folder: str | os.PathLike[str], name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` without ever overwriting a file.

    When the name is taken, try ``stem-1.ext``, ``stem-2.ext`` and so on. The
    file is created with mode ``"xb"`` (fails if it exists), so two threads
    saving the same name at once still get two files. Returns the path used.
    """
    stem, ext = os.path.splitext(name)
    number = 0
    while True:
        candidate = name if number == 0 else f"{stem}-{number}{ext}"
        path = Path(folder) / candidate
        try:
            with open(path, "xb") as handle:
                handle.write(data)
        except FileExistsError:
            number += 1
            continue
        return path


def _download(url: str, folder: Path, fetch: Fetcher) -> tuple[bool, str]:
    """Download one URL: ``(True, "YYYY-MM-DD/name")`` or ``(False, reason)``."""
    try:
        name = file_name_for(url)
        data = fetch(url)
        if not data:
            return False, "empty response"
        path = save_image(folder, name, data)
    except Exception as exc:  # one bad URL must not stop the others
        return False, f"{type(exc).__name__}: {exc}"
    return True, f"{folder.name}/{path.name}"


def download_all(
    urls: Iterable[str],
    root: str | os.PathLike[str],
    *,
    fetch: Fetcher,
    today: Callable[[], date] = date.today,
    max_workers: int = 4,
) -> Summary:
    """Download every distinct URL into ``root/<today()>/`` with a thread pool.

    ``today`` is called once per run. Repeated URLs are downloaded once and
    counted in ``Summary.duplicates``. At most ``max_workers`` calls of
    ``fetch`` run at the same time. A URL whose name is refused, whose fetch
    raises, or whose response is empty is recorded in ``Summary.failed`` and
    the others go on. An empty list does nothing at all.

    Raises:
        ValueError: if ``max_workers`` is not an int from 1 to MAX_WORKERS
            (checked before anything else happens).
    """
    if isinstance(max_workers, bool) or not isinstance(max_workers, int):
        raise ValueError(f"max_workers must be an int, got {max_workers!r}")
    if not 1 <= max_workers <= MAX_WORKERS:
        raise ValueError(f"max_workers must be 1 to {MAX_WORKERS}, got {max_workers}")
    given = list(urls)
    unique = list(dict.fromkeys(given))
    if not unique:
        return Summary()
    folder = day_folder(root, today())
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(_download, url, folder, fetch) for url in unique]
        outcomes = [future.result() for future in futures]
    summary = Summary(duplicates=len(given) - len(unique))
    for url, (ok, text) in zip(unique, outcomes):
        (summary.saved if ok else summary.failed).append((url, text))
    return summary


def format_summary(summary: Summary) -> str:
    """``"saved 2, failed 1, duplicates 1"``, then ``"FAILED url: reason"`` lines."""
    lines = [
        f"saved {len(summary.saved)}, failed {len(summary.failed)}, "
        f"duplicates {summary.duplicates}"
    ]
    lines.extend(f"FAILED {url}: {reason}" for url, reason in summary.failed)
    return "\n".join(lines)
