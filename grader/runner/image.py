"""The runner image: the wheelhouse, the staleness hash and the build.

No container registry is assumed: the base the Dockerfile names is made offline
(`image_base.py`), and the build installs wheels from build/wheelhouse/ with the network
off. `grader runner --help`; `grader runner doctor` checks a machine (`image_doctor.py`).
"""

from __future__ import annotations

import contextlib
import hashlib
import platform
import re
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from grader.runner.image_base import (
    CLI,
    DEFAULT_BASE,
    ImageError,
    Progress,
    _locked,
    _quiet,
    _run,
    bootstrap_base,
)
from grader.registry.checks import runner_tools
from grader.tomlfile import TomlError, load_toml

# The tools that grade a submission, as the sandbox's checks declare them (`tools`): the
# wheelhouse, the label hash and doctor's staleness check all read this list. dumb-init is
# the container's PID 1 (reaps zombies, forwards signals); as a wheel it works on any base.
RUNNER_REQUIREMENTS = runner_tools()
# Installed from their pure-Python wheel: mypy's compiled one would take about 70 MB of the
# image's 500 MB, and the pure one checks a solution file in a few seconds.
PURE_PYTHON = ("mypy",)
INIT_REQUIREMENT = "dumb-init>=1.2.5"
# grader's own distribution on PyPI (the import package and the command are `grader`).
DISTRIBUTION = "grader-harness"
DEFAULT_TAG = "grader-runner:latest"
SIZE_LIMIT_BYTES = 500 * 1000 * 1000  # "MB" as `docker images` counts them
LABEL_HASH = "io.grader.runner.hash"
LABEL_VERSION = "org.opencontainers.image.version"
LABEL_WHEELS = "io.grader.runner.wheels"
GLIBC_MINOR = 36  # bookworm's glibc: manylinux wheels from 2.17 up to 2.36 run on it
REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE_FIX = "nohup dockerd >/tmp/dockerd.log 2>&1 &  # or: sudo systemctl start docker"


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


# --- the runner image ----------------------------------------------------------------


def requirements(context: Path = REPO_ROOT) -> list[str]:
    """What the image installs: the tools, the exercises' libraries, the init, and grader."""
    return [
        *RUNNER_REQUIREMENTS,
        *exercise_libraries(context),
        INIT_REQUIREMENT,
        DISTRIBUTION,
    ]


def exercise_libraries(context: Path = REPO_ROOT) -> list[str]:
    """What the bundled exercises import: the `exercises` extra of pyproject.toml.

    One list for the image and for hosts grading locally. One image for every stage:
    together these stay well inside the 500 MB budget (see `grader runner doctor`).
    """
    pyproject = context / "pyproject.toml"
    if not pyproject.is_file():
        raise ImageError(f"no pyproject.toml in {context}: run in a grader checkout")
    meta = load_toml(pyproject.read_text(encoding="utf-8"))
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
        pyproject = load_toml((context / "pyproject.toml").read_text())
        return str(pyproject["project"]["version"])
    except (OSError, KeyError, TomlError):
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
    wanted = [r for r in reqs if r != DISTRIBUTION]
    wanted += [str(p) for p in house.glob("grader_harness-*.whl")]
    # Resolve for the container, not for this host's Python. pip does not widen a
    # manylinux_2_X platform to older glibcs by itself, so each one is named.
    plats = [f"manylinux_2_{m}_{machine}" for m in range(GLIBC_MINOR, 16, -1)]
    cmd = [*pip, "download", "--only-binary=:all:", "--implementation", "cp"]
    cmd += ["--abi", "cp311", "--python-version", "3.11", "-d", str(house)]
    cmd += [f"--platform={p}" for p in [f"manylinux2014_{machine}", *plats]]
    fix = "check that PyPI is reachable (pip config list) and rerun"
    _run("pip download", [*cmd, "pip", *wanted], progress, fix)
    _pure_python_wheels(house, pip, progress)
    (house / "requirements.txt").write_text("\n".join(reqs) + "\n")
    return house


def _pure_python_wheels(house: Path, pip: list[str], progress: Progress) -> None:
    """Swap the compiled wheel of each PURE_PYTHON distribution for its pure-Python
    wheel of the same version (the build installs from the wheelhouse alone)."""
    for name in PURE_PYTHON:
        for wheel in house.glob(f"{name}-*.whl"):
            if wheel.name.endswith("-none-any.whl"):
                continue
            version = wheel.name.split("-")[1]
            wheel.unlink()
            cmd = [
                *pip,
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(house),
            ]
            cmd += ["--implementation", "py", "--abi", "none", "--platform", "any"]
            cmd += ["--python-version", "3.11", f"{name}=={version}"]
            fix = f"check that PyPI has a py3-none-any wheel of {name} {version}"
            _run("pip download", cmd, progress, fix)


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
