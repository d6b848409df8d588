"""The runner images: the wheelhouse, the staleness hashes and the builds.

One core image (the grading tools and grader, from the Dockerfile) and one image per stage
on top of it: the core plus one layer with the stage's libraries and Debian packages, so
the stages share the core's layers and each stays under SIZE_LIMIT_BYTES (docs/images.md).
No container registry is assumed: the base the Dockerfile names is made offline
(`image_base.py`), and every layer installs from build/wheelhouse/ with the network off.
`grader runner --help`; `grader runner doctor` checks a machine (`image_doctor.py`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable, Iterator
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
    outdated_bootstrap,
)
from grader.registry.checks import runner_tools
from grader.runner.docker_backend import CORE_IMAGE, STAGES, stage_image
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
# Debian packages a stage's exercises need besides Python: git for the Git exercise (and
# to read the `git bundle` a submission sends).
STAGE_DEBIAN_PACKAGES: dict[int, tuple[str, ...]] = {1: ("git",)}
LAYER_SCRIPT = Path(__file__).with_name("install_layer.sh")
SEED_SCRIPT = Path(__file__).with_name("seed_tmp.sh")
BUILD_WORKERS = max(1, min(2, os.cpu_count() or 1))
SIZE_LIMIT_BYTES = 500 * 1000 * 1000  # "MB" as `docker images` counts them
LABEL_HASH = "io.grader.runner.hash"
LABEL_VERSION = "org.opencontainers.image.version"
LABEL_WHEELS = "io.grader.runner.wheels"
LABEL_STAGE = "io.grader.runner.stage"
# pip evaluates dependency markers with the host's Python, whatever --python-version says;
# the bootstrapped base has Debian's 3.11.2. What a library needs only below a later 3.11
# is downloaded too (redis: async-timeout below 3.11.3).
MARKER_FILLS = ("async-timeout>=4.0.3",)
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


# --- what goes in ------------------------------------------------------------------


def core_requirements() -> list[str]:
    """What the core image installs: the checks' tools, the init and grader."""
    return [*RUNNER_REQUIREMENTS, INIT_REQUIREMENT, DISTRIBUTION]


def exercise_libraries(
    context: Path = REPO_ROOT, stage: int | None = None
) -> list[str]:
    """What the bundled exercises of `stage` import: pyproject.toml's `exercises-stageN`
    extra; with no stage, the `exercises` extra (every stage's, for hosts grading locally).
    """
    pyproject = context / "pyproject.toml"
    if not pyproject.is_file():
        raise ImageError(f"no pyproject.toml in {context}: run in a grader checkout")
    extras = load_toml(pyproject.read_text(encoding="utf-8"))["project"].get(
        "optional-dependencies", {}
    )
    name = "exercises" if stage is None else f"exercises-stage{stage}"
    if name not in extras:
        raise ImageError(
            f"pyproject.toml has no [project.optional-dependencies] {name}: add it "
            "(an empty list when the stage needs no library)"
        )
    return list(extras[name])


def requirements(context: Path = REPO_ROOT) -> list[str]:
    """Everything the wheelhouse holds, resolved together so the core and every stage
    agree on each shared distribution's version."""
    libraries = [lib for n in STAGES for lib in exercise_libraries(context, n)]
    return [*core_requirements(), *dict.fromkeys(libraries)]


def staleness_hash(dockerfile: bytes, reqs: Iterable[str]) -> str:
    """sha256 of the Dockerfile and the (order-free) requirement list."""
    digest = hashlib.sha256(dockerfile)
    digest.update(b"\0" + "\n".join(sorted(r.strip() for r in reqs)).encode())
    return digest.hexdigest()


