"""Running a graded Dockerfile build on the engine: the call, its limits and its deadline.

The engine builds our rendering of the Dockerfile with no network (or, when the exercise
allows wheels, only an internal one with our wheel index: `dockerfile_wheels`), no pull,
capped memory and CPU. Two threads watch a build: the watchdog stops it at its deadline, the guard
(`dockerfile_guard`) over its disk or process limit. Both stop a step by removing its
container, which fails the step.

What is ours is known by label, never by ids read from the build log: a RUN step prints into
that log, so a hostile Dockerfile could name another user's container there.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import urllib3

from grader.graders.dockerfile_build_state import Build
from grader.graders.dockerfile_cleanup import kill_containers, quietly
from grader.graders.dockerfile_guard import guard, on_death
from grader.graders.dockerfile_policy import Plan

# How a broken or timed-out connection to the engine surfaces while a stream is read.
TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError)
# RUN steps: 1 GiB and no swap (the memory cgroup also bounds a fork bomb: measured ~10k
# processes before its OOM kill), half the default CPU weight, a window of two CPUs and at
# most `build_cpus` of CPU time per second across them.
BUILD_LIMITS: dict[str, Any] = {"memory": 1 << 30, "memswap": 1 << 30, "cpushares": 512}
BUILD_CPUS = 2
DEFAULT_BUILD_CPUS = 1.0
CPU_PERIOD = 100_000  # microseconds, the kernel's default CFS period
# The engine's /build takes these too; docker-py's build() passes only the keys it lists.
QUOTA_KEYS = ("cpuperiod", "cpuquota")
_USABLE_CPUS: dict[str, list[int] | None] = {}  # per engine id


def _cpus(client: Any, token: str) -> str | None:
    """BUILD_CPUS of the engine's usable CPUs for `cpusetcpus`, a different window per
    build; None when the engine does not say which CPUs it may use."""
    info = client.info()
    key = str(info.get("ID") or "")
    if key not in _USABLE_CPUS:
        _USABLE_CPUS[key] = _usable_cpus(client, int(info.get("NCPU") or 1))
    usable = _USABLE_CPUS[key]
    if not usable:
        return None
    first = int(token[:8], 16) % len(usable)
    count = min(BUILD_CPUS, len(usable))
    return ",".join(str(usable[(first + i) % len(usable)]) for i in range(count))


def _usable_cpus(client: Any, count: int) -> list[int] | None:
    """The CPUs the engine may pin to. NCPU counts them but does not number them (an engine
    in a cpuset may own CPUs 2-3 only), so a create that cannot succeed asks: the engine
    checks the cpuset before it looks for the image, and a create never pulls.
    """
    import docker.errors

    config = client.api.create_host_config(cpuset_cpus=f"0-{count - 1}")
    try:
        created = client.api.create_container(
            f"grader-no-such-image:{uuid.uuid4().hex}", host_config=config
        )
    except docker.errors.ImageNotFound:
        return list(range(count))
    except docker.errors.APIError as exc:
        match = re.search(r"available: ([0-9][0-9,-]*)", str(exc.explanation or exc))
        return _cpu_list(match.group(1)) if match else None
    quietly(client.api.remove_container, created["Id"], force=True)
    return None


def _cpu_list(text: str) -> list[int]:
    """`0-2,5` -> [0, 1, 2, 5]."""
    cpus: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first.isdigit() and (not last or last.isdigit()):
            cpus.extend(range(int(first), int(last or first) + 1))
    return cpus


def build_image(
    client: Any,
    context: Path,
    checked: Plan,
    seconds: float,
    build: Build,
    options: dict[str, Any],
) -> None:
    """Stream the build into `build`, stopping it at the deadline or over a limit."""
    import docker.errors

    scratch = tempfile.TemporaryDirectory(prefix="grader-dockerfile-")
    dockerfile = Path(scratch.name) / "Dockerfile"
    dockerfile.write_text(
        checked.render(build.labels, list(build.build_args)), encoding="utf-8"
    )
    cpus = _cpus(client, build.token)
    limits = {
        **BUILD_LIMITS,
        **_quota(options),
        **({"cpusetcpus": cpus} if cpus else {}),
    }
    _accept_quota_keys()
    build.helper_image = build.helper_image or (checked.bases or [""])[0]
    # Subscribed before the build starts, so no step's end can be missed.
    deaths = client.events(
        decode=True,
        filters={"type": "container", "event": "die", "label": build.filters["label"]},
    )
    start = time.monotonic()
    finished, wake = threading.Event(), threading.Event()
    threads = [
        threading.Thread(
            target=_watchdog,
            args=(client, build, start + seconds, finished),
            daemon=True,
        ),
        threading.Thread(
            target=guard, args=(client, build, options, finished, wake), daemon=True
        ),
        threading.Thread(target=on_death, args=(deaths, wake), daemon=True),
    ]
    for thread in threads:
        thread.start()
    stream = None
    try:
        stream = client.api.build(
            path=str(context),
            dockerfile=str(dockerfile),  # outside the context: the SDK sends it along
            tag=build.tag,
            labels=build.labels,
            rm=True,
            forcerm=True,
            nocache=True,  # no layer is shared with another build: all of ours can go
            pull=False,
            decode=True,
            # None, or the internal network where only our wheel index answers.
            network_mode=build.network or "none",
            buildargs=build.build_args or None,
            container_limits=limits,
            use_config_proxy=False,  # no proxy build-args from the grader's own config
            timeout=seconds,  # a silent stall as long as the whole budget ends the read
        )
        for event in stream:
            build.feed(event.get("stream", ""))
            if event.get("error"):
                build.error = str(event["error"]).strip()
            if time.monotonic() - start > seconds:
                build.timed_out = True
                break
    except docker.errors.APIError as exc:  # the engine refused the Dockerfile outright
        build.error = str(exc.explanation or exc)
    except TRANSPORT_ERRORS:
        if time.monotonic() - start < seconds:
            raise
        build.timed_out = True  # the read timed out: the budget passed in silence
    finally:
        if stream is not None:
            stream.close()  # dropping the connection makes the engine cancel the build
        finished.set()
        wake.set()
        deaths.close()
        for thread in threads:
            thread.join()
        build.seconds = time.monotonic() - start
        scratch.cleanup()


def _quota(options: dict[str, Any]) -> dict[str, int]:
    """`cpuperiod` and `cpuquota` for `build_cpus` CPUs' worth of time per period."""
    cpus = float(options.get("build_cpus", DEFAULT_BUILD_CPUS))
    return {"cpuperiod": CPU_PERIOD, "cpuquota": max(1_000, int(cpus * CPU_PERIOD))}


def _accept_quota_keys() -> None:
    from docker import constants

    for key in QUOTA_KEYS:
        if key not in constants.CONTAINER_LIMITS_KEYS:
            constants.CONTAINER_LIMITS_KEYS.append(key)


def _watchdog(
    client: Any, build: Build, deadline: float, finished: threading.Event
) -> None:
    # The stream blocks while a RUN step is silent, so the deadline is kept from here: killing
    # the step's container fails the step, and the builder stops at its first failed step.
    if finished.wait(max(0.0, deadline - time.monotonic())):
        return
    build.timed_out = True
    while not finished.is_set():
        kill_containers(client, build)
        finished.wait(0.5)
