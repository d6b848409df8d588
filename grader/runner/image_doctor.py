"""`grader runner doctor`: what stands between this machine and a sandboxed grading run."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from collections.abc import Callable, Iterable
from typing import Any

from grader.runner.docker_backend import CORE_IMAGE, STAGES, stage_image
from grader.runner.image import (
    ENGINE_FIX,
    LABEL_HASH,
    LABEL_VERSION,
    LABEL_WHEELS,
    REPO_ROOT,
    SIZE_LIMIT_BYTES,
    _client,
    current_hash,
    grader_version,
    stage_hash,
)
from grader.runner.image_base import CLI, DEFAULT_BASE, ImageError, outdated_bootstrap


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(
    stages: Iterable[int] = STAGES,
    *,
    base: str = DEFAULT_BASE,
    context: Path = REPO_ROOT,
    core_tag: str = CORE_IMAGE,
    tag_for: Callable[[int], str] = stage_image,
) -> list[Finding]:
    """What stands between this machine and a sandboxed grading run: the engine, the base,
    and the core and each stage's image (there, fresh, within the size limit). Never
    raises."""
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
    stages = sorted(set(stages))
    base_fix = f"{CLI} bootstrap --tag {base}"
    base_image = _image(client, base, "base-image", base_fix, found)
    if base_image is not None and outdated_bootstrap(base_image.labels):
        detail = f"{base} was bootstrapped by an older grader (no pip, say)"
        found.append(Finding("base-recipe", False, detail, base_fix))
    images = [("core", core_tag, None), *((f"stage{n}", tag_for(n), n) for n in stages)]
    for name, tag, stage in images:
        fix = f"{CLI} build" + (f" --stage {stage}" if stage else "")
        image = _image(client, tag, f"runner-image:{name}", fix, found)
        if image is None:
            continue
        found.append(_fresh(image.labels or {}, stage, context, name, fix))
        if stage is None:
            found.append(tool_versions(image.labels or {}, fix))
        size = image.attrs.get("Size", 0)
        ok = size <= SIZE_LIMIT_BYTES
        detail = f"{size / 1e6:.1f} MB (limit {SIZE_LIMIT_BYTES / 1e6:.0f} MB)"
        fix = "" if ok else "move a library to another stage's extra (docs/images.md)"
        found.append(Finding(f"image-size:{name}", ok, detail, fix))
    return [*found, last]


def _image(
    client: Any, ref: str, name: str, fix: str, found: list[Finding]
) -> Any | None:
    """The image `ref`, with a finding for it appended to `found`; None when missing."""
    import docker.errors

    try:
        image = client.images.get(ref)
    except Exception as exc:
        missing = isinstance(exc, docker.errors.ImageNotFound)
        detail = f"image {ref} not found" if missing else f"{ref}: {exc}"
        found.append(Finding(name, False, detail, fix))
        return None
    found.append(Finding(name, True, f"{ref} {image.short_id}"))
    return image


def _fresh(
    labels: dict[str, str], stage: int | None, context: Path, name: str, fix: str
) -> Finding:
    """Whether the image was built from this checkout's Dockerfile, requirements,
    grader sources and version."""
    try:
        wanted = current_hash(context) if stage is None else stage_hash(stage, context)
    except ImageError as exc:
        return Finding(f"image-stale:{name}", False, str(exc), fix)
    fresh = labels.get(LABEL_HASH) == wanted
    fresh = fresh and labels.get(LABEL_VERSION) == grader_version(context)
    detail = "matches" if fresh else "Dockerfile/requirements/sources/version changed"
    return Finding(f"image-stale:{name}", fresh, detail, "" if fresh else fix)


def tool_versions(labels: dict[str, str], build_fix: str) -> Finding:
    """The checks' tools on this host against those in the image: they must be the same
    versions, or `grader test` and `grader submit` could disagree."""
    from importlib.metadata import PackageNotFoundError, version

    from grader.registry.checks import runner_tools

    in_image = dict(
        wheel.split("==", 1)
        for wheel in labels.get(LABEL_WHEELS, "").split()
        if "==" in wheel
    )
    in_image = {name.lower().replace("_", "-"): v for name, v in in_image.items()}
    differ = []
    for pin in runner_tools():
        name, _, wanted = pin.partition("==")
        try:
            here = version(name)
        except PackageNotFoundError:
            here = "not installed"
        there = in_image.get(name.lower(), "not in the image")
        if not (here == there == wanted):
            differ.append(f"{name}: {wanted} pinned, {here} here, {there} in the image")
    if not differ:
        return Finding("tool-versions", True, "the checks' tools match the pins")
    fix = f"pip install -e . (this host) and {build_fix} (the image)"
    return Finding("tool-versions", False, "; ".join(differ), fix)
