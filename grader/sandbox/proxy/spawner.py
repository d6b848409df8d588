"""Starting and stopping student processes on behalf of an unprivileged test process.

When the sandbox starts as root, the trusted pytest runs as its own uid with no capabilities,
so it cannot start a process under the student's uid, nor signal one. The entrypoint, which
keeps those capabilities, serves a `SpawnService` on a socket it hands to the trusted pytest:
`spawn` starts `python -I -m grader.sandbox.proxy.server` as the student uid (in a bwrap
sandbox, which has one uid: in the submission's jail, see `grader.sandbox.jail`) and passes back
the three descriptors the trusted side needs (its end of the conversation, the read ends of
the stack dumps and of the copy of what the process prints); `signal` and `wait` act only on
processes this service started; `seal`, sent when collection is over, lets the entrypoint take
away what only collection needed (the hidden suite's source) before any test runs.

The trusted side sees a `SpawnedProcess` with the part of `subprocess.Popen` it uses.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from typing import Any, Callable

from grader.sandbox.jail import jailed_pid

# Signals the trusted side may ask for: stop a process (its whole group), or ask it for stacks.
ALLOWED_SIGNALS = (signal.SIGKILL, signal.SIGUSR1)
MAX_REQUEST = 4096


def start_server(
    root: str,
    env: dict[str, str] | None,
    preexec: Callable[[], None] | None,
    jail: list[str] | None = None,
) -> tuple[subprocess.Popen[bytes], socket.socket, int, int]:
    """Start `python -I -m grader.sandbox.proxy.server` for the submission in `root`.

    Returns the process, this side's end of the conversation, the read end of the
    process's stack dumps and the read end of the copy of what it prints (see
    `grader.sandbox.proxy.server`). With `jail` (the argv of `grader.sandbox.jail`) the
    process is the jail's bwrap; the descriptors pass through.
    """
    parent, child = socket.socketpair()
    dump_read, dump_write = os.pipe()
    printed_read, printed_write = os.pipe()
    argv = [
        *(jail or []),
        sys.executable,
        "-I",
        "-m",
        "grader.sandbox.proxy.server",
        str(child.fileno()),
        root,
        str(dump_write),
        str(printed_write),
    ]
    try:
        process = subprocess.Popen(
            argv,
            pass_fds=[child.fileno(), dump_write, printed_write],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=preexec,
        )
    except BaseException:
        parent.close()
        os.close(dump_read)
        os.close(printed_read)
        raise
    finally:
        child.close()
        os.close(dump_write)
        os.close(printed_write)
    return process, parent, dump_read, printed_read


def student_env() -> dict[str, str]:
    """The student process's environment: the locale and PATH, nothing of the grader's."""
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    env.update(HOME="/tmp", PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")
    return env


class SpawnService:
    """The entrypoint's end: one thread answering one trusted process's requests."""

    def __init__(
        self,
        *,
        root: str,
        env: dict[str, str],
        preexec: Callable[[], None] | None,
        seal: Callable[[], None] | None = None,
        jail: list[str] | None = None,
    ) -> None:
        self.root = root
        self.env = env
        self.preexec = preexec
        self.seal = seal
        self.jail = jail or None
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.ours, self.theirs = socket.socketpair(
            socket.AF_UNIX, socket.SOCK_SEQPACKET
        )
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> int:
        """Start serving; returns the descriptor to pass to the trusted process."""
        self.thread.start()
        return self.theirs.fileno()

    def close(self) -> None:
        """Kill every process this service started, and stop serving."""
        for process in self.processes.values():
            _kill_group(process)
        for sock in (self.ours, self.theirs):
            try:
                sock.close()
            except OSError:
                pass

    def _serve(self) -> None:
        while True:
            try:
                raw = self.ours.recv(MAX_REQUEST)
            except OSError:
                return
            if not raw:
                return
            try:
                reply, fds = self._answer(json.loads(raw))
            except Exception as exc:  # a bad request is answered, never fatal
                reply, fds = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}, []
            try:
                socket.send_fds(self.ours, [json.dumps(reply).encode()], fds)
            except OSError:
                return
            finally:
                for fd in fds:
                    os.close(fd)

    def _answer(self, request: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
        op = request.get("op")
        if op == "spawn":
            return self._spawn()
        if op == "seal":
            if self.seal is not None:
                self.seal()
            return {"ok": True}, []
        process = self.processes.get(int(request.get("pid", -1)))
        if process is None:
            raise PermissionError("not a process this service started")
        if op == "signal":
            number = int(request["signal"])
            if number not in ALLOWED_SIGNALS:
                raise PermissionError(f"signal {number} is not allowed")
            if number == signal.SIGKILL:
                _kill_group(process)  # bwrap's death takes the whole jail with it
            elif process.poll() is None and self.jail:
                # bwrap passes no signal on: it goes to the server inside the jail.
                jailed = jailed_pid(process.pid)
                if jailed is not None:
                    os.kill(jailed, number)
            elif process.poll() is None:
                process.send_signal(number)
            return {"ok": True}, []
        if op == "server_pid":
            # The process that runs the submission, as the trusted side's /proc shows it.
            server = jailed_pid(process.pid) if self.jail else process.pid
            return {"ok": True, "server_pid": server}, []
        if op == "wait":
            try:
                code = process.wait(timeout=float(request.get("timeout", 0)))
            except subprocess.TimeoutExpired:
                code = None
            return {"ok": True, "code": code}, []
        raise PermissionError(f"unknown request {op!r}")

    def _spawn(self) -> tuple[dict[str, Any], list[int]]:
        process, parent, dump_read, printed_read = start_server(
            self.root, self.env, self.preexec, self.jail
        )
        # Finished processes are forgotten (and reaped) so the table stays small.
        for pid in [p for p, proc in self.processes.items() if proc.poll() is not None]:
            del self.processes[pid]
        self.processes[process.pid] = process
        return {"ok": True, "pid": process.pid}, [
            parent.detach(),
            dump_read,
            printed_read,
        ]


class SpawnedProcess:
    """The trusted side's handle on a student process started by a `SpawnService`."""

    def __init__(self, channel: socket.socket, pid: int) -> None:
        self.channel = channel
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.wait(0)

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None:
            reply, _ = _ask(
                self.channel, {"op": "wait", "pid": self.pid, "timeout": timeout or 0}
            )
            self.returncode = reply.get("code")
        if self.returncode is None and timeout:
            raise subprocess.TimeoutExpired("student process", timeout)
        return self.returncode

    def send_signal(self, number: int) -> None:
        _ask(self.channel, {"op": "signal", "pid": self.pid, "signal": int(number)})

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def server_pid(self) -> int | None:
        """The pid of the process that runs the submission (inside a jail, not bwrap's)."""
        reply, _ = _ask(self.channel, {"op": "server_pid", "pid": self.pid})
        found = reply.get("server_pid")
        return int(found) if found is not None else None


