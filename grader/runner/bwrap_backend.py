"""The bubblewrap backend: a sandbox for machines without a Docker engine.

The entrypoint runs in fresh user, pid, network, ipc, uts, mount and cgroup namespaces as
uid 10001 with no capabilities. It sees a read-only view of what Python needs, job.json, the
submission and the hidden suite (read-only) and small tmpfs scratch space; exercise packs
are hidden under empty tmpfs, and there is no out/ folder: the results come back through a
pipe the host reads up to RESULTS_MAX_BYTES, and the log through another pipe whose tail the
host keeps.

One uid cannot separate the trusted side from the submission, so the entrypoint starts every
process that runs student code (the proxy's student server, the student's own tests under
coverage) in a nested jail (`grader.sandbox.jail`) that sees only the submission, the shared
configuration and its work folders; the trusted pytest asks the entrypoint for them.

Limits come from outside: prlimit(1) before bwrap starts, the host's own deadline, and one
cgroup per grading (`grader.runner.cgroup`: memory with swap, processes, CPU quota and an
equal weight). With that cgroup the run is `full` isolation; without one it is `reduced`,
and `cgroup_missing` says what is missing and how to get it.

Started by root, the sandbox would be root's processes on the host (its uid 10001 maps to
the caller's), which the kernel exempts from RLIMIT_NPROC, and an escape would land as
root. So root hands the run to an unprivileged host uid first (`setpriv`, HOST_UID, or
GRADER_BWRAP_UID): its user namespace is then an ordinary user's and the process cap holds
with or without a cgroup. The job folder is handed to that uid for the run.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import grader
from grader.catalog.loader import bundled_pack_root
from grader.errors import BackendUnavailable
from grader.files import write_atomic
from grader.runner import cgroup
from grader.runner.backend import RunOutcome
from grader.sandbox.jail import JAIL_ENV
from grader.runner.job import Job
from grader.runner.log_stream import LogStream, ProgressCallback
from grader.sandbox.results import RESULTS_FD_ENV, RESULTS_MAX_BYTES

SANDBOX_ID = "10001"
HOST_MARGIN_SECONDS = 10.0
LOG_CHARS = 4_000
MB = 1024 * 1024
TMPFS_MB = {"/dev/shm": 16, "/tmp": 64, "/job/work": 128}
FILE_SIZE_MB, OPEN_FILES, PROCESSES = 64, 512, 256
# RLIMIT_AS counts reserved address space, not memory in use: every thread reserves an 8 MB
# stack and may get a 64 MB malloc arena, and the entrypoint runs its checks on threads.
# Measured peaks: 380 MB for the entrypoint, 240 MB for flake8. With 512 MB on top even
# memory_mb = 64 (the schema's minimum) grades, and student code still gets a MemoryError.
ADDRESS_HEADROOM_MB = 512
UNSHARED = ("user", "pid", "net", "ipc", "uts", "mount", "cgroup")
ROOT_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# Only what the dynamic loader and time zones need: /etc/shadow and friends look owned by
# the sandbox user when root starts bwrap (uid 10001 maps to the caller), so no whole /etc.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives")
OTHER_WAY = "or use --backend docker or local"
# The host uid (and gid) a root caller runs the sandbox as: one no other process uses.
HOST_UID = 10009
HOST_UID_ENV = "GRADER_BWRAP_UID"


@lru_cache(maxsize=1)
def _problem() -> str:
    """Why bwrap cannot sandbox here, in one line; "" when it can."""
    for package, tool in (("bubblewrap", "bwrap"), ("util-linux", "prlimit")):
        if shutil.which(tool) is None:
            return f"{tool} is missing: `apt-get install {package}`, {OTHER_WAY}"
    test = ["bwrap", "--unshare-all", "--unshare-user", "--uid", SANDBOX_ID]
    test += ["--ro-bind", "/", "/", "true"]
    try:
        done = subprocess.run(test, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not start ({exc}); {OTHER_WAY}"
    if done.returncode == 0:
        return ""
    why = " ".join(done.stderr.split())[-200:] or f"exit code {done.returncode}"
    fix = f"enable unprivileged user namespaces, {OTHER_WAY}"
    return f"bwrap cannot create namespaces here ({why}); {fix}"


@lru_cache(maxsize=1)
def _options() -> frozenset[str]:
    """What this bwrap supports: --size and --disable-userns are recent (0.8)."""
    usage = subprocess.run(["bwrap", "--help"], capture_output=True, text=True).stdout
    return frozenset(re.findall(r"^\s+(--[a-z0-9-]+)", usage, re.MULTILINE))


def host_uid() -> int | None:
    """The unprivileged host uid the sandbox runs as when root starts it; None when the
    caller is not root or that uid cannot run it here (then RLIMIT_NPROC does not bind).
    """
    if os.geteuid() != 0:
        return None
    return _usable_uid(int(os.environ.get(HOST_UID_ENV) or HOST_UID))


@lru_cache(maxsize=4)
def _usable_uid(uid: int) -> int | None:
    """`uid` if it can start bwrap and the grader's Python under it (probed once)."""
    if uid == 0 or shutil.which("setpriv") is None:
        return None
    test = [*_drop_to(uid), "bwrap", "--unshare-all", "--unshare-user"]
    test += ["--uid", SANDBOX_ID, "--ro-bind", "/", "/"]
    test += [sys.executable, "-I", "-c", "import grader.sandbox.entrypoint"]
    try:
        done = subprocess.run(test, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return uid if done.returncode == 0 else None


def _drop_to(uid: int) -> list[str]:
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]


