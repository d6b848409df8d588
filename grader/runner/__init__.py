"""Where student code runs: backends, the in-sandbox entrypoint, the job layout."""

from __future__ import annotations

from grader.errors import BackendUnavailable
from grader.runner.backend import Backend, RunOutcome
from grader.runner.local import LocalBackend

BACKEND_NAMES = ("auto", "docker", "bwrap", "local")


def get_backend(name: str) -> Backend:
    """The backend called `name`; `auto` picks docker, then bwrap, then local."""
    if name == "local":
        return LocalBackend()
    if name == "docker":
        from grader.runner.docker_backend import DockerBackend

        return DockerBackend()
    if name == "auto":
        from grader.runner.docker_backend import DockerBackend

        try:
            return DockerBackend()
        except BackendUnavailable:
            return LocalBackend()
    raise BackendUnavailable(
        f"backend {name!r} is not available; use one of: {', '.join(BACKEND_NAMES)}"
    )


__all__ = ["BACKEND_NAMES", "Backend", "LocalBackend", "RunOutcome", "get_backend"]
