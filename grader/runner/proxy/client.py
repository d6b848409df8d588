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
import signal
import socket
import subprocess
import sys
from typing import Any, Sequence

from grader.runner.proxy.endpoint import ChannelClosed, ChannelTimeout, Endpoint
from grader.runner.proxy.ops import serve_trusted
from grader.runner.proxy.proxies import RemoteModule, make_proxy
from grader.runner.pytest_session import drop_privileges


class StudentTimeout(Exception):
    """A call into the submission did not return within the test's time limit."""


STARTUP_SECONDS = 60


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
    ) -> None:
        self.root = root
        self.call_seconds = call_seconds
        self.uid = uid
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint: Endpoint | None = None
        self.mirrors: dict[Any, type] = {}
        self.restarts = 0
        self.anomalies: list[str] = []

    def live(self) -> Endpoint:
        if self.endpoint is None or self.endpoint.closed:
            self._start()
        assert self.endpoint is not None
        return self.endpoint

    def _start(self) -> None:
        if self.process is not None:
            self.restarts += 1
        parent, child = socket.socketpair()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-m",
                "grader.runner.proxy.server",
                str(child.fileno()),
                self.root,
            ],
            pass_fds=[child.fileno()],
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=drop_privileges(self.uid) if self.uid is not None else None,
        )
        child.close()
        endpoint = _TrustedEndpoint(parent, self)
        endpoint.make_proxy = make_proxy
        endpoint.handle_request = serve_trusted
        endpoint.on_response = replay_output
        self.endpoint = endpoint
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

    def request(self, op: str, **fields: Any) -> Any:
        return self.live().request(op, **fields)

    def import_module(self, name: str) -> Any:
        module = self.request("import", module=name)
        object.__setattr__(module, "_path", (name,))
        return module

    def resolve(self, path: tuple[str, ...]) -> Any:
        value = self.import_module(path[0])
        for name in path[1:]:
            value = getattr(value, name)
        return value

    def stop(self, reason: str | None = None) -> None:
        if self.endpoint is not None:
            self.endpoint.closed = True
            try:
                self.endpoint.sock.close()
            except OSError:
                pass
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
            self.process.wait()
        if reason:
            self.anomalies.append(reason)


class _TrustedEndpoint(Endpoint):
    def __init__(self, sock: socket.socket, connection: StudentConnection) -> None:
        super().__init__(sock, "trusted")
        self.connection = connection

    def request(self, op: str, **fields: Any) -> Any:
        try:
            return super().request(op, **fields)
        except ChannelTimeout:
            self.connection.stop("a call into the submission timed out")
            raise StudentTimeout(
                f"your code did not return within {self.connection.call_seconds:g} s"
            ) from None
        except ChannelClosed:
            process = self.connection.process
            try:
                code = process.wait(timeout=1) if process is not None else None
            except subprocess.TimeoutExpired:
                code = None
            self.connection.stop(f"the student process ended (exit code {code})")
            raise StudentCrashed(_death(code)) from None
        except BaseException:
            if self.pending:
                # Interrupted mid-conversation (the test's own timer fired): the student
                # process is in an unknown state, so it is replaced before the next call.
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
