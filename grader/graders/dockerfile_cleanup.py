"""Removing what a graded Dockerfile build left on the engine: its containers, its image and
every layer, found by label; and, before a build, what a killed grader left behind."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable

from grader.graders.dockerfile_build_state import CHECK_LABEL, Build

CLEANUP_SECONDS = 30.0
# Older than any build and probe can run: what a killed grader left behind.
STALE_SECONDS = 6 * 3600


def kill_containers(client: Any, build: Build) -> None:
    """Remove this build's containers now: the step running in one fails."""
    try:
        for container in client.containers.list(
            all=True, filters=build.filters, ignore_removed=True
        ):
            quietly(client.api.remove_container, container.id, force=True, v=True)
    except Exception:  # the engine hiccuped: the stream's own timeout still ends it
        pass


def cleanup(client: Any, build: Build) -> None:
    """Remove this run's containers, its image and every layer its build left behind."""
    import docker.errors

    try:
        quietly(client.images.remove, build.tag, force=True, noprune=False)
        # A failed or multi-stage build leaves untagged layers. A parent cannot go before its
        # children, and removing a child prunes its untagged parents; a layer cannot go while
        # a container of it exists, and the engine may still be removing a failed step's
        # container: passes until nothing of ours is left, for a while.
        until = time.monotonic() + CLEANUP_SECONDS
        while True:
            containers = client.api.containers(all=True, filters=build.filters)
            for container in containers:
                quietly(
                    client.api.remove_container, container["Id"], force=True, v=True
                )
            images = client.api.images(all=True, filters=build.filters)
            for image in images:
                quietly(client.images.remove, image["Id"], force=True, noprune=False)
            if not (containers or images) or time.monotonic() > until:
                break
            time.sleep(0.2)
        # The wheel index's internal network, once its containers are gone.
        for network in client.api.networks(filters=build.filters):
            quietly(client.api.remove_network, network["Id"])
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
            quietly(client.api.remove_container, container["Id"], force=True, v=True)
    for _ in range(5):  # children first: a parent goes once its children are gone
        stale = [
            image["Id"]
            for image in client.api.images(all=True, filters=filters)
            if image.get("Created", cutoff) < cutoff
        ]
        if not stale:
            break
        for image_id in stale:
            quietly(client.images.remove, image_id, force=True, noprune=False)
    for network in client.api.networks(filters=filters):
        if _created(network.get("Created", "")) < cutoff:  # never one in use now
            quietly(client.api.remove_network, network["Id"])


def _created(stamp: str) -> float:
    """An engine time stamp (`2026-12-08T01:02:03.456Z`) in seconds; now if unreadable."""
    try:
        when = datetime.fromisoformat(stamp[:19]).replace(tzinfo=timezone.utc)
    except ValueError:
        return time.time()
    return when.timestamp()


def quietly(remove: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        remove(*args, **kwargs)
    except Exception:  # gone already, or a parent whose child goes first
        pass
