"""Which backend grades, and the isolation level a grading gets: the one place that decides."""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING, Any

from grader.errors import BackendUnavailable, GraderError
from grader.i18n.message import both, msg
from grader.runner.backend import Backend
from grader.runner.local import LocalBackend

if TYPE_CHECKING:
    from grader.catalog.model import Exercise

BACKEND_NAMES = ("auto", "docker", "bwrap", "local")
FULL, REDUCED, NONE = "full", "reduced", "none"
ISOLATION_LEVELS = (FULL, REDUCED, NONE)
ALLOW_REDUCED_HINT = (
    "grade with --backend docker, or let a teacher accept reduced isolation "
    "explicitly with --allow-reduced-isolation (every such score is then marked)"
)


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
        backend, why = _strongest_available()
        # Said once on stderr and kept on the backend, so each scorecard records it too.
        backend.auto_choice = f"auto chose {backend.name}: {why}"  # type: ignore[attr-defined]
        print(f"grader: --backend {backend.auto_choice}", file=sys.stderr)
        return backend
    raise BackendUnavailable(
        f"backend {name!r} is not available; use one of: {', '.join(BACKEND_NAMES)}"
    )


def _strongest_available() -> tuple[Backend, str]:
    from grader.runner.bwrap_backend import BwrapBackend, bwrap_available
    from grader.runner.docker_backend import DockerBackend

    reasons = []
    try:
        return DockerBackend(), "Docker is available, the strongest sandbox"
    except BackendUnavailable as exc:
        reasons.append(exc.message)
    if bwrap_available():
        try:
            backend = BwrapBackend()
            level = FULL if not backend.cgroup_missing else REDUCED
            return backend, (
                f"Docker is not available ({reasons[0]}); bwrap gives {level} isolation"
            )
        except BackendUnavailable as exc:
            reasons.append(exc.message)
    else:
        reasons.append("bwrap is not installed or cannot create namespaces here")
    warnings.warn(
        "no sandbox is available, grading with the local backend, which is NOT a sandbox: "
        + "; ".join(reasons),
        NoSandboxWarning,
        stacklevel=2,
    )
    return LocalBackend(), f"no sandbox is available ({'; '.join(reasons)})"


class NoSandboxWarning(UserWarning):
    """`--backend auto` fell back to running the submission without a sandbox."""


class IsolationRefused(GraderError):
    """Grading that counts for others would run below full isolation without leave."""


def isolation_level(
    backend: Backend, integrity: dict[str, Any] | None = None
) -> tuple[str, str]:
    """The isolation a grading gets, and why: the one place that decides it.

    full: Docker with the process split (the hidden tests in a trusted uid, the submission
    in another), or bwrap with the submission jailed apart from the hidden tests and its
    memory, process and CPU limits in force through a cgroup. reduced: bwrap without such a
    cgroup. none: the local backend (no sandbox at all). `integrity` is a finished run's
    record: what that run actually had decides, not what the backend expected.
    """
    if not backend.sandboxed:
        return NONE, f"the {backend.name} backend runs the submission without a sandbox"
    if backend.name == "docker":
        return FULL, "Docker with the process split: trusted and student uids"
    if backend.name == "bwrap":
        missing = getattr(backend, "cgroup_missing", "its cgroup limits are unknown")
        record = (integrity or {}).get("cgroup")
        if isinstance(record, dict):  # the run's own cgroup, or why it had none
            missing = "" if record.get("in_force") else str(record.get("missing", ""))
        if not missing:
            return FULL, (
                "bwrap with the submission jailed apart from the hidden tests, and "
                "memory, process and CPU limits through a cgroup"
            )
        return REDUCED, (
            "bwrap jails the submission apart from the hidden tests, but "
            f"{missing}. Without them the submission can exhaust memory, processes "
            "and CPU shared with the grader and other gradings"
        )
    return (
        REDUCED,
        f"the {backend.name} backend does not split trusted and student code",
    )


def require_isolation(
    backend: Backend, exercise: Exercise | None, *, allow_reduced: bool
) -> tuple[str, str]:
    """The level, or IsolationRefused when it is not full and reduced was not allowed,
    or the exercise does not allow the backend (BackendRefused)."""
    if exercise is not None:
        require_backend(backend, exercise)
    level, reason = isolation_level(backend)
    if level == FULL or allow_reduced:
        return level, reason
    what = f" the exercise {exercise.qualified_slug}" if exercise is not None else ""
    raise IsolationRefused(
        f"refusing to grade{what} for others with {level} isolation ({reason}); "
        + ALLOW_REDUCED_HINT
    )


class BackendRefused(IsolationRefused):
    """The exercise's hidden suite may not run on this backend (its `backends` list)."""


def require_backend(backend: Backend, exercise: Exercise) -> None:
    """Refuse to run `exercise`'s hidden suite on a backend its `backends` does not list.

    An exercise lists backends when only they are known to contain what its code does
    (children in sessions of their own, say); its student's own checks run anywhere."""
    if not exercise.backends or backend.name in exercise.backends:
        return
    allowed = ", ".join(exercise.backends)
    chosen = getattr(backend, "auto_choice", None) or f"--backend {backend.name}"
    raise BackendRefused(
        msg(
            "refusing to run the hidden tests of {slug} on the {backend} backend "
            "({chosen}): the exercise allows only {allowed}, the sandbox known to "
            "contain the processes its code starts. Run `grader submit --backend "
            "{first}`{running}, or `grader submit --server URL` to grade on your "
            "class's server; `grader test` still runs your own tests and checks here",
            slug=exercise.qualified_slug,
            backend=backend.name,
            chosen=chosen,
            allowed=allowed,
            first=exercise.backends[0],
            running=(
                both(" (with Docker running)", "（需先启动 Docker）")
                if exercise.backends[0] == "docker"
                else ""
            ),
        )
    )
