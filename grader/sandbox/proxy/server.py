"""The student process: imports the submission and serves the trusted process's requests.

Started as `python -I -m grader.sandbox.proxy.server FD ROOT DUMP_FD PRINTED_FD` by
`client.StudentConnection`, under the student uid when the sandbox has one. Output and log
records produced while serving a request travel back with its answer, so capsys and caplog in
the hidden tests see them. What it prints is also copied, as it is written, to PRINTED_FD: when
a call never answers (it timed out, the process died), the trusted side still has what the
call printed.
"""

from __future__ import annotations

import faulthandler
import io
import logging
import os
import signal
import socket
import stat
import sys
from typing import Any, Callable

from grader.sandbox.proxy.endpoint import Endpoint
from grader.sandbox.proxy.ops import serve_student
from grader.sandbox.proxy.proxies import make_proxy

LOG_RECORDS_PER_REPLY = 1_000
OUTPUT_PER_REPLY = 64 * 1024


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < LOG_RECORDS_PER_REPLY:
            self.records.append(
                {
                    "name": record.name,
                    "levelno": record.levelno,
                    "levelname": record.levelname,
                    "msg": _message(record),
                    "funcName": record.funcName,
                    "lineno": record.lineno,
                    "exc_text": (
                        self.format(record).split("\n", 1)[1]
                        if record.exc_info
                        else None
                    ),
                }
            )


class _Copy:
    """The write end of the pipe that copies what the process prints, never blocking: when
    the pipe is full (nobody read it: the call printed more than it holds), the rest is not
    copied. The trusted side caps it far below a pipe's size, with a marker."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        if fd is not None:
            os.set_blocking(fd, False)

    def write(self, text: str) -> None:
        if self.fd is None or not text:
            return
        try:
            os.write(self.fd, text.encode("utf-8", "replace"))
        except OSError:  # full (BlockingIOError), or the reader is gone
            pass


class _Printed(io.StringIO):
    """sys.stdout or sys.stderr of the process: kept for the call's answer, and copied to
    the pipe first (so whatever an answer carries is already in the pipe)."""

    def __init__(self, copy: _Copy) -> None:
        super().__init__()
        self.copy = copy

    def write(self, text: str) -> int:
        if isinstance(text, str):
            self.copy.write(text)
        return super().write(text)


class StudentEndpoint(Endpoint):
    def __init__(self, sock: socket.socket, printed_fd: int | None = None) -> None:
        super().__init__(sock, "student")
        copy = _Copy(printed_fd)
        self.out = _Printed(copy)
        self.err = _Printed(copy)
        self.collector = _Collector()
        self.shared: str | None = None  # the running test's tmp_path, when it has one

    def serve(self, message: dict[str, Any]) -> None:
        if message.get("op") == "share":
            path = message.get("path")
            self.shared = str(path) if path else None
            lane = getattr(self.local, "lane", None)
            reply = {"id": message.get("id"), "ok": True, "value": None}
            self.send_reply({**reply, "lane": lane.id if lane is not None else None})
            return
        super().serve(message)

    def decorate(self, reply: dict[str, Any]) -> dict[str, Any]:
        if self.shared:
            share_with_tests(self.shared)
        reply["out"] = _drain(self.out)
        reply["err"] = _drain(self.err)
        reply["logs"], self.collector.records = self.collector.records, []
        return reply


def share_with_tests(folder: str) -> None:
    """Let the test process (another uid) read and change what this process made in the test's
    tmp_path: `tempfile.mkstemp`, `mkdtemp` and explicit modes create files only their owner
    can use. Done before every answer, so what the test sees next is readable."""
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = os.path.join(parent, name)
            try:
                info = os.lstat(path)
                if info.st_uid == os.getuid() and not stat.S_ISLNK(info.st_mode):
                    os.chmod(path, 0o777 if stat.S_ISDIR(info.st_mode) else 0o666)
            except OSError:  # gone or changed meanwhile
                continue


def create_shared_files(folder: Callable[[], str | None]) -> None:
    """Files and folders this process creates under the running test's tmp_path are made
    usable by the test process (another uid) from the start, whatever mode the code asks
    for (`tempfile.mkstemp` asks for 0o600): a test may read them while a call still runs.
    """
    real_open, real_mkdir = os.open, os.mkdir

    def inside(path: Any, dir_fd: int | None) -> bool:
        shared = folder()
        if not shared or dir_fd is not None:
            return False
        try:
            full = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return full == shared or full.startswith(shared + os.sep)

    def open_shared(
        path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None
    ) -> int:
        if flags & os.O_CREAT and inside(path, dir_fd):
            mode |= 0o066
        return real_open(path, flags, mode, dir_fd=dir_fd)

    def mkdir_shared(
        path: Any, mode: int = 0o777, *, dir_fd: int | None = None
    ) -> None:
        if inside(path, dir_fd):
            mode |= 0o077
        real_mkdir(path, mode, dir_fd=dir_fd)

    os.open, os.mkdir = open_shared, mkdir_shared  # type: ignore[assignment]


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if len(text) > OUTPUT_PER_REPLY:
        text = (
            text[:OUTPUT_PER_REPLY]
            + f"\n... [truncated: {len(text) - OUTPUT_PER_REPLY}]"
        )
    return text


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception as exc:  # a malformed log call in student code
        return f"{record.msg!r} (formatting failed: {exc})"


def main(argv: list[str]) -> int:
    sock = socket.socket(fileno=int(argv[1]))
    root = argv[2]
    # On SIGUSR1 (a call ran out of time) the stacks go to the trusted side, which tells the
    # student where their code was stuck. faulthandler writes from C: a busy loop cannot stop it.
    dump = os.fdopen(int(argv[3]), "w")
    faulthandler.register(signal.SIGUSR1, file=dump, all_threads=True)
    printed_fd = int(argv[4]) if len(argv) > 4 else None
    os.chdir(root)
    sys.path.insert(0, root)
    endpoint = StudentEndpoint(sock, printed_fd)
    create_shared_files(lambda: endpoint.shared)
    endpoint.make_proxy = make_proxy
    endpoint.handle_request = serve_student
    sys.stdout, sys.stderr = endpoint.out, endpoint.err
    logging.root.addHandler(endpoint.collector)
    logging.root.setLevel(
        1
    )  # the trusted side applies the tests' levels when replaying
    endpoint.start()
    endpoint.serve_forever()  # returns once the trusted side has closed the channel
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