def current_hash(context: Path = REPO_ROOT) -> str:
    """The core image's staleness hash: its Dockerfile, the layer script, grader's own
    sources (the image carries the package) and the core's requirements."""
    dockerfile = context / "Dockerfile"
    if not dockerfile.is_file():
        raise ImageError(f"no Dockerfile in {context}: run in a grader checkout")
    exercise_libraries(context)  # a context without pyproject.toml is no checkout
    sources = sorted((context / "grader").rglob("*.py")) + sorted(
        (context / "grader").rglob("*.json")
    )
    digest = "".join(
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sources
        if "__pycache__" not in p.parts
    )
    scripts = LAYER_SCRIPT.read_bytes() + SEED_SCRIPT.read_bytes()
    recipe = dockerfile.read_bytes() + scripts + digest.encode()
    return staleness_hash(recipe, core_requirements())


def stage_hash(stage: int, context: Path = REPO_ROOT) -> str:
    """A stage image's staleness hash: the core's, the stage's libraries and packages."""
    reqs = [*exercise_libraries(context, stage), *_debian(stage)]
    return staleness_hash(current_hash(context).encode(), reqs)


def _debian(stage: int) -> list[str]:
    return [f"debian:{name}" for name in STAGE_DEBIAN_PACKAGES.get(stage, ())]


def grader_version(context: Path = REPO_ROOT) -> str:
    try:
        pyproject = load_toml((context / "pyproject.toml").read_text())
        return str(pyproject["project"]["version"])
    except (OSError, KeyError, TomlError):
        return "unknown"


def make_wheelhouse(context: Path = REPO_ROOT, progress: Progress = _quiet) -> Path:
    """Fill context/build/wheelhouse with cp311 manylinux wheels for the containers, a
    requirements file per image and the layer script."""
    house = context / "build" / "wheelhouse"
    # Start empty: an old wheel of the same version would otherwise be installed.
    shutil.rmtree(house, ignore_errors=True)
    house.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # grader is built from the working tree; naming the wheel file in `pip download` below
    # resolves its dependencies for the container.
    cmd = [*pip, "wheel", "--no-deps", "-w", str(house), str(context)]
    _run("pip wheel", cmd, progress, "fix pyproject.toml so `pip wheel .` works")
    wanted = [r for r in requirements(context) if r != DISTRIBUTION]
    wanted += [str(p) for p in house.glob("grader_harness-*.whl")]
    download_wheels(house, wanted, progress)
    lists = {"core": core_requirements()}
    lists.update({f"stage{n}": exercise_libraries(context, n) for n in STAGES})
    for name, listed in lists.items():
        (house / f"requirements-{name}.txt").write_text(
            "".join(f"{r}\n" for r in listed)
        )
    return house


