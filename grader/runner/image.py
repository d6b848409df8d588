"""The runner image: an offline base (debootstrap), the wheelhouse, the build, doctor.

No container registry is assumed: the base the Dockerfile names is created from the
Debian mirror the host's apt already uses, and the build installs wheels from
build/wheelhouse/ with the network off. `python -m grader.runner.image --help`.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pyproject.toml pulls tomli in for 3.10
    import tomli as tomllib

# The tools that grade a submission, defined once: the wheelhouse, the label hash and
# doctor's staleness check all read this list. dumb-init is the container's PID 1
# (reaps zombies, forwards signals); as a wheel it works on any base image.
RUNNER_REQUIREMENTS = ["pytest>=8", "flake8>=7", "black>=24", "coverage>=7"]
INIT_REQUIREMENT = "dumb-init>=1.2.5"
DEFAULT_TAG = "grader-runner:latest"
DEFAULT_BASE = "python:3.11-slim"
SIZE_LIMIT_BYTES = 500 * 1000 * 1000  # "MB" as `docker images` counts them
LABEL_HASH = "io.grader.runner.hash"
LABEL_VERSION = "org.opencontainers.image.version"
LABEL_WHEELS = "io.grader.runner.wheels"
SUITE = "bookworm"  # Debian 12: its python3 is 3.11, so cp311 wheels fit
GLIBC_MINOR = 36  # bookworm's glibc: manylinux wheels from 2.17 up to 2.36 run on it
BASE_PACKAGES = ["python3", "ca-certificates"]
REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE_FIX = "nohup dockerd >/tmp/dockerd.log 2>&1 &  # or: sudo systemctl start docker"
CLI = "python -m grader.runner.image"

Progress = Callable[[str], None]


def _quiet(line: str) -> None:
    """Default progress sink: a library does not print unless asked."""


class ImageError(RuntimeError):
    """Something the user can fix; the first line of the message says what to do."""


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""


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
def build_context() -> Iterator[Path]:
    """The folder the runner image is built from: the checkout grader runs from, or, for a
    wheel install, a temporary one laid out like a checkout from the installed package.
    """
    if (REPO_ROOT / "Dockerfile").is_file() and (
        REPO_ROOT / "pyproject.toml"
    ).is_file():
        yield REPO_ROOT
        return
    package = Path(__file__).resolve().parents[1]
    shipped = package / "_build_context"
    if not (shipped / "Dockerfile").is_file():
        raise ImageError(
            f"this grader installation ({package}) carries no Dockerfile: reinstall it from "
            "a wheel built by `pip install .`, or run from a grader checkout"
        )
    with tempfile.TemporaryDirectory(prefix="grader-build-context-") as tmp:
        context = Path(tmp)
        shutil.copytree(shipped, context, dirs_exist_ok=True)
        skip = shutil.ignore_patterns(
            "__pycache__", "_bundled_exercises", "_build_context"
        )
        shutil.copytree(package, context / "grader", ignore=skip)
        shutil.copytree(
            package / "_bundled_exercises",
            context / "exercises",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        yield context


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Take turns over `path` with other processes on this machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# --- the offline base ----------------------------------------------------------------


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


def bootstrap_base(
    tag: str = DEFAULT_BASE,
    *,
    progress: Progress = _quiet,
    suite: str = SUITE,
    mirror: str | None = None,
) -> str:
    """Create image `tag`: minimal Debian with Python 3.11, no registry. Returns its id.

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
    script = Path(__file__).with_name("bootstrap_base.sh")
    cmd = ["bash", str(script), str(root), tag, suite, mirror, str(cache)]
    cmd += [",".join(BASE_PACKAGES), keyring or ""]
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


# --- the runner image ----------------------------------------------------------------


def requirements(context: Path = REPO_ROOT) -> list[str]:
    """What the image installs: the tools, the exercises' libraries, the init, and grader."""
    return [
        *RUNNER_REQUIREMENTS,
        *exercise_libraries(context),
        INIT_REQUIREMENT,
        "grader",
    ]


def exercise_libraries(context: Path = REPO_ROOT) -> list[str]:
    """What the bundled exercises import: the `exercises` extra of pyproject.toml.

    One list for the image and for hosts grading locally. One image for every stage:
    together these stay well inside the 500 MB budget (see `grader runner doctor`).
    """
    pyproject = context / "pyproject.toml"
    if not pyproject.is_file():
        raise ImageError(f"no pyproject.toml in {context}: run in a grader checkout")
    meta = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return list(meta["project"]["optional-dependencies"]["exercises"])


def staleness_hash(dockerfile: bytes, reqs: Iterable[str]) -> str:
    """sha256 of the Dockerfile and the (order-free) requirement list."""
    digest = hashlib.sha256(dockerfile)
    digest.update(b"\0" + "\n".join(sorted(r.strip() for r in reqs)).encode())
    return digest.hexdigest()


