"""Running a graded Dockerfile build on the engine: limits, the deadline, and clean-up.

The classic builder (the engine's `/build` without BuildKit) has no disk quota and no process
limit for RUN steps, so two threads watch a build: the watchdog stops it at its deadline, the
guard when it writes more than `build_disk_mb` or a step runs more than `build_pids`
processes. Both stop a step by removing its container, which fails the step. A step that has
already ended is being committed: the guard empties its writable layer's files so that the
commit fails early rather than write them out (a sparse file is written at its full size).

What is ours is known by label, never by ids read from the build log: a RUN step prints into
that log, so a hostile Dockerfile could name another user's container there.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests
import urllib3

from grader.graders.dockerfile_policy import Plan, label_instruction
from grader.scorecard.caps import OUTPUT_CHARS, cap_text, clean_text

# Every image and container a build creates carries both labels; the second names one run.
CHECK_LABEL = "io.grader.check"
BUILD_LABEL = "io.grader.dockerfile.build"
TAG_REPO = "grader-dockerfile"
DEFAULT_BUILD_DISK_MB = 2_000  # layers and build containers together
DEFAULT_BUILD_PIDS = 512  # processes in one build container
MB = 1_000_000
LOG_LINES = 40
STEP_RE = re.compile(r"^Step \d+/\d+ : (.*)$")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
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
GUARD_SECONDS = 0.5
CLEANUP_SECONDS = 30.0
# Older than any build and probe can run: what a killed grader left behind.
STALE_SECONDS = 6 * 3600


@dataclass
class Build:
    """One run's build: its names, and what the stream said (the last lines, the step)."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    pending: str = ""
    step: str = ""
    error: str = ""
    timed_out: bool = False
    stopped: str = ""  # why the guard stopped the build (disk, processes)
    helper_image: str = ""  # a local image with `find` and `truncate` (an allowed base)
    seconds: float = 0.0
    ours: bool = False  # the stream is in one of our LABEL steps

    @property
    def tag(self) -> str:
        return f"{TAG_REPO}:{self.token}"

    @property
    def labels(self) -> dict[str, str]:
        return {CHECK_LABEL: "dockerfile", BUILD_LABEL: self.token}

    @property
    def filters(self) -> dict[str, str]:
        return {"label": f"{BUILD_LABEL}={self.token}"}

    def feed(self, text: str) -> None:
        # The engine splits lines across events ("Step 1/2 : FROM x", then "\n"); a step's
        # output may be one endless line, so what is kept is bounded. Our own LABEL steps
        # are left out: the log is the student's build.
        *complete, pending = (self.pending + text).split("\n")
        self.pending = pending[-OUTPUT_CHARS:]
        for line in complete:
            if step := STEP_RE.match(line):
                self.ours = self._ours(step.group(1))
                if not self.ours:
                    self.step = step.group(1)
            if not self.ours:
                self.lines.append(line[-OUTPUT_CHARS:])

    def _ours(self, step: str) -> bool:
        # Ours: the LABEL after every FROM and LABEL, and the one the engine adds last for
        # the build's `labels` (`LABEL key=value ...`, in either order).
        if step == label_instruction(self.labels):
            return True
        words = step.split()
        pairs = {f"{key}={value}" for key, value in self.labels.items()}
        return words[:1] == ["LABEL"] and sorted(words[1:]) == sorted(pairs)

    def tail(self) -> str:
        return clip("\n".join(x for x in [*self.lines, self.pending, self.error] if x))


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
    _quietly(client.api.remove_container, created["Id"], force=True)
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
    dockerfile.write_text(checked.render(build.labels), encoding="utf-8")
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
            target=_guard, args=(client, build, options, finished, wake), daemon=True
        ),
        threading.Thread(target=_on_death, args=(deaths, wake), daemon=True),
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
            network_mode="none",
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


