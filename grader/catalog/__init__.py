"""Exercise packs: loading, validating and looking up exercises.

The names below load on first use: the sandbox's entrypoint imports `grader.catalog.model`
(the check configuration, standard library only) and never the loader.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "CheckConfig": "grader.catalog.model",
    "Exercise": "grader.catalog.model",
    "ExercisePack": "grader.catalog.loader",
    "Limits": "grader.catalog.model",
    "Task": "grader.catalog.model",
    "bundled_pack_root": "grader.catalog.loader",
    "load_exercise": "grader.catalog.loader",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'grader.catalog' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_PUBLIC)