def current_hash(context: Path = REPO_ROOT) -> str:
    dockerfile = context / "Dockerfile"
    if not dockerfile.is_file():
        raise ImageError(f"no Dockerfile in {context}: run in a grader checkout")
    # The image carries the grader package itself: a change to its sources makes it stale.
    sources = sorted((context / "grader").rglob("*.py")) + sorted(
        (context / "grader").rglob("*.json")
    )
    digest = "".join(
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sources
        if "__pycache__" not in p.parts
    )
    return staleness_hash(
        dockerfile.read_bytes() + digest.encode(), requirements(context)
    )


def grader_version(context: Path = REPO_ROOT) -> str:
    try:
        pyproject = tomllib.loads((context / "pyproject.toml").read_text())
        return str(pyproject["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def make_wheelhouse(context: Path = REPO_ROOT, progress: Progress = _quiet) -> Path:
    """Fill context/build/wheelhouse with cp311 manylinux wheels for the container."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if machine not in ("x86_64", "aarch64"):
        raise ImageError(f"no manylinux wheels for {machine}: use x86_64 or arm64")
    house = context / "build" / "wheelhouse"
    # Start empty: an old wheel of the same version would otherwise be installed.
    shutil.rmtree(house, ignore_errors=True)
    house.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    reqs = requirements(context)
    # grader is built from the working tree; naming the wheel file in `pip download` below
    # resolves its dependencies for the container.
    cmd = [*pip, "wheel", "--no-deps", "-w", str(house), str(context)]
    _run("pip wheel", cmd, progress, "fix pyproject.toml so `pip wheel .` works")
    wanted = [r for r in reqs if r != "grader"]
    wanted += [str(p) for p in house.glob("grader-*.whl")]
    # Resolve for the container, not for this host's Python. pip does not widen a
    # manylinux_2_X platform to older glibcs by itself, so each one is named.
    plats = [f"manylinux_2_{m}_{machine}" for m in range(GLIBC_MINOR, 16, -1)]
    cmd = [*pip, "download", "--only-binary=:all:", "--implementation", "cp"]
    cmd += ["--abi", "cp311", "--python-version", "3.11", "-d", str(house)]
    cmd += [f"--platform={p}" for p in [f"manylinux2014_{machine}", *plats]]
    fix = "check that PyPI is reachable (pip config list) and rerun"
    _run("pip download", [*cmd, "pip", *wanted], progress, fix)
    (house / "requirements.txt").write_text("\n".join(reqs) + "\n")
    return house


def _client(timeout: int = 60) -> Any:
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except ImportError as exc:
        raise ImageError("docker SDK missing: pip install 'docker>=7,<8'") from exc
    except Exception as exc:  # any failure to reach the engine has the same fix
        raise ImageError(f"Docker engine not reachable ({exc}): {ENGINE_FIX}") from exc


def _ensure_base(client: Any, base: str, progress: Progress) -> None:
    import docker.errors

    try:
        client.images.get(base)
    except docker.errors.ImageNotFound:
        try:
            progress(f"pulling {base}")
            client.images.pull(base)
        except docker.errors.DockerException as exc:
            progress(f"cannot pull {base} ({str(exc).strip()}); bootstrapping it")
            bootstrap_base(base, progress=progress)


def consume_build(
    stream: Iterable[dict[str, Any]], progress: Progress
) -> tuple[str, list[str]]:
    """Forward a decoded build stream to `progress`.

    Returns the image id and the ids of the earlier stages' last images (the classic
    builder prints " ---> ID" after each step and "Step i/n : FROM" at each stage).
    """
    tail: deque[str] = deque(maxlen=40)
    image_id, last, stages = "", "", []
    for chunk in stream:
        for line in str(chunk.get("stream") or chunk.get("status") or "").splitlines():
            if line.strip():
                tail.append(line)
                progress(line)
            if re.match(r"Step \d+/\d+ : FROM ", line) and last:
                stages.append(last)
            done = re.match(r" ---> ([0-9a-f]+)$", line)  # not "---> Running in"
            last = done.group(1) if done else last
        image_id = chunk.get("aux", {}).get("ID", image_id)
        if "error" in chunk or "errorDetail" in chunk:
            error = str(chunk.get("error") or chunk["errorDetail"].get("message", ""))
            tail.append(error)
            first = (error.strip() or "unknown error").splitlines()[0]
            raise ImageError(
                f"docker build failed ({first}): fix the step below, then "
                f"`{CLI} build`\n" + "\n".join(tail)
            )
    if not image_id:
        raise ImageError("docker build gave no image id: rerun\n" + "\n".join(tail))
    return image_id, stages


def build_image(
    tag: str = DEFAULT_TAG,
    *,
    base: str = DEFAULT_BASE,
    progress: Progress = _quiet,
    context: Path = REPO_ROOT,
) -> str:
    """Build the runner image `tag` on `base` (bootstrapped offline if missing)."""
    reqs_hash = current_hash(context)
    client = _client(timeout=900)  # a long silent build step must not time out
    import docker.errors

    # Builds from one checkout (two test sessions, say) take turns: neither may swap
    # the wheelhouse under the other, and a missing base is bootstrapped once.
    with _locked(context / "build" / ".lock"):
        _ensure_base(client, base, progress)
        house = make_wheelhouse(context, progress)
        # What exactly went in (name==version), to reproduce a scorecard's run.
        wheels = sorted("==".join(w.name.split("-")[:2]) for w in house.glob("*.whl"))
        labels = {LABEL_HASH: reqs_hash, LABEL_VERSION: grader_version(context)}
        labels[LABEL_WHEELS] = " ".join(wheels)
        try:
            replaced = client.images.get(tag).id
        except docker.errors.DockerException:
            replaced = ""
        try:
            stream = client.api.build(
                path=str(context), tag=tag, buildargs={"BASE_IMAGE": base},
                labels=labels, rm=True, forcerm=True, pull=False, decode=True,
                network_mode="none",
            )  # fmt: skip
            image_id, stages = consume_build(stream, progress)
        except docker.errors.DockerException as exc:
            raise ImageError(f"docker build failed ({exc}): {ENGINE_FIX}") from exc
    # The builder stage and the image this one replaced are left untagged, ~100 MB a
    # build. Remove exactly those, unforced: the engine refuses while one is still
    # tagged, used by a container or a parent of another image.
    for old in {*stages, replaced} - {"", image_id}:
        try:
            client.images.remove(old)
        except docker.errors.DockerException:
            pass
    return image_id


# --- doctor --------------------------------------------------------------------------


def doctor(
    tag: str = DEFAULT_TAG, *, base: str = DEFAULT_BASE, context: Path = REPO_ROOT
) -> list[Finding]:
    """What stands between this machine and a sandboxed grading run. Never raises."""
    bwrap = shutil.which("bwrap")
    last = Finding("bwrap", bool(bwrap), bwrap or "bwrap not on PATH",
                   "" if bwrap else "sudo apt-get install bubblewrap")  # fmt: skip
    try:
        import docker
        import docker.errors
    except ImportError:
        fix = "pip install 'docker>=7,<8'"
        return [Finding("docker-sdk", False, "docker SDK not importable", fix), last]
    found = [Finding("docker-sdk", True, f"docker {docker.__version__}")]
    try:
        client = _client(timeout=10)
        found.append(Finding("engine", True, f"engine {client.version()['Version']}"))
    except Exception as exc:
        detail = f"Docker engine not reachable: {exc.__cause__ or exc}"
        found.append(Finding("engine", False, detail.splitlines()[0], ENGINE_FIX))
        return [*found, last]
    build_fix = f"{CLI} build --tag {tag} --base {base}"
    image = None
    for name, ref, fix in (
        ("base-image", base, f"{CLI} bootstrap --tag {base}"),
        ("runner-image", tag, build_fix),
    ):
        try:
            image = client.images.get(ref)
            found.append(Finding(name, True, f"{ref} {image.short_id}"))
        except Exception as exc:
            image = None
            missing = isinstance(exc, docker.errors.ImageNotFound)
            detail = f"image {ref} not found" if missing else f"{ref}: {exc}"
            found.append(Finding(name, False, detail, fix))
    if image is not None:  # the runner image, from the last round of the loop
        try:
            labels = image.labels or {}
            fresh = labels.get(LABEL_HASH) == current_hash(context)
            fresh = fresh and labels.get(LABEL_VERSION) == grader_version(context)
            detail = "matches" if fresh else "Dockerfile/requirements/version changed"
            found.append(
                Finding("image-stale", fresh, detail, "" if fresh else build_fix)
            )
        except ImageError as exc:
            found.append(Finding("image-stale", False, str(exc), build_fix))
        size = image.attrs.get("Size", 0)
        ok = size <= SIZE_LIMIT_BYTES
        detail = f"{size / 1e6:.1f} MB (limit {SIZE_LIMIT_BYTES / 1e6:.0f} MB)"
        fix = "" if ok else f"{CLI} bootstrap --tag {base} && {build_fix}"
        found.append(Finding("image-size", ok, detail, fix))
    return [*found, last]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=CLI, description=__doc__)
    parser.add_argument("command", choices=["bootstrap", "build", "doctor"])
    parser.add_argument("--tag", help=f"image tag (default {DEFAULT_TAG})")
    parser.add_argument("--base", default=DEFAULT_BASE)
    args = parser.parse_args(argv)
    try:
        if args.command == "bootstrap":
            print(bootstrap_base(args.tag or args.base, progress=print))
        elif args.command == "build":
            print(build_image(args.tag or DEFAULT_TAG, base=args.base, progress=print))
        else:
            findings = doctor(args.tag or DEFAULT_TAG, base=args.base)
            for f in findings:
                print(f"{'ok ' if f.ok else 'BAD'} {f.name}: {f.detail}")
                if f.fix:
                    print(f"    fix: {f.fix}")
            return 0 if all(f.ok for f in findings) else 1
    except ImageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
