"""The trusted side: start the student process, and import the submission through it.

`install(...)` puts a finder first on `sys.meta_path`, so `from grade_book import GradeBook` in
a hidden test yields proxies. The student process is started lazily, restarted after it times
out or dies (the test that was running fails; names reached through modules are looked up
again in the new process), and killed when the session ends.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Sequence

from grader.sandbox.proxy.channel import ChannelClosed, ChannelTimeout
from grader.sandbox.proxy.endpoint import Endpoint
from grader.sandbox.proxy.ops import serve_trusted
from grader.sandbox.proxy.proxies import RemoteModule, make_proxy
from grader.sandbox.proxy.spawner import SpawnedProcess, spawn, start_server
from grader.sandbox.pytest_session import drop_privileges
from grader.scorecard.caps import OUTPUT_CHARS


class StudentTimeout(Exception):
    """A call into the submission did not return within the test's time limit."""


STARTUP_SECONDS = 60
DUMP_WAIT_SECONDS = 1.0
DUMP_BYTES = 64 * 1024
# At most this much of the copy of what the student process printed is read at once (a
# pipe holds 64 KiB; the test's output keeps far less, with a marker).
COPIED_BYTES = 256 * 1024
# How often the copy is read while a call runs, when it is streamed (see on_copied).
WATCH_SECONDS = 0.2
_FRAME = re.compile(
    r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<name>\S+)', re.M
)


def innermost_student_frame(dump: str, root: str) -> str:
    """The most recent frame of a faulthandler dump that lies in the submission's folder."""
    base = os.path.realpath(root) + os.sep
    for match in _FRAME.finditer(dump):  # faulthandler lists the most recent call first
        path = os.path.realpath(match["path"])
        if path.startswith(base):
            return f"{path[len(base):]}:{match['line']} in {match['name']}"
    return ""


class PrintedText:
    """What the student process printed (its stdout, then its stderr, answer by answer)
    since `take` was last called: the first `limit` characters, and how many more came.

    Only the text of the answers' `out` and `err` fields lands here, as text: the student
    chooses what it says, never where it goes nor anything else of a test's outcome.
    """

    def __init__(self, limit: int = OUTPUT_CHARS) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def add(self, text: str) -> None:
        room = self.limit - self.kept
        if len(text) > room:
            self.dropped += len(text) - room
            text = text[:room]
        if text:
            self.parts.append(text)
            self.kept += len(text)

    def take(self) -> str:
        """The text so far, with cap_text's marker when some was cut; then start again."""
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n... [truncated: {self.dropped} more characters]"
        self.parts, self.kept, self.dropped = [], 0, 0
        return text


# The connection of this test process, set by the plugin (see grader.testing.student_module).
ACTIVE: StudentConnection | None = None


class StudentCrashed(Exception):
    """The student process died during a call (exit, signal, out of memory)."""


