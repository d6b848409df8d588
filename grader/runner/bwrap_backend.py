"""The bubblewrap backend: a sandbox for machines without a Docker engine.

The entrypoint runs in fresh user, pid, network, ipc, uts, mount and cgroup namespaces, as
uid 10001 with every capability dropped. It sees a read-only view of what Python needs, the
job (only out/ writable) and small tmpfs scratch space; the exercise packs are hidden under
empty tmpfs mounts. Limits come from outside: rlimits set by prlimit(1) before bwrap starts,
a cgroup v2 child when a delegated subtree exists, and the host's own deadline.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from functools import lru_cache
from pathlib import Path

import grader
from grader.catalog.loader import bundled_pack_root
from grader.errors import BackendUnavailable
from grader.runner.backend import RunOutcome
from grader.runner.job import Job

SANDBOX_ID = "10001"
HOST_MARGIN_SECONDS = 10.0
LOG_CHARS = 4_000
MB = 1024 * 1024
TMP_MB, WORK_MB, SHM_MB = 64, 128, 16
FILE_SIZE_MB, OPEN_FILES, PROCESSES = 64, 512, 256
# RLIMIT_AS counts reserved address space, not memory in use: every thread reserves an 8 MB
# stack and may get a 64 MB malloc arena, and the entrypoint runs its checks on threads.
# Measured peaks: 380 MB for the entrypoint, 240 MB for flake8. With 512 MB on top even
# memory_mb = 64 (the schema's minimum) grades, and student code still gets a MemoryError.
ADDRESS_HEADROOM_MB = 512
UNSHARED = ("user", "pid", "net", "ipc", "uts", "mount", "cgroup")
ROOT_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# Only what the dynamic loader and time zones need: /etc/shadow and friends look owned by
# the sandbox user when root starts bwrap (uid 10001 maps to the caller), so no wholesale /etc.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives")
OTHER_WAY = "or use --backend docker or local"


@lru_cache(maxsize=1)
def _probe() -> str | None:
    """Why bwrap cannot sandbox here (one line), or None when it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap is not installed; `apt-get install bubblewrap`, {OTHER_WAY}"
    if shutil.which("prlimit") is None:
        return f"prlimit is missing; `apt-get install util-linux`, {OTHER_WAY}"
    probe = [bwrap, "--unshare-all", "--unshare-user", "--uid", SANDBOX_ID]
    try:
        done = subprocess.run(
            [*probe, "--ro-bind", "/", "/", "true"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not start ({exc}); {OTHER_WAY}"
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return (
            f"bwrap cannot create namespaces here ({''.join(why) or done.returncode}); "
            f"allow unprivileged user namespaces (sysctl), {OTHER_WAY}"
        )
    return None


def bwrap_available() -> bool:
    """True when bwrap can create its namespaces on this machine (probed once)."""
    return _probe() is None


def delegated_cgroup() -> Path | None:
    """A cgroup v2 folder we may create children in, with memory and pids delegated."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        own = next(line[3:] for line in lines if line.startswith("0::"))
    except (OSError, StopIteration):
        return None
    for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        base = mount / own.lstrip("/")
        try:
            enabled = (base / "cgroup.subtree_control").read_text().split()
        except OSError:
            continue
        if {"memory", "pids"} <= set(enabled) and os.access(base, os.W_OK):
            return base
    return None


def _python_roots() -> list[str]:
    """Prefixes, site-packages dirs and the grader package: never the repo or pack around it."""
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    found += _site_dirs()
    found.append(str(Path(grader.__file__).parent))
    paths = {Path(p) for p in found} | {Path(p).resolve() for p in found}
    roots: list[str] = []
    for path in sorted((p for p in paths if p.is_dir()), key=lambda p: len(p.parts)):
        # Nested binds are redundant, and "/" would expose the whole host.
        if len(path.parts) > 1 and not any(path.is_relative_to(r) for r in roots):
            roots.append(str(path))
    return [r for r in roots if not Path(r).is_relative_to("/usr")]


def _site_dirs() -> list[str]:
    return [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]


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

    def __init__(self, cgroup_parent: Path | None = None) -> None:
        problem = _probe()
        if problem:
            raise BackendUnavailable(problem)
        self.cgroup_parent = cgroup_parent or delegated_cgroup()

    def run(self, job: Job) -> RunOutcome:
        limits = job.exercise.limits
        # cpu: a per-process backstop should the host deadline ever fail; never hit first.
        rlimits = {"as": (limits.memory_mb + ADDRESS_HEADROOM_MB) * MB, "core": 0}
        rlimits.update(fsize=FILE_SIZE_MB * MB, nofile=OPEN_FILES)
        rlimits["cpu"] = int(2 * limits.run_seconds + HOST_MARGIN_SECONDS)
        cgroup, cgroup_note = self._make_cgroup(limits.memory_mb)
        log_path = job.root / "work" / "inside.log"
        timed_out = False
        try:
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    _argv(job, rlimits, cgroup),
                    cwd=job.root,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
                try:
                    proc.wait(timeout=limits.run_seconds + HOST_MARGIN_SECONDS)
                except subprocess.TimeoutExpired:
                    timed_out = True
                finally:
                    # Killing bwrap kills the sandbox's pid 1 (--die-with-parent), and with it
                    # the whole pid namespace, setsid'd daemons included.
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait()
            cgroup_oom = _oom_killed(cgroup)
        finally:
            _remove_cgroup(cgroup)
        with open(log_path, "rb") as log:
            log.seek(max(0, log_path.stat().st_size - LOG_CHARS))
            tail = log.read().decode("utf-8", "replace")
        # 137 is bwrap passing on a SIGKILL of the entrypoint; with no results and no
        # deadline passed, the kernel (or the cgroup) killed it for memory.
        died = cgroup_oom or "MemoryError" in tail or proc.returncode in (-9, 137)
        nproc = (
            PROCESSES if os.getuid() else "not enforced: root's processes are exempt"
        )
        return RunOutcome(
            exit_code=proc.returncode,
            timed_out=timed_out,
            out_of_memory=died and not timed_out and not job.results_path.exists(),
            log_tail=tail,
            integrity={
                "isolation": "bwrap",
                "unshared": list(UNSHARED),
                "network": "none (empty network namespace)",
                "read_only_root": True,
                "user": f"{SANDBOX_ID}:{SANDBOX_ID}",
                "capabilities": "all dropped",
                "memory_mb": limits.memory_mb,
                "rlimits": {**rlimits, "nproc": nproc},
                "tmpfs_mb": {"/tmp": TMP_MB, "/job/work": WORK_MB, "/dev/shm": SHM_MB},
                "cgroup": cgroup_note,
            },
        )

    def _make_cgroup(self, memory_mb: int) -> tuple[Path | None, str]:
        if self.cgroup_parent is None:
            return None, "not used: no delegated cgroup v2 subtree with memory and pids"
        cgroup = self.cgroup_parent / f"grader-{uuid.uuid4().hex[:12]}"
        try:
            cgroup.mkdir()
            (cgroup / "memory.max").write_text(str(memory_mb * MB))
            if (cgroup / "memory.swap.max").exists():  # memory = memory + swap
                (cgroup / "memory.swap.max").write_text("0")
            (cgroup / "pids.max").write_text(str(PROCESSES))
        except OSError as exc:
            _remove_cgroup(cgroup)
            return None, f"not used: {cgroup} could not be set up ({exc.strerror})"
        return cgroup, f"v2 {cgroup}: memory.max {memory_mb} MB, pids.max {PROCESSES}"


def _argv(job: Job, rlimits: dict[str, int], cgroup: Path | None) -> list[str]:
    prlimit = shutil.which("prlimit") or "prlimit"
    outer = [prlimit, *(f"--{k}={v}" for k, v in rlimits.items()), "--"]
    # RLIMIT_NPROC counts the real uid's processes, so set on the host it would fail runs
    # whenever the caller's uid has many processes. Set inside the new user namespace it
    # counts only the sandbox's own processes (per-namespace counts, Linux 5.14+). The
    # kernel exempts a real uid of root: for a root caller only a cgroup's pids.max binds.
    inner = [prlimit, f"--nproc={PROCESSES}", "--"]
    entry = [sys.executable, "-I", "-m", "grader.runner.inside", "/job"]
    argv = [*outer, shutil.which("bwrap") or "bwrap", *_bwrap_args(job)]
    argv += ["--", *inner, *entry]
    # The shell joins the cgroup, then execs: nothing is forked outside it first.
    if cgroup is not None:
        procs = str(cgroup / "cgroup.procs")
        argv = ["/bin/sh", "-c", 'echo 0 > "$0" && exec "$@"', procs, *argv]
    return argv


def _bwrap_args(job: Job) -> list[str]:
    args = ["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
    args += ["--cap-drop", "ALL", "--uid", SANDBOX_ID, "--gid", SANDBOX_ID]
    args += ["--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(SHM_MB * MB), "--tmpfs", "/dev/shm"]
    # /tmp first: a virtualenv or checkout under /tmp is then bound on top of it, not hidden.
    args += ["--size", str(TMP_MB * MB), "--perms", "1777", "--tmpfs", "/tmp"]
    args += ["--ro-bind", "/usr", "/usr"]
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
    job_root = str(job.root)
    for part in ("job.json", "submission", "hidden"):
        args += ["--ro-bind", f"{job_root}/{part}", f"/job/{part}"]
    args += ["--bind", f"{job_root}/out", "/job/out"]
    args += ["--size", str(WORK_MB * MB), "--perms", "1777", "--tmpfs", "/job/work"]
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/job"]
    path = f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
    args += ["--clearenv", "--setenv", "PATH", path, "--setenv", "LANG", "C.UTF-8"]
    args += ["--setenv", "HOME", "/tmp", "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    return args


def _oom_killed(cgroup: Path | None) -> bool:
    try:
        events = (cgroup / "memory.events").read_text() if cgroup else ""
    except OSError:
        return False
    return re.search(r"^oom_kill [1-9]", events, re.MULTILINE) is not None


def _remove_cgroup(cgroup: Path | None) -> None:
    if cgroup is None:
        return
    for _ in range(25):
        try:
            if (cgroup / "cgroup.kill").exists():  # Linux 5.14+: kills every member
                (cgroup / "cgroup.kill").write_text("1")
            cgroup.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # busy while its last processes exit
            time.sleep(0.02)
