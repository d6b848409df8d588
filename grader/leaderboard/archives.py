"""Uploaded archives (zip, tar.gz, tar): inspected in memory before anything is extracted.

`inspect_archive` rejects, with a status code and a message a student can act on: paths that
climb out (`..`) or are absolute, symbolic and hard links, device files and FIFOs, encrypted
or duplicate entries, too many entries, and bombs (an unpacked size or a compression ratio
past the limits). `extract_archive` inspects again, then writes only regular files, with no
metadata from the archive, into a folder it creates; on any failure the folder is removed.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grader.leaderboard.errors import ApiError
from grader.leaderboard.settings import ArchiveLimits

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveRejected(ApiError):
    """The archive is refused; `status` is the HTTP status, `code` a stable error code."""


@dataclass(frozen=True)
class Member:
    path: str
    size: int


@dataclass(frozen=True)
class InspectedArchive:
    kind: str
    members: tuple[Member, ...]
    total_bytes: int


def inspect_archive(data: bytes, limits: ArchiveLimits) -> InspectedArchive:
    """The regular files the archive holds, or ArchiveRejected saying what is wrong."""
    inspected, _ = _open(data, limits)
    return inspected


def extract_archive(
    data: bytes, dest: Path, limits: ArchiveLimits, *, strip_single_folder: bool = True
) -> InspectedArchive:
    """Inspect, then write the regular files into `dest` (created here, must not exist).

    With `strip_single_folder`, an archive whose files all sit in one top folder (a zipped
    workspace folder) is extracted as if that folder were the root.
    """
    inspected, reader = _open(data, limits)
    strip = _single_folder(inspected.members) if strip_single_folder else ""
    dest.mkdir(mode=0o700)
    try:
        written = 0
        for member in inspected.members:
            content = reader.read(member)
            written += len(content)
            if len(content) != member.size or written > limits.max_total_bytes:
                raise ArchiveRejected(
                    400,
                    "archive_corrupt",
                    f"{member.path} does not hold the size its header states; "
                    "the archive is damaged, create it again",
                )
            _write_new(dest, member.path[len(strip) :], content)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return inspected


def read_members(data: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    """The regular files of an archive, in memory, inspected as for extraction (the
    teacher's similarity report reads submissions this way, without touching the disk).
    """
    inspected, reader = _open(data, limits)
    strip = _single_folder(inspected.members)
    return {m.path[len(strip) :]: reader.read(m)[: m.size] for m in inspected.members}


def archive_kind(data: bytes) -> str:
    """`zip`, `tar.gz` or `tar`; ArchiveRejected (415) for anything else."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(GZIP_MAGIC):
        return "tar.gz"
    if data[257:262] == b"ustar":
        return "tar"
    raise ArchiveRejected(
        415,
        "archive_unsupported",
        "the upload is not a zip or tar.gz archive; pack your files with "
        "`grader submit --server` or as a .zip or .tar.gz",
    )


class _ZipReader:
    def __init__(self, archive: zipfile.ZipFile, names: dict[str, str]) -> None:
        self.archive, self.names = archive, names

    def read(self, member: Member) -> bytes:
        return _read_capped(self.archive.open(self.names[member.path]), member.size)


class _TarReader:
    def __init__(self, archive: tarfile.TarFile, names: dict[str, tarfile.TarInfo]):
        self.archive, self.names = archive, names

    def read(self, member: Member) -> bytes:
        handle = self.archive.extractfile(self.names[member.path])
        if handle is None:  # pragma: no cover - only regular files are listed
            raise ArchiveRejected(
                400, "archive_corrupt", f"{member.path} is unreadable"
            )
        return _read_capped(handle, member.size)


def _open(
    data: bytes, limits: ArchiveLimits
) -> tuple[InspectedArchive, _ZipReader | _TarReader]:
    kind = archive_kind(data)
    try:
        if kind == "zip":
            return _inspect_zip(data, limits)
        raw = _gunzip(data, limits) if kind == "tar.gz" else data
        return _inspect_tar(raw, kind, limits)
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError) as exc:
        raise ArchiveRejected(
            400,
            "archive_corrupt",
            f"the {kind} archive is damaged ({exc}); create it again",
        ) from None


def _inspect_zip(
    data: bytes, limits: ArchiveLimits
) -> tuple[InspectedArchive, _ZipReader]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    _check_count(len(infos), limits)
    members: list[Member] = []
    names: dict[str, str] = {}
    for info in infos:
        if info.flag_bits & 0x1:
            raise _bad(info.filename, "archive_encrypted", "is encrypted")
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
        if info.is_dir() or kind == stat.S_IFDIR:
            _checked_path(info.filename, limits)
            continue
        _check_type(info.filename, kind)
        path = _checked_path(info.filename, limits)
        if info.file_size > limits.ratio_floor_bytes and info.file_size > (
            limits.max_ratio * max(info.compress_size, 1)
        ):
            raise _bomb(info.file_size, info.compress_size, limits)
        members.append(Member(path, info.file_size))
        names[path] = info.filename
    inspected = _finish("zip", members, len(data), limits)
    return inspected, _ZipReader(archive, names)


