"""Where student code runs: backends, the in-sandbox entrypoint, the job layout."""

from __future__ import annotations

from grader.errors import BackendUnavailable
from grader.runner.backend import Backend, RunOutcome
from grader.runner.local import LocalBackend

BACKEND_NAMES = ("auto", "docker", "bwrap", "local")


def get_backend(name: str) -> Backend:
    """The backend called `name`; `auto` picks the strongest one this machine has."""
    if name in ("local", "auto"):
        return LocalBackend()
    raise BackendUnavailable(
        f"backend {name!r} is not available; use one of: {', '.join(BACKEND_NAMES)}"
    )


__all__ = ["BACKEND_NAMES", "Backend", "LocalBackend", "RunOutcome", "get_backend"]
