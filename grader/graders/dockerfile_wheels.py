"""The wheel index a graded Dockerfile build may install from, and nothing else.

A build that installs its requirements needs an index, and a grade must not depend on the
internet: so the build runs on an internal Docker network (`docker network create
--internal`: no route out) where the only other party is a small server of ours, in an image
of the base, serving a PEP 503 simple index of the wheels the exercise allows (`wheels` in
`[checks.dockerfile]`), taken from the grader's wheelhouse (build/wheelhouse/). pip finds it
through `PIP_INDEX_URL` and `PIP_TRUSTED_HOST`, given to every stage as build arguments: the
one deviation from the official python:3.11-slim, and it leaves no trace in the image's
environment. The server's image is cached by the hash of its wheels; its container and the
network carry the build's labels, so the check's cleanup removes them.
"""

from __future__ import annotations

import hashlib
import html
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.graders.dockerfile_build_state import Build
from grader.runner.image import REPO_ROOT

WHEELHOUSE = REPO_ROOT / "build" / "wheelhouse"
INDEX_IMAGE = "grader-wheel-index"
INDEX_LABEL = "io.grader.wheel-index"
PORT = 8080
READY_SECONDS = 15.0
# The arguments every stage declares: pip's index, and that plain HTTP to it is fine.
PIP_ARGS = ("PIP_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_DISABLE_PIP_VERSION_CHECK")
# name-version(-build)?-python-abi-platform.whl
WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)-.+\.whl$")


class WheelsMissing(Exception):
    """An allowed distribution has no wheel in the wheelhouse (the operator's to fix)."""


@dataclass(frozen=True)
class Wheel:
    name: str  # normalised (PEP 503)
    version: str
    path: Path


def normalise(name: str) -> str:
    """PEP 503's normalised project name: `Typing_Extensions` -> `typing-extensions`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def allowed_wheels(names: list[str], house: Path = WHEELHOUSE) -> list[Wheel]:
    """The wheelhouse's wheels of the distributions `names` allows, sorted by name.

    Raises WheelsMissing naming what is not there (the wheelhouse is not built, or an
    exercise allows a distribution no image needs)."""
    wanted = {normalise(name) for name in names}
    found: list[Wheel] = []
    for path in sorted(house.glob("*.whl")) if house.is_dir() else []:
        match = WHEEL_RE.match(path.name)
        if match and normalise(match["name"]) in wanted:
            found.append(Wheel(normalise(match["name"]), match["version"], path))
    missing = sorted(wanted - {wheel.name for wheel in found})
    if missing:
        raise WheelsMissing(
            f"{', '.join(missing)} not in {house}: run `grader runner build`"
        )
    return sorted(found, key=lambda wheel: (wheel.name, wheel.version))


def write_index(wheels: list[Wheel], root: Path) -> None:
    """A PEP 503 simple index under root/simple/, the wheels under root/wheels/."""
    (root / "wheels").mkdir(parents=True)
    projects: dict[str, list[Wheel]] = {}
    for wheel in wheels:
        (root / "wheels" / wheel.path.name).write_bytes(wheel.path.read_bytes())
        projects.setdefault(wheel.name, []).append(wheel)
    links = "".join(f'<a href="{name}/">{name}</a>\n' for name in sorted(projects))
    _page(root / "simple" / "index.html", links)
    for name, files in projects.items():
        anchors = "".join(
            f'<a href="../../wheels/{html.escape(w.path.name)}#sha256='
            f'{hashlib.sha256(w.path.read_bytes()).hexdigest()}">'
            f"{html.escape(w.path.name)}</a>\n"
            for w in files
        )
        _page(root / "simple" / name / "index.html", anchors)


def _page(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"<!DOCTYPE html>\n<html><body>\n{body}</body></html>\n"
    path.write_text(text, encoding="utf-8")


def index_image(client: Any, base: str, wheels: list[Wheel]) -> str:
    """The server's image for `wheels` on `base`, built once and kept (by content hash)."""
    import docker.errors

    digest = hashlib.sha256(base.encode())
    for wheel in wheels:
        digest.update(
            wheel.path.name.encode() + str(wheel.path.stat().st_size).encode()
        )
    tag = f"{INDEX_IMAGE}:{digest.hexdigest()[:16]}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    with tempfile.TemporaryDirectory(prefix="grader-wheel-index-") as scratch:
        context = Path(scratch)
        write_index(wheels, context / "srv")
        (context / "Dockerfile").write_text(
            f"FROM {base}\nCOPY srv /srv\nUSER 65534:65534\n"
            f'CMD ["python3", "-u", "-m", "http.server", "{PORT}", "--directory", "/srv"]\n',
            encoding="utf-8",
        )
        client.images.build(
            path=str(context),
            tag=tag,
            labels={INDEX_LABEL: "1"},
            pull=False,
            rm=True,
            forcerm=True,
            network_mode="none",
        )
    return tag


def serve(client: Any, build: Build, image: str) -> dict[str, str]:
    """Start the index on a new internal network: the build arguments that point pip at it.

    Sets `build.network`, the network the build must run on."""
    name = f"grader-wheels-{build.token[:16]}"
    client.networks.create(name, driver="bridge", internal=True, labels=build.labels)
    build.network = name
    container = client.containers.run(
        image,
        name=name,
        labels=build.labels,
        network=name,
        read_only=True,
        mem_limit="128m",
        pids_limit=32,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        detach=True,
    )
    until = time.monotonic() + READY_SECONDS
    while b"Serving HTTP" not in container.logs() and time.monotonic() < until:
        container.reload()
        if container.status in ("exited", "dead"):
            break
        time.sleep(0.1)
    return {
        "PIP_INDEX_URL": f"http://{name}:{PORT}/simple/",
        "PIP_TRUSTED_HOST": name,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
