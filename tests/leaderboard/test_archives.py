"""Hostile uploads: each attack is a real archive, refused with its own message, never extracted."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from grader.leaderboard.archives import ArchiveRejected, extract_archive
from grader.leaderboard.db.models import Submission
from grader.leaderboard.settings import ArchiveLimits
from tests.leaderboard.conftest import Tokens, tar_gz, upload, zip_bytes

ZEROS = b"\0" * (6 * 1024 * 1024)  # a few MB of zeros: compresses about a thousandfold
GOOD_PY = b"def count_words(text):\n    return {}\n"


def tar_with(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def tar_member(
    name: str, kind: bytes = tarfile.REGTYPE, target: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def zip_symlink() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("word_count.py")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def zip_many(count: int) -> bytes:
    return zip_bytes({f"f{n}.py": b"x = 1\n" for n in range(count)})


# (name, archive builder, status, error code, words the message must contain)
ATTACKS: list[tuple[str, Callable[[], bytes], int, str, str]] = [
    (
        "zip ../ path",
        lambda: zip_bytes({"../evil.py": GOOD_PY}),
        422,
        "archive_path_traversal",
        "climbs out",
    ),
    (
        "tar nested ../ path",
        lambda: tar_gz({"tests/../../evil.py": GOOD_PY}),
        422,
        "archive_path_traversal",
        "climbs out",
    ),
    (
        "tar absolute path",
        lambda: tar_gz({"/tmp/evil.py": GOOD_PY}),
        422,
        "archive_absolute_path",
        "absolute path",
    ),
    (
        "zip absolute path",
        lambda: zip_bytes({"/etc/cron.d/evil": GOOD_PY}),
        422,
        "archive_absolute_path",
        "absolute path",
    ),
    (
        "zip windows drive path",
        lambda: zip_bytes({"C:/evil.py": GOOD_PY}),
        422,
        "archive_absolute_path",
        "absolute path",
    ),
    (
        "tar symlink",
        lambda: tar_with(
            (tar_member("word_count.py", tarfile.SYMTYPE, "/etc/passwd"), b"")
        ),
        422,
        "archive_link",
        "symbolic link",
    ),
    ("zip symlink", zip_symlink, 422, "archive_link", "symbolic link"),
    (
        "tar hardlink",
        lambda: tar_with(
            (tar_member("a.py"), GOOD_PY),
            (tar_member("word_count.py", tarfile.LNKTYPE, "/etc/shadow"), b""),
        ),
        422,
        "archive_link",
        "hard link",
    ),
    (
        "tar device file",
        lambda: tar_with((tar_member("word_count.py", tarfile.CHRTYPE), b"")),
        422,
        "archive_special_file",
        "device file",
    ),
    (
        "tar fifo",
        lambda: tar_with((tar_member("word_count.py", tarfile.FIFOTYPE), b"")),
        422,
        "archive_special_file",
        "not a regular file",
    ),
    (
        "zip bomb (ratio)",
        lambda: zip_bytes({"word_count.py": ZEROS}),
        422,
        "archive_bomb",
        "compression bomb",
    ),
    (
        "tar.gz bomb (ratio)",
        lambda: tar_gz({"word_count.py": ZEROS}),
        422,
        "archive_bomb",
        "compression bomb",
    ),
    (
        "too many files",
        lambda: zip_many(201),
        422,
        "archive_too_many_files",
        "more than 200 entries",
    ),
    (
        "duplicate entry",
        lambda: tar_gz({"word_count.py": GOOD_PY, "./word_count.py": b"x = 2\n"}),
        422,
        "archive_duplicate",
        "appears twice",
    ),
    (
        "not an archive",
        lambda: b"#!/bin/sh\nrm -rf /\n",
        415,
        "archive_unsupported",
        "not a zip or tar.gz",
    ),
    (
        "truncated gzip",
        lambda: tar_gz({"word_count.py": GOOD_PY})[:-20],
        400,
        "archive_corrupt",
        "damaged",
    ),
]


@pytest.mark.parametrize(
    "build,status,code,words", [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
def test_attack_is_refused_by_the_api_and_nothing_is_stored(
    client: TestClient,
    tokens: Tokens,
    settings,
    build: Callable[[], bytes],
    status: int,
    code: str,
    words: str,
) -> None:
    response = upload(client, tokens.ann, build())
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert words in body["message"]
    archives = settings.archives_dir
    assert not archives.exists() or not any(archives.iterdir())
    with client.app.state.context.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


@pytest.mark.parametrize(
    "build,code", [(a[1], a[3]) for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
def test_attack_is_never_extracted(
    tmp_path: Path, build: Callable[[], bytes], code: str
) -> None:
    dest = tmp_path / "out"
    with pytest.raises(ArchiveRejected) as caught:
        extract_archive(build(), dest, ArchiveLimits())
    assert caught.value.code == code
    assert not dest.exists()
    assert not (tmp_path.parent / "evil.py").exists()


def test_total_unpacked_size_over_the_limit_is_413(tmp_path: Path) -> None:
    limits = ArchiveLimits(max_total_bytes=64 * 1024)
    data = tar_gz({"word_count.py": os.urandom(40_000), "b.py": os.urandom(40_000)})
    with pytest.raises(ArchiveRejected) as caught:
        extract_archive(data, tmp_path / "out", limits)
    assert caught.value.status == 413 and caught.value.code == "archive_too_large"
    assert "more than 64 KB" in caught.value.message
    assert not (tmp_path / "out").exists()


def test_gzip_bomb_past_every_limit_stops_decompressing_early() -> None:
    # 48 MB of zeros in ~50 KB: refused after inflating at most the limit, not 48 MB.
    bomb = gzip.compress(b"\0" * (48 * 1024 * 1024), compresslevel=1)
    with pytest.raises(ArchiveRejected) as caught:
        extract_archive(bomb, Path("/nonexistent/never-made"), ArchiveLimits())
    assert caught.value.code == "archive_bomb"


def test_regular_files_are_extracted_without_their_metadata(tmp_path: Path) -> None:
    info = tarfile.TarInfo("tests/test_word_count.py")
    data = b"def test_x():\n    assert True\n"
    info.size, info.mode, info.uid = len(data), 0o4777, 0
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(info, io.BytesIO(data))
        tar.addfile(tar_member("tests", tarfile.DIRTYPE))
        word = tar_member("word_count.py")
        word.size = len(GOOD_PY)
        tar.addfile(word, io.BytesIO(GOOD_PY))
    inspected = extract_archive(buffer.getvalue(), tmp_path / "out", ArchiveLimits())
    assert {m.path for m in inspected.members} == {
        "tests/test_word_count.py",
        "word_count.py",
    }
    written = tmp_path / "out" / "tests" / "test_word_count.py"
    assert written.read_bytes() == data
    assert (
        stat.S_IMODE(written.stat().st_mode) & 0o7000 == 0
    )  # no setuid from the archive


def test_a_zipped_workspace_folder_is_extracted_as_its_contents(tmp_path: Path) -> None:
    data = zip_bytes(
        {"word-count/word_count.py": GOOD_PY, "word-count/tests/t.py": b""}
    )
    extract_archive(data, tmp_path / "out", ArchiveLimits())
    assert (tmp_path / "out" / "word_count.py").read_bytes() == GOOD_PY
    assert (tmp_path / "out" / "tests" / "t.py").exists()