class StudentConnection:
    def __init__(
        self,
        root: str,
        *,
        call_seconds: float,
        uid: int | None = None,
        env: dict[str, str] | None = None,
        spawner: socket.socket | None = None,
    ) -> None:
        self.root = root
        self.call_seconds = call_seconds
        self.uid = uid
        self.env = env
        # Set when this process may not start processes under the student's uid itself:
        # the entrypoint starts and stops them on request (see spawner.py).
        self.spawner = spawner
        self.process: subprocess.Popen[bytes] | SpawnedProcess | None = None
        self.endpoint: Endpoint | None = None
        self.mirrors: dict[Any, type] = {}
        self.restarts = 0
        self.anomalies: list[str] = []
        self.dump: Any = None  # read end of the student process's stack dumps
        # Read end of the copy of what the student process prints (see server.py): what a
        # call that never answered printed is read from it when the process is stopped.
        self.copied: int | None = None
        # Reads and the close of `copied` never overlap: a closed number may be reused.
        self.copied_lock = threading.Lock()
        # What the pipe gave since the last answer (the call in flight printed it).
        self.unanswered = PrintedText()
        # Told each piece the pipe gives, as it comes (the plugin streams it to the
        # results: if this process is killed mid-test, the watchdog still has it).
        self.on_copied: Callable[[str], None] | None = None
        self.watcher: threading.Thread | None = None
        self.shared: str | None = None  # the running test's tmp_path (see share)
        # What the submission printed during the running test (the plugin takes it).
        self.printed = PrintedText()

    def live(self) -> Endpoint:
        if self.endpoint is None or self.endpoint.closed:
            self._start()
        assert self.endpoint is not None
        return self.endpoint

    def _start(self) -> None:
        if self.process is not None:
            self.restarts += 1
        if self.spawner is not None:
            self.process, parent, dump_read, printed_read = spawn(self.spawner)
        else:
            self.process, parent, dump_read, printed_read = self._spawn_here()
        if self.dump is not None:
            self.dump.close()
        self.dump = os.fdopen(dump_read, "rb", buffering=0)
        os.set_blocking(dump_read, False)
        self._close_copied()
        with self.copied_lock:
            self.copied = printed_read
        os.set_blocking(printed_read, False)
        if self.on_copied is not None and self.watcher is None:
            self.watcher = threading.Thread(target=self._watch_copied, daemon=True)
            self.watcher.start()
        endpoint = _TrustedEndpoint(parent, self)
        endpoint.make_proxy = make_proxy
        endpoint.handle_request = serve_trusted
        endpoint.on_response = self.replay
        self.endpoint = endpoint
        endpoint.start()
        # Start-up (an interpreter, our modules) has its own limit, so that a slow machine
        # does not eat into the time of the first call into the submission.
        parent.settimeout(STARTUP_SECONDS)
        try:
            Endpoint.request(endpoint, "ready")
        except (ChannelTimeout, ChannelClosed):
            self.stop("the student process did not start")
            raise StudentCrashed(
                f"the process that runs your code did not start within {STARTUP_SECONDS} s"
            ) from None
        parent.settimeout(self.call_seconds)
        if self.shared is not None:
            Endpoint.request(endpoint, "share", path=self.shared)

    def _spawn_here(self) -> tuple[subprocess.Popen[bytes], socket.socket, int, int]:
        """Start the student process from this process (it may switch to `uid`)."""
        preexec = drop_privileges(self.uid) if self.uid is not None else None
        return start_server(self.root, self.env, preexec)

    def request(self, op: str, **fields: Any) -> Any:
        return self.live().request(op, **fields)

    def replay(self, message: dict[str, Any]) -> None:
        """An answer's output and logs (checked by `rules.replayable`): kept as the
        running test's output, and replayed here for capsys and caplog."""
        # The answer carries what its call printed: its copy in the pipe is not needed.
        self._drain_copied(answered=True)
        self.printed.add(str(message.get("out") or "") + str(message.get("err") or ""))
        replay_output(message)

    def _drain_copied(self, *, answered: bool = False, stopping: bool = False) -> str:
        """Read what the pipe holds of the process's printing (never blocks) and pass it
        on. After an answer (which carries it) nothing of it is kept; when the process is
        stopped, all that no answer carried is returned."""
        with self.copied_lock:
            chunks: list[bytes] = []
            while self.copied is not None and sum(map(len, chunks)) < COPIED_BYTES:
                try:
                    chunk = os.read(self.copied, COPIED_BYTES)
                except OSError:  # nothing more now (BlockingIOError), or gone
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            text = b"".join(chunks).decode("utf-8", "replace")
            if text and self.on_copied is not None:
                try:
                    self.on_copied(text)
                except Exception:  # streaming is a spare copy: never fatal
                    self.on_copied = None
            if answered:
                self.unanswered.take()
                return ""
            self.unanswered.add(text)
            return self.unanswered.take() if stopping else ""

    def _watch_copied(self) -> None:
        """Pass on what the student process prints while a call runs, a few times a
        second (a daemon thread: it ends with this process)."""
        while True:
            time.sleep(WATCH_SECONDS)
            self._drain_copied()

    def _close_copied(self) -> None:
        with self.copied_lock:
            if self.copied is not None:
                os.close(self.copied)
                self.copied = None

    def share(self, folder: str | None) -> None:
        """Have the student process open up what it makes under `folder` to this process
        (another uid), from now on; None stops it. Sent again to a restarted process."""
        self.shared = folder
        if self.endpoint is not None and not self.endpoint.closed:
            try:
                self.endpoint.request("share", path=folder)
            except Exception:
                pass  # a stuck or dead process: it is replaced on the next call

    def student_pid(self) -> int | None:
        """The pid of the student process as this process's /proc shows it (None if it is
        not running): for a test that watches its memory from outside."""
        self.live()
        if isinstance(self.process, SpawnedProcess):
            return self.process.server_pid()
        return self.process.pid if self.process is not None else None

    def import_module(self, name: str) -> Any:
        module = self.request("import", module=name)
        object.__setattr__(module, "_path", (name,))
        return module

    def resolve(self, path: tuple[str, ...]) -> Any:
        value = self.import_module(path[0])
        for name in path[1:]:
            value = getattr(value, name)
        return value

    def where_stuck(self) -> str:
        """`file:line in function` of the submission's innermost frame right now, or "".

        Asks the student process for its stacks (SIGUSR1, answered by faulthandler) and
        reads them for a short while; the text is the student's, so it is only parsed.
        """
        if self.process is None or self.dump is None or self.process.poll() is not None:
            return ""
        try:
            self.process.send_signal(signal.SIGUSR1)
        except OSError:
            return ""
        text = b""
        deadline = time.monotonic() + DUMP_WAIT_SECONDS
        while time.monotonic() < deadline and len(text) < DUMP_BYTES:
            try:
                chunk = self.dump.read(DUMP_BYTES)
            except BlockingIOError:
                chunk = None
            if chunk:
                text += chunk
            elif text:
                break  # the dump is written in one go: a pause after data means done
            time.sleep(0.02)
        return innermost_student_frame(text.decode("utf-8", "replace"), self.root)

    def stop(self, reason: str | None = None) -> None:
        if self.endpoint is not None:
            self.endpoint.close()
        if isinstance(self.process, SpawnedProcess):
            try:
                self.process.kill()  # the entrypoint kills its whole group
            except OSError:
                pass  # the entrypoint is gone: so is the sandbox
        elif self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
            self.process.wait()
        if self.dump is not None:
            self.dump.close()
            self.dump = None
        # A call that never answered (a timeout, a crash) still shows what it printed.
        self.printed.add(self._drain_copied(stopping=True))
        self._close_copied()
        if reason:
            self.anomalies.append(reason)