def _on_death(deaths: Any, wake: threading.Event) -> None:
    # A step's container stops just before the engine commits its writable layer: the
    # guard looks at once, not at its next poll.
    try:
        for _ in deaths:
            wake.set()
    except Exception:  # closed when the build ends, or the engine went away
        pass


def _watchdog(
    client: Any, build: Build, deadline: float, finished: threading.Event
) -> None:
    # The stream blocks while a RUN step is silent, so the deadline is kept from here: killing
    # the step's container fails the step, and the builder stops at its first failed step.
    if finished.wait(max(0.0, deadline - time.monotonic())):
        return
    build.timed_out = True
    while not finished.is_set():
        _kill_containers(client, build)
        finished.wait(0.5)


def _guard(
    client: Any,
    build: Build,
    options: dict[str, Any],
    finished: threading.Event,
    wake: threading.Event,
) -> None:
    """Stop the build when it writes too much or starts too many processes.

    The classic builder has no disk quota and no pids limit for RUN steps, so both are
    polled: the layers built so far plus each step's writable layer (its files' apparent
    sizes, which is what a commit writes), and each step's process count. It polls every
    GUARD_SECONDS and whenever a step's container stops. That bounds how long a step can go
    on, not how fast it writes or forks: a fork bomb reaches ~10k processes (as many as 1 GiB
    of memory cgroup holds) before it is seen and killed, which takes seconds.
    """
    disk_mb = float(options.get("build_disk_mb", DEFAULT_BUILD_DISK_MB))
    pids = int(options.get("build_pids", DEFAULT_BUILD_PIDS))
    while not finished.is_set() and not build.stopped:
        wake.wait(GUARD_SECONDS)
        wake.clear()
        if finished.is_set():
            return
        try:
            why = _over_limits(client, build, disk_mb, pids)
        except Exception:  # the engine hiccuped: the deadline still holds
            continue
        if why:
            build.stopped = why
            while not finished.is_set():
                _empty_stopped_layers(client, build)
                _kill_containers(client, build)
                finished.wait(0.5)


def _over_limits(client: Any, build: Build, disk_mb: float, pids: int) -> str:
    # Processes first: a fork bomb is the faster harm, and sizing a layer walks its files.
    for container in client.api.containers(filters=build.filters):
        stats = client.api.stats(container["Id"], stream=False, one_shot=True)
        if int(stats.get("pids_stats", {}).get("current") or 0) > pids:
            return f"a build step started more than {pids} processes"
    images = client.api.images(all=True, filters=build.filters)
    sizes = {image["Id"]: int(image.get("Size") or 0) for image in images}
    written = 0
    for image in images:  # each layer once: an image's size less its parent's
        parent = image.get("ParentId") or ""
        if parent and parent not in sizes:
            sizes[parent] = _size(client, parent)
        written += max(0, sizes[image["Id"]] - sizes.get(parent, 0))
    # Stopped ones too: a step that has just ended is being committed to a layer, and a
    # sparse file becomes real bytes there.
    for container in client.api.containers(all=True, filters=build.filters, size=True):
        written += int(container.get("SizeRw") or 0)
    if written > disk_mb * MB:
        return f"the build wrote more than {disk_mb:g} MB to disk"
    return ""


def _size(client: Any, image_id: str) -> int:
    try:
        return int(client.api.inspect_image(image_id).get("Size") or 0)
    except Exception:  # a parent that went away: count the child whole
        return 0


def _empty_stopped_layers(client: Any, build: Build) -> None:
    """Empty every file in the writable layers of our build containers that have stopped.

    A stopped step container is being committed: the engine streams its writable layer into
    a new layer, and removing the container does not stop that. A file emptied under the
    stream ends it short, so the commit fails having written little. No process runs in a
    stopped container, so nothing in its layer changes while it is walked.
    """
    for container in client.api.containers(all=True, filters=build.filters):
        if container.get("State") == "running":
            continue  # removing it fails the step before any commit
        try:
            data = client.api.inspect_container(container["Id"])["GraphDriver"]["Data"]
        except Exception:  # gone already
            continue
        upper = str((data or {}).get("UpperDir") or "")
        if upper and not _empty_tree(upper):
            _empty_in_container(client, build, upper)


