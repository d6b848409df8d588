"""Hidden tests of image_downloader: names, dated folders, a bounded pool, failures.

No network: every test injects a fake `fetch` (and a fake `today`). The fakes run in
this process and are called from the solution's threads, so counting and waiting
happen here, under a lock.
"""

import threading
import time
from datetime import date

import pytest

from image_downloader import (
    MAX_WORKERS,
    Summary,
    day_folder,
    download_all,
    file_name_for,
    format_summary,
    save_image,
)

DAY = date(2024, 5, 1)


def image_bytes(url):
    """Fake image content, different for every URL."""
    return b"\x89PNG\r\n\x1a\n" + url.encode()


class FakeFetch:
    """Returns image_bytes(url) after `delay` seconds; counts calls and overlap."""

    def __init__(self, delay=0.0, fail=None):
        self.delay = delay
        self.fail = fail or {}
        self.lock = threading.Lock()
        self.calls = []
        self.running = 0
        self.most = 0

    def __call__(self, url):
        with self.lock:
            self.calls.append(url)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.delay)
            if url in self.fail:
                raise self.fail[url]
            return image_bytes(url)
        finally:
            with self.lock:
                self.running -= 1


def files_under(root):
    """{relative path: bytes} of every file below root."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "url, name",
    [
        ("https://img.example.org/cats/tom.jpg", "tom.jpg"),
        ("http://example.org/a/b/c/photo.PNG", "photo.PNG"),
        ("https://example.org/x.jpeg?size=large&v=2", "x.jpeg"),
        ("https://example.org/pic.gif#top", "pic.gif"),
        ("https://example.org/cat%20photo.webp", "cat photo.webp"),
        ("https://example.org/%E7%8C%AB.jpg", "猫.jpg"),
        ("HTTPS://example.org/upper.jpg", "upper.jpg"),
    ],
    ids=[
        "plain",
        "upper-extension",
        "query",
        "fragment",
        "space",
        "chinese",
        "upper-scheme",
    ],
)
@pytest.mark.core
def test_file_name_is_the_last_path_segment(url, name):
    """file_name_for returns the decoded last segment of the path, query dropped"""
    assert file_name_for(url) == name


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/a.jpg",
        "file:///etc/a.jpg",
        "example.org/a.jpg",
        "https://example.org/",
        "https://example.org",
        "https://example.org/readme.txt",
        "https://example.org/noextension",
        "https://example.org/..%2F..%2Fevil.jpg",
        "https://example.org/a%5Cb.jpg",
        "https://example.org/.hidden.jpg",
        "https://example.org/jpg",
    ],
    ids=[
        "ftp",
        "file",
        "no-scheme",
        "trailing-slash",
        "no-path",
        "text-file",
        "no-extension",
        "encoded-slash",
        "encoded-backslash",
        "hidden",
        "bare-jpg",
    ],
)
@pytest.mark.core
def test_file_name_refuses_unsafe_or_non_image_urls(url):
    """file_name_for raises ValueError for other schemes, unsafe or non-image names"""
    with pytest.raises(ValueError):
        file_name_for(url)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_day_folder_is_named_by_iso_date(tmp_path):
    """day_folder creates root/YYYY-MM-DD (root too, if missing) and returns it"""
    root = tmp_path / "images"
    folder = day_folder(root, date(2024, 3, 9))
    assert str(folder) == str(root / "2024-03-09")
    assert (root / "2024-03-09").is_dir()
    assert str(day_folder(str(root), date(2024, 3, 9))) == str(folder)
    assert sorted(p.name for p in root.iterdir()) == ["2024-03-09"]


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_save_image_never_overwrites(tmp_path):
    """save_image picks cat-1.jpg, cat-2.jpg ... when cat.jpg is taken"""
    names = [save_image(tmp_path, "cat.jpg", bytes([n])).name for n in range(3)]
    assert names == ["cat.jpg", "cat-1.jpg", "cat-2.jpg"]
    assert files_under(tmp_path) == {
        "cat.jpg": b"\x00",
        "cat-1.jpg": b"\x01",
        "cat-2.jpg": b"\x02",
    }


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_save_image_numbers_past_gaps_and_keeps_the_extension(tmp_path):
    """save_image adds the number before the last extension and skips taken numbers"""
    (tmp_path / "a.b.png").write_bytes(b"old")
    (tmp_path / "a.b-1.png").write_bytes(b"old")
    assert save_image(str(tmp_path), "a.b.png", b"new").name == "a.b-2.png"
    assert (tmp_path / "a.b.png").read_bytes() == b"old"
    assert (tmp_path / "a.b-2.png").read_bytes() == b"new"


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_save_image_from_many_threads_keeps_every_file(tmp_path):
    """Twelve threads saving dog.jpg at once leave twelve files, none overwritten"""
    barrier = threading.Barrier(12, timeout=5)
    paths = []
    lock = threading.Lock()

    def save(n):
        barrier.wait()
        path = save_image(tmp_path, "dog.jpg", b"%d" % n)
        with lock:
            paths.append(path.name)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == 12
    assert sorted(files_under(tmp_path).values()) == sorted(
        b"%d" % n for n in range(12)
    )


# --------------------------------------------------------------------- task 3

URLS = [f"https://img.example.org/{n}/photo{n}.jpg" for n in range(8)]


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_download_all_saves_into_todays_folder(tmp_path):
    """download_all saves every image under root/<today>/ and lists them in URL order"""
    fetch = FakeFetch()
    summary = download_all(URLS[:3], tmp_path, fetch=fetch, today=lambda: DAY)
    assert summary.saved == [
        (u, f"2024-05-01/photo{n}.jpg") for n, u in enumerate(URLS[:3])
    ]
    assert summary.failed == []
    assert summary.duplicates == 0
    assert files_under(tmp_path) == {
        f"2024-05-01/photo{n}.jpg": image_bytes(u) for n, u in enumerate(URLS[:3])
    }


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_downloads_run_at_the_same_time(tmp_path):
    """With max_workers=4, four fetches are in flight together (a barrier proves it)"""
    barrier = threading.Barrier(4, timeout=3)

    def fetch(url):
        barrier.wait()  # raises BrokenBarrierError unless 4 calls overlap
        return image_bytes(url)

    summary = download_all(
        URLS[:4], tmp_path, fetch=fetch, today=lambda: DAY, max_workers=4
    )
    assert summary.failed == []
    assert len(summary.saved) == 4


@pytest.mark.task(3)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("workers", [1, 2, 3], ids=lambda w: f"workers-{w}")
@pytest.mark.core
def test_never_more_fetches_than_workers(tmp_path, workers):
    """At most max_workers fetches run at once, and the pool uses all of them"""
    fetch = FakeFetch(delay=0.1)
    summary = download_all(
        URLS, tmp_path, fetch=fetch, today=lambda: DAY, max_workers=workers
    )
    assert len(summary.saved) == len(URLS)
    assert fetch.most == workers


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_results_follow_the_url_order_not_the_finishing_order(tmp_path):
    """A slow first download is still listed first"""

    def fetch(url):
        time.sleep(0.3 if url == URLS[0] else 0)
        return image_bytes(url)

    summary = download_all(URLS[:4], tmp_path, fetch=fetch, today=lambda: DAY)
    assert [url for url, _ in summary.saved] == URLS[:4]


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_duplicate_urls_are_fetched_once(tmp_path):
    """A repeated URL is downloaded once and counted in duplicates"""
    fetch = FakeFetch()
    urls = [URLS[0], URLS[1], URLS[0], URLS[0], URLS[1], URLS[2]]
    summary = download_all(urls, tmp_path, fetch=fetch, today=lambda: DAY)
    assert sorted(fetch.calls) == sorted(URLS[:3])
    assert [url for url, _ in summary.saved] == URLS[:3]
    assert summary.duplicates == 3
    assert len(files_under(tmp_path)) == 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_same_name_from_two_urls_gives_two_files(tmp_path):
    """Two URLs ending in cat.jpg give cat.jpg and cat-1.jpg, each with its own bytes"""
    urls = [f"https://host{n}.example.org/cat.jpg" for n in range(6)]
    summary = download_all(
        urls, tmp_path, fetch=FakeFetch(delay=0.02), today=lambda: DAY, max_workers=6
    )
    saved = dict(summary.saved)
    assert sorted(saved.values()) == sorted(
        ["2024-05-01/cat.jpg"] + [f"2024-05-01/cat-{n}.jpg" for n in range(1, 6)]
    )
    for url, relative in saved.items():
        assert (tmp_path / relative).read_bytes() == image_bytes(url), url


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_today_is_asked_once_per_run(tmp_path):
    """today() is called once: a run that crosses midnight stays in one folder"""
    days = iter([date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 2)] * 5)
    asked = []

    def today():
        asked.append(1)
        return next(days)

    summary = download_all(URLS[:5], tmp_path, fetch=FakeFetch(), today=today)
    assert len(asked) == 1
    assert {path.split("/")[0] for _, path in summary.saved} == {"2024-12-31"}
    assert [p.name for p in tmp_path.iterdir()] == ["2024-12-31"]


@pytest.mark.task(3)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "workers", [0, -1, MAX_WORKERS + 1, True, 2.5, "4", None], ids=repr
)
@pytest.mark.core
def test_bad_max_workers_is_refused_before_anything_happens(tmp_path, workers):
    """A max_workers outside 1..MAX_WORKERS raises ValueError and fetches nothing"""
    fetch = FakeFetch()
    with pytest.raises(ValueError):
        download_all(
            URLS[:2], tmp_path, fetch=fetch, today=lambda: DAY, max_workers=workers
        )
    assert fetch.calls == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_max_workers_limits_are_allowed(tmp_path):
    """max_workers=1 and max_workers=MAX_WORKERS (32) both work"""
    for workers in (1, MAX_WORKERS):
        summary = download_all(
            URLS[:2],
            tmp_path / str(workers),
            fetch=FakeFetch(),
            today=lambda: DAY,
            max_workers=workers,
        )
        assert len(summary.saved) == 2, f"for max_workers={workers}"


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_empty_list_does_nothing(tmp_path):
    """No URLs: an empty summary, no folder, no call to today() or fetch"""

    def today():
        raise AssertionError("today() called for an empty list")

    summary = download_all([], tmp_path / "images", fetch=FakeFetch(), today=today)
    assert summary == Summary()
    assert not (tmp_path / "images").exists()


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_a_failing_fetch_does_not_stop_the_others(tmp_path):
    """A raising fetch is recorded as 'ExceptionName: message'; the rest are saved"""
    fetch = FakeFetch(
        fail={
            URLS[1]: TimeoutError("took too long"),
            URLS[3]: ConnectionError("connection refused"),
        }
    )
    summary = download_all(URLS[:5], tmp_path, fetch=fetch, today=lambda: DAY)
    assert summary.failed == [
        (URLS[1], "TimeoutError: took too long"),
        (URLS[3], "ConnectionError: connection refused"),
    ]
    assert [url for url, _ in summary.saved] == [URLS[0], URLS[2], URLS[4]]
    assert sorted(files_under(tmp_path)) == [
        "2024-05-01/photo0.jpg",
        "2024-05-01/photo2.jpg",
        "2024-05-01/photo4.jpg",
    ]


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_a_refused_url_fails_without_being_fetched(tmp_path):
    """A URL file_name_for refuses is a ValueError failure and is never fetched"""
    fetch = FakeFetch()
    bad = "https://example.org/notes.txt"
    summary = download_all([bad, URLS[0]], tmp_path, fetch=fetch, today=lambda: DAY)
    assert fetch.calls == [URLS[0]]
    [(url, reason)] = summary.failed
    assert url == bad
    assert reason.startswith("ValueError: ")


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_an_empty_response_is_a_failure_and_saves_nothing(tmp_path):
    """fetch returning b'' is recorded as 'empty response' and writes no file"""

    def fetch(url):
        return b"" if url == URLS[0] else image_bytes(url)

    summary = download_all(URLS[:2], tmp_path, fetch=fetch, today=lambda: DAY)
    assert summary.failed == [(URLS[0], "empty response")]
    assert sorted(files_under(tmp_path)) == ["2024-05-01/photo1.jpg"]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_every_download_failing_still_returns_a_summary(tmp_path):
    """When every fetch raises, download_all still returns (all failed, none saved)"""

    def fetch(url):
        raise OSError("network is unreachable")

    summary = download_all(URLS[:3], tmp_path, fetch=fetch, today=lambda: DAY)
    assert summary.saved == []
    assert [reason for _, reason in summary.failed] == [
        "OSError: network is unreachable"
    ] * 3


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_format_summary_counts_then_lists_failures():
    """format_summary: a count line, then one 'FAILED url: reason' line per failure"""
    summary = Summary(
        saved=[("u1", "2024-05-01/a.jpg"), ("u2", "2024-05-01/b.jpg")],
        failed=[("u3", "TimeoutError: slow"), ("u4", "empty response")],
        duplicates=1,
    )
    assert format_summary(summary).splitlines() == [
        "saved 2, failed 2, duplicates 1",
        "FAILED u3: TimeoutError: slow",
        "FAILED u4: empty response",
    ]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_format_summary_of_a_clean_run_is_one_line(tmp_path):
    """A run without failures formats as the count line alone"""
    summary = download_all(
        [URLS[0], URLS[0]], tmp_path, fetch=FakeFetch(), today=lambda: DAY
    )
    assert format_summary(summary) == "saved 1, failed 0, duplicates 1"
