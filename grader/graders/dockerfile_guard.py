"""The guard thread of a graded Dockerfile build: the disk and process limits.

The classic builder (the engine's `/build` without BuildKit) has no disk quota and no process
limit for RUN steps, so the guard polls them and stops the build when it writes more than
`build_disk_mb` or a step runs more than `build_pids` processes, by removing its containers,
which fails the step. A step that has already ended is being committed: the guard empties its
writable layer's files so that the commit fails early rather than write them out (a sparse
file is written at its full size).
"""

from __future__ import annotations

import os
import stat
import threading
from typing import Any

from grader.graders.dockerfile_build_state import MB, Build
from grader.graders.dockerfile_cleanup import kill_containers, quietly

DEFAULT_BUILD_DISK_MB = 2_000  # layers and build containers together
DEFAULT_BUILD_PIDS = 512  # processes in one build container
GUARD_SECONDS = 0.5


def on_death(deaths: Any, wake: threading.Event) -> None:
    # A step's container stops just before the engine commits its writable layer: the
    # guard looks at once, not at its next poll.
    try:
        for _ in deaths:
            wake.set()
    except Exception:  # closed when the build ends, or the engine went away
        pass


def guard(
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
                kill_containers(client, build)
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
            quietly(client.api.remove_container, helper.id, force=True, v=True)
