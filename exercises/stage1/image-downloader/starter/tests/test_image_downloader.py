"""Your own tests. Extend this file until it covers at least 70% of
image_downloader.py. Never use the network: pass a fake `fetch` and a fake `today`.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

from datetime import date

from image_downloader import download_all, file_name_for


def fake_fetch(url):
    return url.encode()


def test_file_name_for_drops_the_query():
    assert file_name_for("https://example.org/cats/tom.jpg?size=2") == "tom.jpg"


def test_download_all_saves_into_the_days_folder(tmp_path):
    summary = download_all(
        ["https://example.org/a.jpg"],
        tmp_path,
        fetch=fake_fetch,
        today=lambda: date(2024, 5, 1),
    )
    assert summary.saved == [("https://example.org/a.jpg", "2024-05-01/a.jpg")]
    assert (
        tmp_path / "2024-05-01" / "a.jpg"
    ).read_bytes() == b"https://example.org/a.jpg"
