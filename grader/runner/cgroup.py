"""One cgroup per grading: memory (with swap), process and CPU limits for a bwrap sandbox.

A delegated cgroup v2 subtree is used first (it needs no root); otherwise, when the grader
runs as root, the cgroup v1 hierarchies (memory, pids, cpu). Children are created under the
grader's own cgroup in each hierarchy, so whatever limits the grader itself runs under still
hold. The CPU quota matches a Docker container's (`SandboxLimits.cpus`), and every grading
gets the same weight, so a busy loop in one grading cannot starve another.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

MB = 1024 * 1024
CPU_PERIOD_US = 100_000
# Equal weights: concurrent gradings share contended CPUs evenly (the kernels' defaults).
CPU_WEIGHT_V2, CPU_SHARES_V1 = 100, 1024
V1_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu")
HOW_TO_GET_ONE = (
    "run the grader as root on a machine with cgroup v1 or v2, or give it a delegated "
    "cgroup v2 subtree with the memory, pids and cpu controllers (for instance "
    "`systemd-run --user --scope -p Delegate=yes grader ...`)"
)


def missing_text(why: str) -> str:
    """What a run without (every) cgroup limit lacks, and how to get it."""
    return f"cgroup limits are missing ({why}); to get them, {HOW_TO_GET_ONE}"


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    pids: int
    cpus: float


@dataclass
class Cgroup:
    """A grading's cgroup: `paths` maps each controller to its folder (one folder in v2)."""

    version: str
    paths: dict[str, Path]
    limits: Limits
    missing: list[str] = field(default_factory=list)

    @property
    def procs_files(self) -> list[Path]:
        return sorted({p / "cgroup.procs" for p in self.paths.values()})

    def join(self) -> None:
        """Move the calling process in: for a child between fork and exec (preexec)."""
        for procs in self.procs_files:
            procs.write_text(str(os.getpid()))

    def describe(self) -> str:
        folders = sorted({str(p) for p in self.paths.values()})
        limits = self.limits
        text = (
            f"{self.version} {', '.join(folders)}: memory {limits.memory_mb} MB "
            f"(swap included), pids {limits.pids}"
        )
        if "cpu" in self.paths:
            text += f", cpu {limits.cpus:g} CPUs at equal weight"
        return text

    def oom_killed(self) -> bool:
        """True when the kernel killed a process of this cgroup for memory."""
        memory = self.paths.get("memory")
        name = "memory.events" if self.version == "v2" else "memory.oom_control"
        with contextlib.suppress(OSError):
            events = (memory / name).read_text() if memory else ""
            return re.search(r"^oom_kill [1-9]", events, re.MULTILINE) is not None
        return False

    def kill(self, seconds: float = 5.0) -> None:
        """SIGKILL every process left in the cgroup."""
        if self.version == "v2":
            kill_file = self.paths["memory"] / "cgroup.kill"
            with contextlib.suppress(OSError):
                if kill_file.exists():  # Linux 5.14+
                    kill_file.write_text("1")
                    return
        # The pids limit bounds a fork bomb, so a few sweeps empty the cgroup.
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pids = self._pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self, seconds: float = 5.0) -> None:
        """Kill what is left, then remove the folders (a killed process leaves in a moment)."""
        self.kill()
        deadline = time.monotonic() + seconds
        for folder in sorted(set(self.paths.values())):
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() >= deadline or not _is_cgroup(folder):
                        _remove_plain(folder)
                        break
                    time.sleep(0.02)

    def _pids(self) -> list[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            with contextlib.suppress(OSError, ValueError):
                found |= {int(p) for p in procs.read_text().split()}
        return sorted(found)


def create(limits: Limits, v2_parent: Path | None) -> tuple[Cgroup | None, str]:
    """A fresh cgroup with `limits`, or None and why not (what is missing, what to do)."""
    reasons = []
    if v2_parent is not None:
        made, why = _create_v2(v2_parent, limits)
        if made is not None:
            return made, ""
        reasons.append(why)
    if os.geteuid() == 0:
        made, why = _create_v1(limits)
        if made is not None:
            return made, ""
        reasons.append(why)
    else:
        reasons.append("no delegated cgroup v2 subtree, and cgroup v1 needs root")
    return None, "; ".join(reasons)


def _create_v2(parent: Path, limits: Limits) -> tuple[Cgroup | None, str]:
    folder = parent / f"grader-{uuid.uuid4().hex[:12]}"
    try:
        folder.mkdir()
        (folder / "memory.max").write_text(str(limits.memory_mb * MB))
        if (folder / "memory.swap.max").exists():  # memory = memory + swap
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(str(limits.pids))
        missing = []
        if (folder / "cpu.max").exists():
            quota = int(limits.cpus * CPU_PERIOD_US)
            (folder / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")
            (folder / "cpu.weight").write_text(str(CPU_WEIGHT_V2))
        else:
            missing.append("cpu (the cpu controller is not delegated)")
    except OSError as exc:
        _remove_plain(folder)
        return None, f"{folder} could not be set up ({exc.strerror})"
    paths = {"memory": folder, "pids": folder}
    if not missing:
        paths["cpu"] = folder
    return Cgroup("v2", paths, limits, missing), ""


def _create_v1(limits: Limits) -> tuple[Cgroup | None, str]:
    own = _own_v1_paths()
    name = f"grader-{uuid.uuid4().hex[:12]}"
    paths: dict[str, Path] = {}
    try:
        for controller in V1_CONTROLLERS:
            base = V1_ROOT / controller
            if not (base / "cgroup.procs").exists():
                raise OSError(0, f"no cgroup v1 {controller} hierarchy at {base}")
            folder = base / own.get(controller, "/").lstrip("/") / name
            folder.mkdir()
            paths[controller] = folder
        memory, cpu = paths["memory"], paths["cpu"]
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory_mb * MB))
        if (memory / "memory.memsw.limit_in_bytes").exists():  # swap accounting on
            (memory / "memory.memsw.limit_in_bytes").write_text(
                str(limits.memory_mb * MB)
            )
        else:
            (memory / "memory.swappiness").write_text("0")
        (paths["pids"] / "pids.max").write_text(str(limits.pids))
        (cpu / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(int(limits.cpus * CPU_PERIOD_US)))
        (cpu / "cpu.shares").write_text(str(CPU_SHARES_V1))
    except OSError as exc:
        Cgroup("v1", paths, limits).remove()
        return None, f"cgroup v1 could not be set up ({exc.strerror or exc})"
    return Cgroup("v1", paths, limits), ""


def _own_v1_paths() -> dict[str, str]:
    """controller -> this process's cgroup in that v1 hierarchy."""
    found: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(","):
                if controller:
                    found[controller] = path
    return found


def _is_cgroup(folder: Path) -> bool:
    return _filesystem(folder) in ("cgroup", "cgroup2")


def _filesystem(folder: Path) -> str:
    """The type of the filesystem `folder` is on, from /proc/self/mounts."""
    best, kind = "", ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and str(folder).startswith(parts[1].rstrip("/") + "/"):
                if len(parts[1]) > len(best):
                    best, kind = parts[1], parts[2]
    return kind


def _remove_plain(folder: Path) -> None:
    """A folder that only stood in for a cgroup (tests), or one that half exists."""
    with contextlib.suppress(OSError):
        folder.rmdir()
        return
    if _is_cgroup(folder):
        return  # a real cgroup that is still busy: never unlink inside cgroupfs
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            entry.unlink()
        folder.rmdir()
