"""The host side of running student code: backends, the job layout, the submission, the image.

What runs inside the sandbox is `grader.sandbox`, which never imports this package. The
names below load on first use, so a command that never grades does not import Docker.
"""

from __future__ import annotations

from grader.lazy import lazy_names

_PUBLIC = {
    "ALLOW_REDUCED_HINT": "grader.runner.levels",
    "BACKEND_NAMES": "grader.runner.levels",
    "FULL": "grader.runner.levels",
    "ISOLATION_LEVELS": "grader.runner.levels",
    "NONE": "grader.runner.levels",
    "REDUCED": "grader.runner.levels",
    "IsolationRefused": "grader.runner.levels",
    "BackendRefused": "grader.runner.levels",
    "require_backend": "grader.runner.levels",
    "NoSandboxWarning": "grader.runner.levels",
    "get_backend": "grader.runner.levels",
    "isolation_level": "grader.runner.levels",
    "require_isolation": "grader.runner.levels",
    "Backend": "grader.runner.backend",
    "RunOutcome": "grader.runner.backend",
    "LocalBackend": "grader.runner.local",
}


__getattr__ = lazy_names(__name__, _PUBLIC)


__all__ = sorted(_PUBLIC)