def _hand_over(root: Path, uid: int) -> None:
    """Make the job folder `uid`'s, so the sandbox started as `uid` can read it."""
    for folder, names, files in os.walk(root):
        os.chown(folder, uid, uid, follow_symlinks=False)
        for name in names + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def bwrap_available() -> bool:
    """True when bwrap can create its namespaces on this machine (probed once)."""
    return not _problem()


def delegated_cgroup() -> Path | None:
    """A cgroup v2 folder we may create children in, with memory and pids delegated."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        own = next(line[3:] for line in lines if line.startswith("0::"))
    except (OSError, StopIteration):
        return None
    for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        base = mount / own.lstrip("/")
        with contextlib.suppress(OSError):
            enabled = (base / "cgroup.subtree_control").read_text().split()
            if {"memory", "pids"} <= set(enabled) and os.access(base, os.W_OK):
                return base
    return None


def _site_dirs() -> list[str]:
    return [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]


def _python_roots() -> list[str]:
    """Prefixes, site-packages and the grader package: never the checkout around it."""
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    found += [*_site_dirs(), str(Path(grader.__file__).parent)]
    paths = {Path(p) for p in found} | {Path(p).resolve() for p in found}
    roots: list[str] = []
    for path in sorted((p for p in paths if p.is_dir()), key=lambda p: len(p.parts)):
        # Nested binds are redundant, and "/" would expose the whole host.
        if len(path.parts) > 1 and not any(path.is_relative_to(r) for r in roots):
            roots.append(str(path))
    return [r for r in roots if not Path(r).is_relative_to("/usr")]


def _pack_covers() -> list[str]:
    """Every exercise pack a bound folder could reveal: hidden tests, reference solutions."""
    package = Path(grader.__file__).resolve().parent
    packs = [bundled_pack_root(), package / "_bundled_exercises"]
    if (package.parent / "pyproject.toml").is_file():  # an editable checkout
        packs.append(package.parent / "exercises")
    # A wheel once installed into a bound site-packages may have left its pack behind.
    packs += [Path(s) / "grader" / "_bundled_exercises" for s in _site_dirs()]
    return sorted({str(p.resolve()) for p in packs if p.is_dir()})


class BwrapBackend:
    name = "bwrap"
    sandboxed = True

    def __init__(
        self, cgroup_parent: Path | None = None, cpus: float | None = None
    ) -> None:
        if _problem():
            raise BackendUnavailable(_problem())
        self.cgroup_parent = cgroup_parent or delegated_cgroup()
        # The same CPU quota a Docker container gets (docker_backend.SandboxLimits).
        self.cpus = cpus if cpus is not None else float(min(2, os.cpu_count() or 1))
        self._cgroup_problem: str | None = None

    @property
    def cgroup_missing(self) -> str:
        """Which cgroup limits this backend cannot apply and how to get them; "" if none.

        Probed once, by making (and removing) a cgroup as a run would.
        """
        if self._cgroup_problem is None:
            made, why = cgroup.create(self._limits(64), self.cgroup_parent)
            if made is not None:
                why = ", ".join(made.missing)
                made.remove()
            self._cgroup_problem = cgroup.missing_text(why) if why else ""
        return self._cgroup_problem

    def _limits(self, memory_mb: int) -> cgroup.Limits:
        return cgroup.Limits(memory_mb=memory_mb, pids=PROCESSES, cpus=self.cpus)

    def run(self, job: Job, on_progress: ProgressCallback | None = None) -> RunOutcome:
        limits = job.exercise.limits
        # cpu: a per-process backstop should the host deadline ever fail; never hit first.
        rlimits = {"as": (limits.memory_mb + ADDRESS_HEADROOM_MB) * MB, "core": 0}
        rlimits.update(fsize=FILE_SIZE_MB * MB, nofile=OPEN_FILES)
        rlimits["cpu"] = int(2 * limits.run_seconds + HOST_MARGIN_SECONDS)
        group, why_not = cgroup.create(
            self._limits(limits.memory_mb), self.cgroup_parent
        )
        uid = host_uid()
        if uid is not None:
            _hand_over(job.root, uid)
        results_read, results_write = os.pipe()
        log_read, log_write = os.pipe()
        timed_out = False
        log = LogStream(job.nonce, on_progress, keep=LOG_CHARS)
        try:
            proc = subprocess.Popen(
                _argv(job, rlimits, results_write, uid),
                cwd=job.root,
                stdout=log_write,
                stderr=log_write,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=(results_write,),
                preexec_fn=group.join if group is not None else None,
            )
            os.close(results_write)
            os.close(log_write)
            results_write = log_write = -1
            deadline = time.monotonic() + limits.run_seconds + HOST_MARGIN_SECONDS
            try:
                results = _collect(proc, results_read, log_read, log, deadline)
            except subprocess.TimeoutExpired:
                timed_out = True
                results = b""
            finally:
                # Killing bwrap kills the sandbox's pid 1 (--die-with-parent), and with
                # it the whole pid namespace, daemons in their own sessions included.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            cgroup_oom = group is not None and group.oom_killed()
        finally:
            for fd in (results_read, results_write, log_read, log_write):
                if fd >= 0:
                    os.close(fd)
            if group is not None:
                group.remove()
        log.close()
        tail = log.tail
        if len(results) > RESULTS_MAX_BYTES:
            tail += f"\nthe results were larger than {RESULTS_MAX_BYTES} bytes"
        elif results:  # the host writes the one file; nothing inside can reach out/
            # The job folder may be the sandbox uid's: never write through a link in it.
            write_atomic(job.results_path, results, folder=job.root)
        # 137: bwrap passing on a SIGKILL of the entrypoint. With no results and before the
        # deadline, only the kernel (or the cgroup) kills like that: for memory.
        died = cgroup_oom or "MemoryError" in tail or proc.returncode in (-9, 137)
        return RunOutcome(
            exit_code=proc.returncode,
            timed_out=timed_out,
            out_of_memory=died and not timed_out and not results,
            log_tail=tail,
            integrity=_integrity(limits.memory_mb, rlimits, group, why_not, uid),
        )


def _collect(
    proc: subprocess.Popen[bytes],
    results_fd: int,
    log_fd: int,
    log: LogStream,
    deadline: float,
) -> bytes:
    """Read the results (up to one byte over the cap) and the log until both close.

    Raises TimeoutExpired at `deadline`. The pipes close when the sandbox's last process
    is gone: bwrap's pid 1 takes every process of the namespace with it.
    """
    results = bytearray()
    open_fds = {results_fd, log_fd}
    with selectors.DefaultSelector() as selector:
        for fd in open_fds:
            selector.register(fd, selectors.EVENT_READ)
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, 0)
            for key, _ in selector.select(timeout=min(left, 1.0)):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fd)
                    open_fds.discard(key.fd)
                elif key.fd == results_fd:
                    if len(results) <= RESULTS_MAX_BYTES:
                        results += chunk[: RESULTS_MAX_BYTES + 1 - len(results)]
                else:
                    log.feed(chunk)
    left = max(0.0, deadline - time.monotonic())
    proc.wait(timeout=left)
    return bytes(results)


def _argv(
    job: Job, rlimits: dict[str, int], results_fd: int, uid: int | None = None
) -> list[str]:
    prlimit = "prlimit"  # found on PATH by the probe, and under /usr inside
    outer = [prlimit, *(f"--{k}={v}" for k, v in rlimits.items()), "--"]
    # RLIMIT_NPROC counts the real uid's processes, so set on the host it would fail runs
    # whenever the caller's uid has many processes. Set inside the new user namespace it
    # counts only the sandbox's own processes (per-namespace counts, Linux 5.14+). The
    # kernel exempts a real uid of root, so a root caller first drops to `uid`.
    inner = [prlimit, f"--nproc={PROCESSES}", "--"]
    entry = [sys.executable, "-I", "-m", "grader.sandbox.entrypoint", "/job"]
    env = ["--setenv", JAIL_ENV, "1", "--setenv", RESULTS_FD_ENV, str(results_fd)]
    drop = _drop_to(uid) if uid is not None else []
    return [*drop, *outer, "bwrap", *_bwrap_args(job), *env, "--", *inner, *entry]


def _tmpfs(path: str) -> list[str]:
    """A tmpfs owned by the sandbox user, capped where this bwrap can cap it."""
    size = ["--size", str(TMPFS_MB[path] * MB)] if "--size" in _options() else []
    return [*size, "--tmpfs", path]


def _bwrap_args(job: Job) -> list[str]:
    args = ["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
    args += ["--cap-drop", "ALL", "--uid", SANDBOX_ID, "--gid", SANDBOX_ID]
    # No --disable-userns here: the entrypoint starts the submission's processes in nested
    # namespaces of their own (grader.sandbox.jail), and those disable any further nesting.
    args += ["--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev"]
    # /tmp first: a virtualenv or checkout under /tmp is then bound on top of it, not hidden.
    args += [*_tmpfs("/dev/shm"), *_tmpfs("/tmp"), "--ro-bind", "/usr", "/usr"]
    for name in ROOT_DIRS:
        path = Path("/", name)
        if path.is_symlink():  # merged /usr: keep the link, the target is bound
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for root in _python_roots():
        args += ["--ro-bind", root, root]
    for pack in _pack_covers():
        args += ["--tmpfs", pack, "--remount-ro", pack]
    for part in ("job.json", "submission", "hidden"):
        args += ["--ro-bind", str(job.root / part), f"/job/{part}"]
    # No out/: the results leave through a pipe the host reads with a cap.
    args += _tmpfs("/job/work")
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/job"]
    search = f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
    args += ["--clearenv", "--setenv", "PATH", search, "--setenv", "LANG", "C.UTF-8"]
    args += ["--setenv", "HOME", "/tmp", "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    return args


def _integrity(
    memory_mb: int,
    rlimits: dict[str, int],
    group: cgroup.Cgroup | None,
    why_not: str,
    uid: int | None = None,
) -> dict[str, Any]:
    options = _options()
    exempt = os.getuid() == 0 and uid is None
    nproc = "not enforced: root's processes are exempt" if exempt else PROCESSES
    if group is not None and not group.missing:
        cgroup_note: Any = {"in_force": True, "limits": group.describe()}
    else:
        missing = ", ".join(group.missing) if group is not None else why_not
        cgroup_note = {
            "in_force": False,
            "limits": group.describe() if group is not None else "none",
            "missing": cgroup.missing_text(missing),
        }
    return {
        "isolation": "bwrap",
        "unshared": list(UNSHARED),
        "network": "none (empty network namespace)",
        "read_only_root": True,
        "user": f"{SANDBOX_ID}:{SANDBOX_ID}",
        "host_user": os.getuid() if uid is None else uid,
        "capabilities": "all dropped",
        "no_new_privileges": True,
        "student_jail": "the submission's processes run in nested user, pid, mount, ipc, "
        "net and uts namespaces that see only the submission, the shared configuration "
        "and their work folders; no nested user namespaces inside it",
        "results": "a pipe read by the host, capped",
        "nested_user_namespaces": "--disable-userns" not in options,
        "memory_mb": memory_mb,
        "rlimits": {**rlimits, "nproc": nproc},
        "tmpfs_mb": TMPFS_MB if "--size" in options else "unbounded: no --size",
        "cgroup": cgroup_note,
    }