def download_wheels(
    house: Path, wanted: list[str], progress: Progress = _quiet
) -> None:
    """Download cp311 manylinux wheels of `wanted` (and pip) into `house`, with the
    layer script beside them: a wheelhouse install_layer.sh installs from."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if machine not in ("x86_64", "aarch64"):
        raise ImageError(f"no manylinux wheels for {machine}: use x86_64 or arm64")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # Resolve for the container, not for this host's Python. pip does not widen a
    # manylinux_2_X platform to older glibcs by itself, so each one is named.
    plats = [f"manylinux_2_{m}_{machine}" for m in range(GLIBC_MINOR, 16, -1)]
    cmd = [*pip, "download", "--only-binary=:all:", "--implementation", "cp"]
    cmd += ["--abi", "cp311", "--python-version", "3.11", "-d", str(house)]
    cmd += [f"--platform={p}" for p in [f"manylinux2014_{machine}", *plats]]
    fix = "check that PyPI is reachable (pip config list) and rerun"
    _run("pip download", [*cmd, "pip", *wanted, *MARKER_FILLS], progress, fix)
    _pure_python_wheels(house, pip, progress)
    for script in (LAYER_SCRIPT, SEED_SCRIPT):
        shutil.copy(script, house / script.name)


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
    """Make sure `base` exists: pulled, else bootstrapped; a base an older grader
    bootstrapped (without pip, say) is bootstrapped again."""
    import docker.errors

    try:
        image = client.images.get(base)
    except docker.errors.ImageNotFound:
        try:
            progress(f"pulling {base}")
            client.images.pull(base)
        except docker.errors.DockerException as exc:
            progress(f"cannot pull {base} ({str(exc).strip()}); bootstrapping it")
            bootstrap_base(base, progress=progress)
        return
    if outdated_bootstrap(image.labels):
        progress(f"{base} was bootstrapped by an older recipe; bootstrapping it again")
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


def build_images(
    stages: Iterable[int] = STAGES,
    *,
    base: str = DEFAULT_BASE,
    progress: Progress = _quiet,
    context: Path = REPO_ROOT,
    core_tag: str = CORE_IMAGE,
    tag_for: Callable[[int], str] = stage_image,
) -> dict[str, str]:
    """Build the core image on `base` (bootstrapped offline if missing), then each stage's
    image on the core. Returns {tag: image id}, the core first."""
    stages = sorted(set(stages))
    unknown = [n for n in stages if n not in STAGES]
    if unknown:
        raise ImageError(f"no stage {unknown[0]}: pick one of {list(STAGES)}")
    client = _client(timeout=900)  # a long silent build step must not time out
    # Builds from one checkout (two test sessions, say) take turns: neither may swap
    # the wheelhouse under the other, and a missing base is bootstrapped once.
    tags = [core_tag, *(tag_for(n) for n in stages)]
    with _locked(context / "build" / ".lock"):
        replaced = [_image_id(client, tag) for tag in reversed(tags)]
        _ensure_base(client, base, progress)
        house = make_wheelhouse(context, progress)
        built = {
            core_tag: _build_core(client, core_tag, base, house, progress, context)
        }

        def stage_layer(stage: int) -> tuple[str, str]:
            say = _prefixed(progress, f"stage{stage} | ")
            own = _client(timeout=900)  # a client per thread
            debs = fetch_debs(own, base, STAGE_DEBIAN_PACKAGES.get(stage, ()),
                              context / "build" / "debs" / f"stage{stage}", say)  # fmt: skip
            labels = _labels(house, stage_hash(stage, context), context)
            labels[LABEL_STAGE] = str(stage)
            tag = tag_for(stage)
            return tag, build_layer(
                own, core_tag, tag, house,
                f"requirements-stage{stage}.txt", debs, labels, say,
            )  # fmt: skip

        # pip installs on one core: on two, two stages at a time halve the wall time.
        with ThreadPoolExecutor(max_workers=BUILD_WORKERS) as pool:
            built.update(pool.map(stage_layer, stages))
    # The images these replaced are left untagged, the core's ~200 MB. Remove exactly
    # those, stages before the core (their parent), unforced: the engine refuses while
    # one is still tagged, used by a container or the parent of another image.
    _remove_unused(client, [old for old in replaced if old not in built.values()])
    return built


def _prefixed(progress: Progress, prefix: str) -> Progress:
    return lambda line: progress(prefix + line)


def _labels(house: Path, digest: str, context: Path) -> dict[str, str]:
    # What exactly went in (name==version), to reproduce a scorecard's run.
    wheels = sorted("==".join(w.name.split("-")[:2]) for w in house.glob("*.whl"))
    return {
        LABEL_HASH: digest,
        LABEL_VERSION: grader_version(context),
        LABEL_WHEELS: " ".join(wheels),
    }


def _build_core(
    client: Any, tag: str, base: str, house: Path, progress: Progress, context: Path
) -> str:
    import docker.errors

    labels = _labels(house, current_hash(context), context)
    try:
        stream = client.api.build(
            path=str(context), tag=tag, buildargs={"BASE_IMAGE": base},
            labels=labels, rm=True, forcerm=True, pull=False, decode=True,
            network_mode="none",
        )  # fmt: skip
        image_id, stages = consume_build(stream, progress)
    except docker.errors.DockerException as exc:
        raise ImageError(f"docker build failed ({exc}): {ENGINE_FIX}") from exc
    _remove_unused(client, set(stages) - {image_id})  # the builder stage, ~200 MB
    return image_id


def build_layer(
    client: Any,
    parent: str,
    tag: str,
    house: Path,
    requirements_file: str,
    debs: Path | None,
    labels: dict[str, str],
    progress: Progress,
) -> str:
    """Image `tag`: `parent` plus one layer made by install_layer.sh (the debs, then the
    requirements, from the wheelhouse, network off), committed from a container. The
    layer holds exactly what the install changed. Returns the image's id."""
    mounts = [_bind(house, "/tmp/wheelhouse")]
    command = ["sh", f"/tmp/wheelhouse/{LAYER_SCRIPT.name}"]
    command.append(f"/tmp/wheelhouse/{requirements_file}")
    if debs is not None:
        mounts.append(_bind(debs, "/tmp/debs"))
        command.append("/tmp/debs")
    container = client.containers.create(
        parent, command=command, user="0:0", network_mode="none", mounts=mounts,
        tmpfs={"/tmp": "rw,exec,mode=1777"}, entrypoint=[], working_dir="/",
    )  # fmt: skip
    try:
        container.start()
        for chunk in container.logs(stream=True, follow=True):
            for line in chunk.decode(errors="replace").splitlines():
                progress(line)
        status = container.wait().get("StatusCode")
        if status != 0:
            tail = container.logs(tail=40).decode(errors="replace")
            raise ImageError(
                f"installing {requirements_file} on {parent} failed (exit {status}): "
                f"fix the step below, then `{CLI} build`\n{tail}"
            )
        # The container ran the script as root: the image runs as the core does.
        config = client.images.get(parent).attrs["Config"]
        changes = [
            f"USER {config.get('User') or '0'}",
            f"WORKDIR {config.get('WorkingDir') or '/'}",
            f"ENTRYPOINT {json.dumps(config.get('Entrypoint') or [])}",
            f"CMD {json.dumps(config.get('Cmd') or [])}",
            *(f"LABEL {k}={json.dumps(v)}" for k, v in labels.items()),
        ]
        repository, _, name = tag.rpartition(":")
        image = container.commit(repository=repository, tag=name, changes=changes)
    finally:
        container.remove(force=True)
    return str(image.id)


