"""What each exercise library adds to a runner image, measured: the table in docs/images.md.

    .venv/bin/python bench/image_budget.py [--markdown]

Each library (with everything it pulls in that the core lacks) is installed into a fresh
container of the core image exactly as a stage's layer is (grader/runner/install_layer.sh:
from a wheelhouse, network off, slimmed, Matplotlib's font cache built), and the engine says
how many bytes that container's layer holds (SizeRw): what the library adds to an image. The
Debian packages are measured the same way from their .debs. Then each stage's whole list, as
pyproject.toml's `exercises-stageN` has it plus its Debian packages, gives that stage's image
size (core + layer), and the same with the optional libraries the stage could still take.

Needs the core image (`grader runner build --stage 1` makes it), PyPI for the wheels
(downloaded into build/budget-wheelhouse/) and a Debian mirror for the .debs. About ten
minutes on two cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.runner import image  # noqa: E402
from grader.runner.docker_backend import CORE_IMAGE, STAGES  # noqa: E402

# Every library the bank uses or considers, and the stages whose exercises need it (or
# would: the ones not in a stage's extra are measured to show whether they would fit).
CANDIDATES: dict[str, tuple[int, ...]] = {
    "numpy>=1.26": (2, 3, 4),
    "pandas>=2.1": (2, 3),
    "scikit-learn>=1.4": (3, 4),
    "joblib>=1.3": (3,),
    "beautifulsoup4>=4.12": (2,),
    "tenacity>=8.2": (2,),
    "flask>=3.0": (2,),
    "fastapi>=0.110": (3,),
    "pydantic>=2.5": (3,),
    "httpx>=0.27": (2, 3),
    "uvicorn>=0.29": (3,),
    "aiohttp>=3.9": (2,),
    "sqlalchemy>=2.0": (2,),
    "jinja2>=3.1": (2,),
    "fakeredis>=2.20": (2,),
    "redis>=5.0": (2,),
    "matplotlib>=3.8": (2,),
    "plotly>=5.18": (2,),
    "prometheus-client>=0.19": (3,),
    "pyyaml>=6.0": (3, 4),
    "jsonschema>=4.20": (3, 4),
    "onnx>=1.15": (4,),
    "onnxruntime>=1.17": (4,),
    "skl2onnx>=1.16": (4,),
}
MB = 1e6


def layer_bytes(
    client: Any, core: str, house: Path, reqs: list[str], debs: Path | None, name: str
) -> int:
    """Bytes the layer installing `reqs` (and `debs`) on the core holds."""
    from docker.types import Mount

    listing = house / f"requirements-budget-{name}.txt"
    listing.write_text("".join(f"{r}\n" for r in reqs))
    command = ["sh", f"/tmp/wheelhouse/{image.LAYER_SCRIPT.name}"]
    command.append(f"/tmp/wheelhouse/{listing.name}")
    mounts = [Mount("/tmp/wheelhouse", str(house), type="bind", read_only=True)]
    if debs is not None:
        mounts.append(Mount("/tmp/debs", str(debs), type="bind", read_only=True))
        command.append("/tmp/debs")
    container = client.containers.create(
        core, command=command, user="0:0", network_mode="none", mounts=mounts,
        tmpfs={"/tmp": "rw,exec,mode=1777"}, entrypoint=[], working_dir="/",
    )  # fmt: skip
    try:
        container.start()
        status = container.wait()["StatusCode"]
        if status != 0:
            tail = container.logs(tail=20).decode(errors="replace")
            raise SystemExit(f"installing {name} failed (exit {status}):\n{tail}")
        (listed,) = client.api.containers(
            all=True, filters={"id": container.id}, size=True
        )
        return int(listed.get("SizeRw", 0))  # left out when the layer is empty
    finally:
        container.remove(force=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument(
        "--core", default=CORE_IMAGE, help="the core image to measure on"
    )
    args = parser.parse_args()
    client = image._client(timeout=900)
    try:
        core = client.images.get(args.core)
    except Exception:
        raise SystemExit(f"no {args.core}: run `grader runner build --stage 1` first")
    core_size = int(core.attrs["Size"])
    house = REPO / "build" / "budget-wheelhouse"
    house.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    image.download_wheels(house, list(CANDIDATES))
    debs = {
        stage: image.fetch_debs(client, image.DEFAULT_BASE, packages,
                                REPO / "build" / "budget-debs" / f"stage{stage}", print)
        for stage, packages in image.STAGE_DEBIAN_PACKAGES.items()
    }  # fmt: skip

    rows = []
    for stage, packages in image.STAGE_DEBIAN_PACKAGES.items():
        added = layer_bytes(
            client, args.core, house, [], debs[stage], f"debian-{stage}"
        )
        rows.append((" + ".join(packages) + " (Debian)", added, (stage,), True))
    for lib, stages in CANDIDATES.items():
        added = layer_bytes(client, args.core, house, [lib], None, lib.split(">")[0])
        in_extra = any(lib in image.exercise_libraries(REPO, n) for n in stages)
        rows.append((lib, added, stages, in_extra))

    totals = []
    for stage in STAGES:
        listed = image.exercise_libraries(REPO, stage)
        extra = [
            lib for lib, s in CANDIDATES.items() if stage in s and lib not in listed
        ]
        layer = layer_bytes(
            client, args.core, house, listed, debs.get(stage), f"stage{stage}"
        )
        totals.append((stage, "its extra", layer))
        if extra:
            every = layer_bytes(
                client, args.core, house, listed + extra, debs.get(stage), "all"
            )
            totals.append((stage, "+ " + ", ".join(extra), every))

    _print(args.core, rows, totals, core_size, args.markdown)
    print(f"\nmeasured in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


def _print(
    core: str,
    rows: list[tuple[str, int, tuple[int, ...], bool]],
    totals: list[tuple[int, str, int]],
    core_size: int,
    markdown: bool,
) -> None:
    limit = image.SIZE_LIMIT_BYTES
    print(f"core image {core}: {core_size / MB:.1f} MB (the base, the tools, grader)\n")
    head = ["library", "MB added to the core", "stages that need it", "in an extra"]
    table = [
        [lib, f"{added / MB:.1f}", ", ".join(map(str, stages)), "yes" if ok else "no"]
        for lib, added, stages, ok in rows
    ]
    _table(head, table, markdown)
    print()
    head = ["stage", "libraries", "layer MB", "image MB", f"under {limit / MB:.0f} MB"]
    table = [
        [str(stage), what, f"{layer / MB:.1f}", f"{(core_size + layer) / MB:.1f}",
         "yes" if core_size + layer <= limit else "NO"]
        for stage, what, layer in totals
    ]  # fmt: skip
    _table(head, table, markdown)


def _table(head: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))


if __name__ == "__main__":
    sys.exit(main())