def _empty_tree(root: str) -> bool:
    """Truncate every regular file under `root`; False when `root` cannot be read here
    (an engine on another machine, or a grader that is not root)."""
    if not os.access(root, os.R_OK | os.W_OK | os.X_OK):
        return False
    for folder, _, names in os.walk(root):  # never follows a link to a folder
        for name in names:
            path = os.path.join(folder, name)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            finally:
                os.close(fd)
    return True


def _empty_in_container(client: Any, build: Build, upper: str) -> None:
    """`_empty_tree` by a container of an allowed base, which the engine can mount it in."""
    if not build.helper_image:
        return
    script = "find /layer -xdev -type f -exec truncate -s 0 {} +"
    helper = None
    try:
        helper = client.containers.run(
            build.helper_image,
            ["sh", "-c", script],
            entrypoint=[],
            user="0:0",
            volumes={upper: {"bind": "/layer", "mode": "rw"}},
            network_mode="none",
            labels=build.labels,
            detach=True,
        )
        helper.wait(timeout=30)
    except Exception:  # the image lacks the tools, or the engine refused: kill only
        pass
    finally:
        if helper is not None:
            _quietly(client.api.remove_container, helper.id, force=True, v=True)


def _kill_containers(client: Any, build: Build) -> None:
    try:
        for container in client.containers.list(
            all=True, filters=build.filters, ignore_removed=True
        ):
            _quietly(client.api.remove_container, container.id, force=True, v=True)
    except Exception:  # the engine hiccuped: the stream's own timeout still ends it
        pass


def clip(text: str) -> str:
    """The last LOG_LINES lines, without colour codes, capped."""
    lines = clean_text(ANSI_RE.sub("", text)).splitlines()[-LOG_LINES:]
    return cap_text("\n".join(lines), OUTPUT_CHARS)


def cleanup(client: Any, build: Build) -> None:
    """Remove this run's containers, its image and every layer its build left behind."""
    import docker.errors

    try:
        _quietly(client.images.remove, build.tag, force=True, noprune=False)
        # A failed or multi-stage build leaves untagged layers. A parent cannot go before its
        # children, and removing a child prunes its untagged parents; a layer cannot go while
        # a container of it exists, and the engine may still be removing a failed step's
        # container: passes until nothing of ours is left, for a while.
        until = time.monotonic() + CLEANUP_SECONDS
        while True:
            containers = client.api.containers(all=True, filters=build.filters)
            for container in containers:
                _quietly(
                    client.api.remove_container, container["Id"], force=True, v=True
                )
            images = client.api.images(all=True, filters=build.filters)
            for image in images:
                _quietly(client.images.remove, image["Id"], force=True, noprune=False)
            if not (containers or images) or time.monotonic() > until:
                break
            time.sleep(0.2)
    except docker.errors.DockerException:
        pass  # the engine went away: nothing more can be removed from here


def sweep(
    client: Any,
    older_than: float = STALE_SECONDS,
    filters: dict[str, str] | None = None,
) -> None:
    """Remove the labelled containers and images of builds whose grader was killed."""
    filters = filters or {"label": f"{CHECK_LABEL}=dockerfile"}
    cutoff = time.time() - older_than
    for container in client.api.containers(all=True, filters=filters):
        if container.get("Created", cutoff) < cutoff:
            _quietly(client.api.remove_container, container["Id"], force=True, v=True)
    for _ in range(5):  # children first: a parent goes once its children are gone
        stale = [
            image["Id"]
            for image in client.api.images(all=True, filters=filters)
            if image.get("Created", cutoff) < cutoff
        ]
        if not stale:
            break
        for image_id in stale:
            _quietly(client.images.remove, image_id, force=True, noprune=False)


def _quietly(remove: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        remove(*args, **kwargs)
    except Exception:  # gone already, or a parent whose child goes first
        pass