def fetch_debs(
    client: Any, base: str, packages: Iterable[str], dest: Path, progress: Progress
) -> Path | None:
    """The .debs `packages` need on top of `base` (apt in a container of the base,
    Depends only), in `dest`; kept between builds for the same base. None for none."""
    packages = sorted(packages)
    if not packages:
        return None
    key = f"{client.images.get(base).id} {' '.join(packages)}\n"
    stamp = dest / ".key"
    if stamp.is_file() and stamp.read_text() == key and any(dest.glob("*.deb")):
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    progress(f"apt: downloading {', '.join(packages)} for {base}")
    owner = f"{os.getuid()}:{os.getgid()}"
    script = (
        "apt-get update -qq && apt-get install -qq --download-only --yes "
        "--no-install-recommends -o Dir::Cache::archives=/tmp/cache "
        f"{' '.join(packages)} && mv /tmp/cache/*.deb /out/ && chown -R {owner} /out"
    )
    try:
        output = client.containers.run(
            base, ["sh", "-c", f"mkdir -p /tmp/cache/partial && {script}"],
            user="0:0", mounts=[_bind(dest, "/out", read_only=False)], remove=True,
            entrypoint=[], stderr=True,
        )  # fmt: skip
    except Exception as exc:  # ContainerError carries apt's own words
        raise ImageError(
            f"apt could not download {', '.join(packages)} ({str(exc).strip()[-300:]}): "
            "check that the Debian mirror in the base's /etc/apt is reachable, rerun"
        ) from exc
    progress(output.decode(errors="replace").strip())
    stamp.write_text(key)
    return dest


def _bind(path: Path, target: str, read_only: bool = True) -> Any:
    from docker.types import Mount

    return Mount(target, str(path.resolve()), type="bind", read_only=read_only)


def _image_id(client: Any, tag: str) -> str:
    import docker.errors

    try:
        return str(client.images.get(tag).id)
    except docker.errors.DockerException:
        return ""


def _remove_unused(client: Any, ids: Iterable[str]) -> None:
    import docker.errors

    for old in ids:
        if not old:
            continue
        try:
            client.images.remove(old)
        except docker.errors.DockerException:
            pass