def spawn(channel: socket.socket) -> tuple[SpawnedProcess, socket.socket, int, int]:
    """Ask the service for a student process: (process, conversation socket, dump fd,
    printed fd)."""
    reply, fds = _ask(channel, {"op": "spawn"}, descriptors=3)
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise OSError("the entrypoint did not pass the student process's descriptors")
    sock = socket.socket(fileno=fds[0])
    return SpawnedProcess(channel, int(reply["pid"])), sock, fds[1], fds[2]


def seal(channel: socket.socket) -> None:
    """Tell the entrypoint collection is over: what only collection needed may be closed.

    Answered only once it is done, so no test runs before.
    """
    _ask(channel, {"op": "seal"})


# One request at a time on the channel: the trusted process may stop a student process from
# its test thread while another thread waits for one.
_CHANNEL_LOCK = threading.Lock()


def _ask(
    channel: socket.socket, request: dict[str, Any], descriptors: int = 0
) -> tuple[dict[str, Any], list[int]]:
    with _CHANNEL_LOCK:
        channel.send(json.dumps(request).encode())
        raw, fds, _, _ = socket.recv_fds(channel, MAX_REQUEST, max(descriptors, 1))
    if not raw:
        raise OSError("the entrypoint closed the spawn channel")
    reply = json.loads(raw)
    if not reply.get("ok"):
        for fd in fds:
            os.close(fd)
        raise OSError(f"the entrypoint refused: {reply.get('error')}")
    return reply, list(fds)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()
