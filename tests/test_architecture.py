"""The sandbox room at run time (docs/architecture.md): what its processes really load.

The contracts of .importlinter read the import statements; these tests import each module the
sandbox starts a process with, as the sandbox does (`python -I`), and look at `sys.modules`.
That also counts what a package's `__init__` pulls in, which the statements alone do not show.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What the sandbox's processes start from: the entrypoint, the student's server, the trusted
# test session's plugins, and the helpers the hidden tests import.
SANDBOX_ENTRIES = [
    "grader.sandbox.entrypoint",
    "grader.sandbox.proxy.server",
    "grader.sandbox.proxy.plugin",
    "grader.sandbox.pytest_plugin",
    "grader.testing",
]

# The host's rooms: none of these may load inside the sandbox.
HOST_MODULES = [
    "grader.__main__",
    "grader.cli",
    "grader.ci",
    "grader.leaderboard",
    "grader.exercism_runner",
    "grader.authoring",
    "grader.batch",
    "grader.stages",
    "grader.progress",
    "grader.scorecard.exports",
    "grader.workspace",
    "grader.pipeline",
    "grader.runner.levels",
    "grader.runner.backend",
    "grader.runner.local",
    "grader.runner.docker_backend",
    "grader.runner.bwrap_backend",
    "grader.runner.cgroup",
    "grader.runner.job",
    "grader.runner.submission",
    "grader.runner.image",
    "grader.runner.image_base",
    "grader.runner.image_doctor",
    "grader.catalog.loader",
    "grader.graders.dockerfile_check",
    "grader.errors",
    "grader.text_escape",
]

PROBE = """
import importlib, json, sys
before = set(sys.modules)
importlib.import_module(sys.argv[1])
if sys.argv[2:] == ["--checks"]:
    # What the entrypoint does before it runs a job: every sandbox check's declaration.
    from grader.registry.checks import declarations
    declarations("sandbox")
print(json.dumps(sorted(set(sys.modules) - before)))
"""
# The entrypoint as it starts a job: it loads the sandbox's checks through the registry.
WITH_CHECKS = "grader.sandbox.entrypoint --checks"


def loaded_by(entry: str) -> list[str]:
    """The modules that `import module` (and `--checks`: loading the sandbox checks'
    declarations) loads in a fresh isolated interpreter."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, *entry.split()],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def top_level(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names)


@pytest.fixture(scope="module")
def pytest_itself() -> set[str]:
    """The third-party packages that pytest loads on its own."""
    return top_level(loaded_by("pytest"))


@pytest.mark.parametrize("entry", [*SANDBOX_ENTRIES, WITH_CHECKS])
def test_the_sandbox_loads_no_host_module(entry: str) -> None:
    loaded = loaded_by(entry)
    host = [
        m for m in loaded if any(m == h or m.startswith(h + ".") for h in HOST_MODULES)
    ]
    assert host == [], f"{entry} loads the host's {host}"


@pytest.mark.parametrize("entry", [*SANDBOX_ENTRIES, WITH_CHECKS])
def test_the_sandbox_loads_only_the_standard_library_and_pytest(
    entry: str, pytest_itself: set[str]
) -> None:
    others = top_level(loaded_by(entry)) - pytest_itself - {"grader"}
    assert others == set(), f"{entry} loads {sorted(others)}"


def test_the_entrypoint_loads_every_sandbox_check_through_the_registry() -> None:
    from grader.registry.checks import CHECKS

    loaded = set(loaded_by(WITH_CHECKS))
    for entry in CHECKS:
        assert (entry.module in loaded) == (entry.runs_in == "sandbox"), entry
