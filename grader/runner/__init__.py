"""Where student code runs: backends, the in-sandbox entrypoint, the job layout."""

from __future__ import annotations

import warnings

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
    if name == "bwrap":
        from grader.runner.bwrap_backend import BwrapBackend

        return BwrapBackend()
    if name == "auto":
        return _strongest_available()
    raise BackendUnavailable(
        f"backend {name!r} is not available; use one of: {', '.join(BACKEND_NAMES)}"
    )


def _strongest_available() -> Backend:
    from grader.runner.bwrap_backend import BwrapBackend, bwrap_available
    from grader.runner.docker_backend import DockerBackend

    reasons = []
    try:
        return DockerBackend()
    except BackendUnavailable as exc:
        reasons.append(exc.message)
    if bwrap_available():
        try:
            return BwrapBackend()
        except BackendUnavailable as exc:
            reasons.append(exc.message)
    warnings.warn(
        "no sandbox is available, grading with the local backend, which is NOT a sandbox: "
        + "; ".join(reasons),
        NoSandboxWarning,
        stacklevel=2,
    )
    return LocalBackend()


class NoSandboxWarning(UserWarning):
    """`--backend auto` fell back to running the submission without a sandbox."""


__all__ = [
    "BACKEND_NAMES",
    "NoSandboxWarning",
    "Backend",
    "LocalBackend",
    "RunOutcome",
    "get_backend",
]
