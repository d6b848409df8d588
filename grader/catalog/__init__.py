"""Exercise packs: loading, validating and looking up exercises.

The names below load on first use: the sandbox's entrypoint imports `grader.catalog.model`
(the check configuration, standard library only) and never the loader.
"""

from __future__ import annotations

from grader.lazy import lazy_names

_PUBLIC = {
    "CheckConfig": "grader.catalog.model",
    "Exercise": "grader.catalog.model",
    "ExercisePack": "grader.catalog.loader",
    "Limits": "grader.catalog.model",
    "Task": "grader.catalog.model",
    "bundled_pack_root": "grader.catalog.loader",
    "load_exercise": "grader.catalog.loader",
}


__getattr__ = lazy_names(__name__, _PUBLIC)


__all__ = sorted(_PUBLIC)