class _TrustedEndpoint(Endpoint):
    def __init__(self, sock: socket.socket, connection: StudentConnection) -> None:
        super().__init__(sock, "trusted")
        self.connection = connection

    def request(self, op: str, **fields: Any) -> Any:
        # Requests nest (a callback calls the submission again): only one whose own answer
        # never came was interrupted; an error answer leaves the conversation in order.
        outer = getattr(self.local, "unanswered", 0)
        try:
            return super().request(op, **fields)
        except ChannelTimeout:
            where = self.connection.where_stuck()
            self.connection.stop("a call into the submission timed out")
            seconds = self.connection.call_seconds
            timeout = StudentTimeout(f"your code did not return within {seconds:g} s")
            _point_at(timeout, where)
            raise timeout from None
        except ChannelClosed:
            process = self.connection.process
            try:
                code = process.wait(timeout=1) if process is not None else None
            except subprocess.TimeoutExpired:
                code = None
            self.connection.stop(f"the student process ended (exit code {code})")
            raise StudentCrashed(_death(code)) from None
        except BaseException as exc:
            if getattr(self.local, "unanswered", 0) > outer:
                # Interrupted mid-conversation (the test's own timer fired): say where the
                # submission was, then replace its process, whose state is now unknown.
                _point_at(exc, self.connection.where_stuck())
                self.connection.stop(
                    "a test timed out during a call into the submission"
                )
            raise


def replay_output(message: dict[str, Any]) -> None:
    """Write what the student printed and logged during a call, as if it happened here."""
    if message.get("out"):
        sys.stdout.write(str(message["out"]))
    if message.get("err"):
        sys.stderr.write(str(message["err"]))
    for data in message.get("logs") or []:
        logger = logging.getLogger(str(data.get("name", "root")))
        level = int(data.get("levelno", logging.INFO))
        if logger.isEnabledFor(level):
            record = logging.makeLogRecord(
                {
                    **data,
                    "msg": str(data.get("msg", "")),
                    "args": None,
                    "levelno": level,
                }
            )
            logger.handle(record)


class StudentModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of the submission's modules with proxies."""

    def load_module(self, fullname: str) -> Any:
        raise ImportError("load_module is not supported")

    def __init__(self, connection: StudentConnection, modules: Sequence[str]) -> None:
        self.connection = connection
        self.modules = set(modules)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.split(".")[0] not in self.modules:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin="student process")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> RemoteModule:
        return RemoteModule(spec.name, self.connection.import_module(spec.name))

    def exec_module(self, module: Any) -> None:
        return None


def install(
    connection: StudentConnection, modules: Sequence[str]
) -> StudentModuleFinder:
    finder = StudentModuleFinder(connection, modules)
    sys.meta_path.insert(0, finder)
    return finder


def module_names(solution_files: Sequence[str]) -> list[str]:
    """`grade_book.py` -> `grade_book`; `pkg/__init__.py` or `pkg/x.py` -> `pkg`."""
    names = []
    for rel in solution_files:
        if not rel.endswith(".py"):
            continue
        top = rel.split("/")[0]
        names.append(top[:-3] if top.endswith(".py") else top)
    return sorted(set(names))


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        if -code == signal.SIGKILL:
            return "your code was killed (SIGKILL): it probably ran out of memory"
        return f"your code was killed by signal {-code}"
    return f"your code ended the process (exit code {code}); do not call sys.exit() or os._exit()"


def _point_at(exc: BaseException, where: str) -> None:
    """Make a timeout name the submission's line it interrupted (the plugin reports it)."""
    if not where:
        return
    exc.__dict__["_grader_location"] = where
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]} (it was at {where})", *exc.args[1:])
