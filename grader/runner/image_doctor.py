"""`grader runner doctor`: what stands between this machine and a sandboxed grading run."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.runner.image import (
    DEFAULT_TAG,
    ENGINE_FIX,
    LABEL_HASH,
    LABEL_VERSION,
    LABEL_WHEELS,
    REPO_ROOT,
    SIZE_LIMIT_BYTES,
    _client,
    current_hash,
    grader_version,
)
from grader.runner.image_base import CLI, DEFAULT_BASE, ImageError


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""


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
        found.append(tool_versions(image.labels or {}, build_fix))
        size = image.attrs.get("Size", 0)
        ok = size <= SIZE_LIMIT_BYTES
        detail = f"{size / 1e6:.1f} MB (limit {SIZE_LIMIT_BYTES / 1e6:.0f} MB)"
        fix = "" if ok else f"{CLI} bootstrap --tag {base} && {build_fix}"
        found.append(Finding("image-size", ok, detail, fix))
    return [*found, last]


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
