"""Every check, one line each, in the order exercises and scorecards list them.

A line names the check's module rather than importing it: a declaration is loaded when it is
first asked for. So the sandbox's entrypoint loads the checks that run in the sandbox and
never a host check's module (the Dockerfile check imports the host's Docker runner).

Standard library only, like the declarations: the sandbox imports this module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

from grader.registry.declaration import CheckDeclaration, RunsIn


@dataclass(frozen=True)
class Registered:
    """A check's line: its id, the module that declares it, and where it runs."""

    id: str
    module: str
    runs_in: RunsIn = "sandbox"


CHECKS: tuple[Registered, ...] = (
    Registered("tests", "grader.graders.hidden_tests"),
    Registered("flake8", "grader.graders.flake8_check"),
    Registered("black", "grader.graders.black_check"),
    Registered("coverage", "grader.graders.coverage_check"),
    Registered("types", "grader.graders.types_check"),
    Registered("dockerfile", "grader.graders.dockerfile_check", runs_in="host"),
)

CHECK_IDS: tuple[str, ...] = tuple(entry.id for entry in CHECKS)
_BY_ID = {entry.id: entry for entry in CHECKS}


def registered(check_id: str) -> Registered:
    """The registry's line for `check_id`; KeyError for an id no check has."""
    return _BY_ID[check_id]


def runs_in(check_id: str) -> RunsIn:
    """Where the check runs, without loading its module."""
    return registered(check_id).runs_in


@lru_cache(maxsize=None)
def declaration(check_id: str) -> CheckDeclaration:
    """The declaration of `check_id`, its module loaded on first use."""
    entry = registered(check_id)
    found = importlib.import_module(entry.module).DECLARATION
    if not isinstance(found, CheckDeclaration) or (found.id, found.runs_in) != (
        entry.id,
        entry.runs_in,
    ):
        raise RuntimeError(
            f"{entry.module}.DECLARATION does not declare the check the registry names "
            f"({entry.id}, {entry.runs_in})"
        )
    return found


def declarations(where: RunsIn | None = None) -> list[CheckDeclaration]:
    """Every declaration in order, or those of the checks that run `where`."""
    return [
        declaration(entry.id)
        for entry in CHECKS
        if where is None or entry.runs_in == where
    ]


def runner_tools() -> list[str]:
    """What the runner image installs for the sandbox's checks, each requirement once."""
    tools: dict[str, None] = {}
    for declared in declarations("sandbox"):
        tools.update(dict.fromkeys(declared.tools))
    return list(tools)


def tool_modules() -> frozenset[str]:
    """The top-level modules the sandbox's checks import from their tools."""
    return frozenset(
        m for declared in declarations("sandbox") for m in declared.modules
    )
