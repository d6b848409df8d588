"""The submission's own jail inside a bwrap sandbox.

An unprivileged bwrap sandbox maps one uid, so the entrypoint, the trusted pytest and the
submission cannot be told apart by uid as in Docker. They are told apart by what they can
see instead: every process that runs student code is started by the entrypoint in a nested
bwrap with its own user, pid, mount, ipc, network, uts and cgroup namespaces, no
capabilities and no further user namespaces. Its /job holds only the submission and the
shared configuration (read-only), the student work folder and the hidden tests' scratch
folder (writable): never job.json, the hidden suite, the trusted work folders or the
entrypoint's logs. Its /proc shows only the jail (or nothing, see `fresh_proc`), so no
process outside it can be signalled, traced or read through /proc.

The bwrap backend asks for this with GRADER_JAIL=1 in the sandbox's environment; the Docker
backend separates processes by uid instead and never sets it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

JAIL_ENV = "GRADER_JAIL"
MB = 1024 * 1024
TMPFS_MB = {"/tmp": 64, "/dev/shm": 16, "/job": 1}
# bwrap's init is pid 1 of the jail's pid namespace and starts the command as pid 2.
COMMAND_NSPID = "2"


def enabled() -> bool:
    """True when this sandbox's entrypoint must jail the submission's processes."""
    return os.environ.get(JAIL_ENV) == "1"


@lru_cache(maxsize=1)
def bwrap_options() -> frozenset[str]:
    """What this bwrap supports: --size and --disable-userns are recent (0.8)."""
    usage = subprocess.run(["bwrap", "--help"], capture_output=True, text=True).stdout
    return frozenset(re.findall(r"^\s+(--[a-z0-9-]+)", usage, re.MULTILINE))


def jail_argv(*, cwd: Path, readable: list[Path], writable: list[Path]) -> list[str]:
    """The bwrap command that runs what follows it in the jail (append the command).

    `readable` and `writable` are the only parts of /job the jail sees, at the same paths.
    """
    options = bwrap_options()
    args = ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent"]
    args += ["--new-session", "--cap-drop", "ALL"]
    if "--disable-userns" in options:  # nothing nested further: less kernel exposed
        args.append("--disable-userns")
    # The sandbox's own root is already the minimal view of the system; /job, /tmp,
    # /dev/shm and /proc are replaced below.
    args += ["--ro-bind", "/", "/", *_proc(), "--dev", "/dev"]
    for path, megabytes in TMPFS_MB.items():
        if "--size" in options:
            args += ["--size", str(megabytes * MB)]
        args += ["--tmpfs", path]
    for path in python_under_tmpfs():  # put back what the fresh tmpfs just hid
        args += ["--ro-bind", path, path]
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    args += ["--remount-ro", "/job", "--chdir", str(cwd), "--"]
    return args


@lru_cache(maxsize=1)
def python_under_tmpfs() -> list[str]:
    """Python's own folders that lie under the jail's fresh /tmp or /dev/shm.

    A virtualenv or checkout under /tmp (a CI clone, say) is bound into the sandbox on top
    of its /tmp; the jail's new tmpfs there would hide the interpreter and grader itself.
    """
    import grader

    found = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(grader.__file__),
    }
    found.update(p for p in sys.path if p)
    covered = [p for p in TMPFS_MB if p != "/job"]
    kept: list[str] = []
    for path in sorted({q for p in found for q in (p, os.path.realpath(p))}, key=len):
        inside = any(path == c or path.startswith(c + "/") for c in covered)
        nested = any(path == k or path.startswith(k + "/") for k in kept)
        if inside and not nested and os.path.isdir(path):
            kept.append(path)
    return kept


@lru_cache(maxsize=1)
def fresh_proc() -> bool:
    """True when the jail may mount a /proc of its own.

    The kernel refuses a new procfs in a nested user namespace while the sandbox's /proc
    has anything mounted over its folders, and bwrap started by root covers /proc/irq and
    /proc/bus so. The jail then gets an empty /proc: it still sees no process outside it.
    """
    probe = ["bwrap", "--unshare-all", "--unshare-user", "--ro-bind", "/", "/"]
    probe += ["--proc", "/proc", "--", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _proc() -> list[str]:
    return (
        ["--proc", "/proc"]
        if fresh_proc()
        else ["--tmpfs", "/proc", "--remount-ro", "/proc"]
    )


def jailed_pid(bwrap_pid: int) -> int | None:
    """The pid (in this namespace) of the command a jail's bwrap started, or None.

    Signals sent to bwrap are not passed on, so a signal meant for the command goes to
    this process: pid 2 of the jail's namespace, a child of the jail's init, itself a child
    of bwrap. A process the command left behind is re-parented to the init too, but never
    has pid 2.
    """
    for init in _children(bwrap_pid):
        for child in _children(init):
            if _nspid(child)[-1:] == [COMMAND_NSPID]:
                return child
    return None


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone while we looked
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if len(fields) > 1 and fields[1] == str(parent):
            found.append(int(entry.name))
    return found


def _nspid(pid: int) -> list[str]:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return []
    for line in status.splitlines():
        if line.startswith("NSpid:"):
            return line.split()[1:]
    return []