def _inspect_tar(
    raw: bytes, kind: str, limits: ArchiveLimits
) -> tuple[InspectedArchive, _TarReader]:
    archive = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
    members: list[Member] = []
    names: dict[str, tarfile.TarInfo] = {}
    count = 0
    while (info := archive.next()) is not None:
        count += 1
        _check_count(count, limits)
        if info.isdir():
            _checked_path(info.name, limits)
            continue
        if info.issym():
            raise _bad(info.name, "archive_link", "is a symbolic link")
        if info.islnk():
            raise _bad(info.name, "archive_link", "is a hard link")
        if info.ischr() or info.isblk():
            raise _bad(info.name, "archive_special_file", "is a device file")
        if not info.isreg():
            raise _bad(info.name, "archive_special_file", "is not a regular file")
        path = _checked_path(info.name, limits)
        members.append(Member(path, info.size))
        names[path] = info
    inspected = _finish(kind, members, len(raw), limits)
    return inspected, _TarReader(archive, names)


def _gunzip(data: bytes, limits: ArchiveLimits) -> bytes:
    """The tar inside, decompressed up to what the limits allow (headers included)."""
    cap = limits.max_total_bytes + (limits.max_files + 2) * 1024 + 20 * 1024
    out = bytearray()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = data
    while pending:
        out += inflater.decompress(pending, cap + 1 - len(out))
        if len(out) > cap:
            consumed = len(data) - len(inflater.unconsumed_tail)
            if len(out) > limits.max_ratio * max(consumed, 1):
                raise _bomb(len(out), consumed, limits)
            raise _too_large(limits)
        if inflater.eof:
            pending, inflater = inflater.unused_data, zlib.decompressobj(31)
            if pending and not pending.startswith(GZIP_MAGIC):
                break  # trailing bytes after the gzip stream: ignored, as gzip does
        else:
            pending = inflater.unconsumed_tail
            if not pending:
                raise EOFError("the gzip stream ends early")
    if len(out) > limits.ratio_floor_bytes and len(out) > limits.max_ratio * len(data):
        raise _bomb(len(out), len(data), limits)
    return bytes(out)


def _finish(
    kind: str, members: list[Member], stored: int, limits: ArchiveLimits
) -> InspectedArchive:
    total = sum(m.size for m in members)
    if total > limits.max_total_bytes:
        raise _too_large(limits)
    if kind == "zip" and total > limits.ratio_floor_bytes:
        if total > limits.max_ratio * max(stored, 1):
            raise _bomb(total, stored, limits)
    paths = [m.path for m in members]
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise _bad(path, "archive_duplicate", "appears twice")
        seen.add(path)
    folders = {p.rsplit("/", i)[0] for p in paths for i in range(1, p.count("/") + 1)}
    clash = sorted(seen & folders)
    if clash:
        raise _bad(clash[0], "archive_duplicate", "is both a file and a folder")
    return InspectedArchive(kind=kind, members=tuple(members), total_bytes=total)


def _checked_path(name: str, limits: ArchiveLimits) -> str:
    """The entry's relative POSIX path, or ArchiveRejected for anything that could escape."""
    if "\0" in name or "\\" in name:
        raise _bad(name, "archive_bad_path", "has a NUL or backslash in its name")
    if name.startswith("/") or _DRIVE.match(name):
        raise _bad(name, "archive_absolute_path", "is an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _bad(name, "archive_path_traversal", "climbs out of the archive (..)")
    if len(name) > limits.max_path_chars:
        raise _bad(name[:60] + "…", "archive_bad_path", "has too long a path")
    return "/".join(parts)


def _check_type(name: str, kind: int) -> None:
    if kind == stat.S_IFLNK:
        raise _bad(name, "archive_link", "is a symbolic link")
    if kind in (stat.S_IFCHR, stat.S_IFBLK):
        raise _bad(name, "archive_special_file", "is a device file")
    if kind not in (0, stat.S_IFREG):
        raise _bad(name, "archive_special_file", "is not a regular file")


def _check_count(count: int, limits: ArchiveLimits) -> None:
    if count > limits.max_files:
        raise ArchiveRejected(
            422,
            "archive_too_many_files",
            f"the archive holds more than {limits.max_files} entries; "
            "send only your exercise's files",
        )


def _bad(name: str, code: str, what: str) -> ArchiveRejected:
    shown = name.encode("unicode_escape").decode("ascii")[:200]
    return ArchiveRejected(
        422,
        code,
        f"archive entry {shown!r} {what}; nothing was extracted. "
        "Send an archive of regular files with relative paths",
    )


def _bomb(unpacked: int, packed: int, limits: ArchiveLimits) -> ArchiveRejected:
    return ArchiveRejected(
        422,
        "archive_bomb",
        f"the archive unpacks to at least {unpacked} bytes from {packed} "
        f"(a compression ratio above {limits.max_ratio:g}); "
        "that is a compression bomb, not source code",
    )


def _too_large(limits: ArchiveLimits) -> ArchiveRejected:
    return ArchiveRejected(
        413,
        "archive_too_large",
        f"the archive unpacks to more than {limits.max_total_bytes // 1024} KB; "
        "send only your exercise's files (no data sets, no virtualenvs)",
    )


def _single_folder(members: tuple[Member, ...]) -> str:
    tops = {m.path.split("/", 1)[0] for m in members}
    if len(tops) == 1 and all("/" in m.path for m in members):
        return tops.pop() + "/"
    return ""


def _read_capped(handle: IO[bytes], size: int) -> bytes:
    """At most one chunk past `size`: enough to notice a header that understates."""
    out = bytearray()
    while len(out) <= size:
        chunk = handle.read(CHUNK)
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _write_new(dest: Path, rel: str, content: bytes) -> None:
    target = dest / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    # Every folder here was made by us, and O_EXCL|O_NOFOLLOW refuse anything already there.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
