"""Red-team findings that the hostile corpus's expect.json cannot express.

Each test states the safe outcome; the ones the harness does not reach yet are xfail
(strict=False), with the hole in their reason. Skipped without an engine or the base
image, unless GRADER_REQUIRE_DOCKER=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from grader.catalog.model import CheckConfig
from grader.errors import BackendUnavailable
from grader.graders import dockerfile_check

pytestmark = pytest.mark.docker
BASE = "python:3.11-slim"
MB = 1_000_000


@pytest.fixture(scope="module")
def client() -> Any:
    import docker.errors

    from grader.runner.docker_backend import connect

    try:
        engine = connect()
        engine.images.get(BASE)
    except (BackendUnavailable, docker.errors.ImageNotFound) as exc:
        reason = getattr(exc, "message", None) or str(exc)
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"Docker is required here: {reason}")
        pytest.skip(reason)
    return engine


def _used_bytes(client: Any) -> int | None:
    """Bytes used on the filesystem that holds the engine's data, when it is local."""
    root = client.info().get("DockerRootDir") or "/var/lib/docker"
    if not Path(root).exists() or shutil.which("df") is None:
        return None
    out = subprocess.run(
        ["df", "--output=used", "-B1", root], capture_output=True, text=True
    ).stdout.split()
    return int(out[-1]) if out and out[-1].isdigit() else None


class _PeakDisk:
    """The most the engine's filesystem grew while the block ran (sampled)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        base = _used_bytes(self.client) or 0
        while not self.stop.wait(0.1):
            used = _used_bytes(self.client)
            if used is not None:
                self.peak = max(self.peak, used - base)

    def __enter__(self) -> "_PeakDisk":
        if _used_bytes(self.client) is None:
            pytest.skip("the engine's data directory is not on this machine")
        self.thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop.set()
        self.thread.join()


def test_sparse_file_in_a_run_step_is_held_to_the_build_disk_limit(
    client: Any, tmp_path: Path
) -> None:
    # The step ends at once, with no real blocks written; the engine's commit would write
    # both files out in full. `truncate` and a seek from Python: no pattern to refuse.
    limit_mb = 200
    seek = "f = open('/seek', 'wb'); f.seek(800_000_000); f.write(b'x')"
    (tmp_path / "Dockerfile").write_text(
        f"FROM {BASE}\n"
        f'RUN truncate -s 800M /sparse && python3 -c "{seek}" && ls -ls /sparse /seek\n'
        'CMD ["python3", "-c", "1"]\n',
        encoding="utf-8",
    )
    config = CheckConfig(
        id="dockerfile",
        weight=1.0,
        options={"build_disk_mb": limit_mb, "build_seconds": 120},
    )
    started = time.monotonic()
    with _PeakDisk(client) as disk:
        outcome = dockerfile_check.run(tmp_path, config, client=client)
    assert outcome.status == "fail", outcome.message
    assert (
        f"wrote more than {limit_mb} MB to disk during `RUN truncate" in outcome.message
    )
    # Some overshoot is expected from polling; the whole sparse size is not.
    assert disk.peak < 3 * limit_mb * MB, (
        f"the build wrote {disk.peak / MB:.0f} MB with build_disk_mb={limit_mb} "
        f"in {time.monotonic() - started:.0f} s: {outcome.message}"
    )
