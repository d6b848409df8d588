"""Exercise packs: loading, validating and looking up exercises."""

from grader.catalog.loader import ExercisePack, bundled_pack_root, load_exercise
from grader.catalog.model import CheckConfig, Exercise, Limits, Task

__all__ = [
    "CheckConfig",
    "Exercise",
    "ExercisePack",
    "Limits",
    "Task",
    "bundled_pack_root",
    "load_exercise",
]
