"""The runner image's offline base: minimal Debian with Python 3.11, made with debootstrap
from the Debian mirror the host's apt already uses (no container registry), and the small
pieces every image step shares (its error, progress lines, running a tool, taking turns).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_BASE = "python:3.11-slim"
SUITE = "bookworm"  # Debian 12: its python3 is 3.11, so cp311 wheels fit
# python3-venv: `python -m venv` works, and its pip wheel gives the base its pip.
BASE_PACKAGES = ["python3", "python3-venv", "ca-certificates"]
CLI = "grader runner"
# On a base this module bootstrapped: how it was made, to tell an older recipe's base.
LABEL_BASE = "io.grader.base"
LABEL_RECIPE = "io.grader.base.recipe"
BOOTSTRAP_SCRIPT = Path(__file__).with_name("bootstrap_base.sh")

Progress = Callable[[str], None]


def _quiet(line: str) -> None:
    """Default progress sink: a library does not print unless asked."""


class ImageError(RuntimeError):
    """Something the user can fix; the first line of the message says what to do."""


def _run(what: str, cmd: list[str], progress: Progress, fix: str) -> str:
    """Run `cmd`, streaming output lines; on failure raise ImageError with the tail."""
    tail: deque[str] = deque(maxlen=40)
    try:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    except OSError as exc:
        raise ImageError(f"{what}: cannot run {cmd[0]} ({exc}): {fix}") from exc
    assert proc.stdout is not None
    for line in proc.stdout:
        tail.append(line.rstrip())
        progress(line.rstrip())
    if proc.wait() != 0:
        rc = proc.returncode
        raise ImageError(f"{what} failed (exit {rc}): {fix}\n" + "\n".join(tail))
    return "\n".join(tail)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Take turns over `path` with other processes on this machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def find_debian_mirror(
    suite: str = SUITE, roots: Iterable[Path] = (Path("/etc/apt"),)
) -> tuple[str, str | None]:
    """(mirror URI, keyring or None) of the first enabled `deb` source serving `suite`.

    Reads sources.list, sources.list.d/*.list and deb822 *.sources as apt does (apt
    ignores other file names, so this does too). GRADER_DEBIAN_MIRROR overrides.
    """
    if os.environ.get("GRADER_DEBIAN_MIRROR"):
        return os.environ["GRADER_DEBIAN_MIRROR"], None
    for root in roots:
        files = [root / "sources.list", *sorted(root.glob("sources.list.d/*.list"))]
        for path in [*files, *sorted(root.glob("sources.list.d/*.sources"))]:
            for types, uris, suites, keyring in _entries(path):
                web = [u for u in uris if u.split(":")[0] in ("http", "https", "file")]
                if "deb" in types and suite in suites and web:
                    return web[0], keyring
    raise ImageError(
        f"no Debian mirror for {suite!r} in /etc/apt sources: set "
        "GRADER_DEBIAN_MIRROR=<mirror URL ending in /debian> and rerun"
    )


def _entries(path: Path) -> Iterator[tuple[list[str], list[str], list[str], Any]]:
    """(types, URIs, suites, keyring) of each enabled entry of one apt sources file."""
    if not path.is_file():
        return
    lines = path.read_text(errors="replace").splitlines()
    # Drop comment lines whole: an emptied line would split a deb822 stanza.
    text = "\n".join(ln for ln in lines if not ln.lstrip().startswith("#"))
    if path.suffix == ".list":  # one-line format: deb [options] URI suite components
        for line in text.splitlines():
            words = re.sub(r"\[[^]]*\]", " ", line).split()
            if len(words) >= 3:
                yield words[:1], words[1:2], words[2:3], None
        return
    for para in re.split(r"\n\s*\n", text):  # deb822: blank-line separated stanzas
        fields = dict(re.findall(r"^([\w-]+):[ \t]*(.*)$", para, re.M))
        key = fields.get("Signed-By", "").strip()  # a path, or an inline key
        if fields.get("Enabled", "yes").strip().lower() != "no":
            split = [fields.get(k, "").split() for k in ("Types", "URIs", "Suites")]
            keyring = key if key.startswith("/") and Path(key).is_file() else None
            yield split[0], split[1], split[2], keyring


def base_recipe() -> str:
    """A digest of how the base is made (the script and the packages): a base whose
    LABEL_RECIPE differs was bootstrapped by an older grader and lacks what this one adds.
    """
    digest = hashlib.sha256(BOOTSTRAP_SCRIPT.read_bytes())
    digest.update(",".join(BASE_PACKAGES).encode())
    return digest.hexdigest()[:16]


def outdated_bootstrap(labels: dict[str, str] | None) -> bool:
    """Whether an image with these labels is a base bootstrapped by an older recipe (a
    pulled base, which has no such label, never is)."""
    labels = labels or {}
    return LABEL_BASE in labels and labels.get(LABEL_RECIPE) != base_recipe()


def bootstrap_base(
    tag: str = DEFAULT_BASE,
    *,
    progress: Progress = _quiet,
    suite: str = SUITE,
    mirror: str | None = None,
) -> str:
    """Create image `tag`: minimal Debian with Python 3.11 and pip, no registry. Returns
    its id.

    The steps (debootstrap, slimming, `tar | docker import`) are in bootstrap_base.sh.
    """
    for tool, pkg in (("debootstrap", "debootstrap"), ("docker", "docker.io")):
        if shutil.which(tool) is None:
            raise ImageError(f"{tool} not found: sudo apt-get install {pkg}")
    if os.geteuid() != 0:
        raise ImageError(f"debootstrap needs root: sudo {CLI} bootstrap")
    keyring = None
    if mirror is None:
        mirror, keyring = find_debian_mirror(suite)
    # The .debs are kept between runs so a second bootstrap does not download again.
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    cache = cache / "grader" / f"debootstrap-{suite}-{platform.machine()}"
    cache.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="grader-base-", dir="/var/tmp"))
    cmd = ["bash", str(BOOTSTRAP_SCRIPT), str(root), tag, suite, mirror, str(cache)]
    cmd += [",".join(BASE_PACKAGES), base_recipe(), keyring or ""]
    progress(f"debootstrap {suite} from {mirror} into {root}")
    fix = "check the mirror (or set GRADER_DEBIAN_MIRROR) and the log below"
    try:
        with _locked(cache / ".lock"):  # concurrent bootstraps share the .deb cache
            out = _run("bootstrap", cmd, progress, fix)
        return out.splitlines()[-1].strip()  # `docker import` prints the id last
    finally:
        _remove_tree(root)


def _remove_tree(root: Path) -> None:
    """Delete the rootfs, never through a mount debootstrap left behind.

    Inside a container debootstrap bind-mounts the host's /dev (and it mounts proc and
    sys anywhere); rmtree through those would delete host files. So unmount first, and
    leave the tree in place if anything stays mounted.
    """

    def mounts() -> list[str]:
        lines = Path("/proc/self/mounts").read_text().splitlines()
        return [m for m in (ln.split()[1] for ln in lines) if m.startswith(f"{root}/")]

    for mnt in sorted(mounts(), reverse=True):
        subprocess.run(["umount", "-l", mnt], check=False)
    if not mounts():
        shutil.rmtree(root, ignore_errors=True)
