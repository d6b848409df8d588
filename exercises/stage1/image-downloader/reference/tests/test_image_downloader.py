import threading
from datetime import date

import pytest

from image_downloader import (
    Summary,
    day_folder,
    download_all,
    file_name_for,
    format_summary,
    save_image,
)

DAY = date(2024, 5, 1)


def fake_fetch(url):
    if "broken" in url:
        raise TimeoutError("slow")
    if "empty" in url:
        return b""
    return url.encode()


@pytest.mark.parametrize(
    "url, name",
    [
        ("https://x.org/a/cat.JPG?s=1", "cat.JPG"),
        ("http://x.org/%E7%8C%AB.png", "猫.png"),
    ],
    ids=["query", "encoded"],
)
def test_file_name_for(url, name):
    assert file_name_for(url) == name


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.org/a.jpg",
        "https://x.org/",
        "https://x.org/a.txt",
        "https://x.org/.a.jpg",
    ],
    ids=["scheme", "no-name", "not-image", "hidden"],
)
def test_file_name_for_refuses(url):
    with pytest.raises(ValueError):
        file_name_for(url)


def test_day_folder_and_save_image(tmp_path):
    folder = day_folder(tmp_path, DAY)
    assert folder == tmp_path / "2024-05-01"
    assert save_image(folder, "a.jpg", b"1").name == "a.jpg"
    assert save_image(folder, "a.jpg", b"2").name == "a-1.jpg"
    assert (folder / "a.jpg").read_bytes() == b"1"


def test_download_all(tmp_path):
    urls = [
        "https://x.org/1.jpg",
        "https://x.org/broken.jpg",
        "https://x.org/1.jpg",
        "https://x.org/empty.jpg",
        "https://x.org/b.txt",
    ]
    summary = download_all(urls, tmp_path, fetch=fake_fetch, today=lambda: DAY)
    assert summary.saved == [("https://x.org/1.jpg", "2024-05-01/1.jpg")]
    assert summary.failed[0] == ("https://x.org/broken.jpg", "TimeoutError: slow")
    assert summary.failed[1] == ("https://x.org/empty.jpg", "empty response")
    assert summary.duplicates == 1
    assert format_summary(summary).splitlines()[0] == "saved 1, failed 3, duplicates 1"


def test_download_all_runs_in_parallel(tmp_path):
    barrier = threading.Barrier(3, timeout=3)

    def fetch(url):
        barrier.wait()
        return b"x"

    urls = [f"https://x.org/{n}.png" for n in range(3)]
    summary = download_all(urls, tmp_path, fetch=fetch, today=lambda: DAY)
    assert len(summary.saved) == 3


@pytest.mark.parametrize("workers", [0, 33, True], ids=["zero", "too-many", "bool"])
def test_bad_workers(tmp_path, workers):
    with pytest.raises(ValueError):
        download_all(
            ["https://x.org/a.jpg"], tmp_path, fetch=fake_fetch, max_workers=workers
        )


def test_empty_list(tmp_path):
    assert download_all([], tmp_path, fetch=fake_fetch) == Summary()
