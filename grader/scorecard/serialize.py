"""The one place scorecards become JSON, and JSON becomes scorecards again."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import asdict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from grader.files import write_atomic
from grader.scorecard.model import (
    CheckResult,
    ExerciseRef,
    Gate,
    RunnerInfo,
    Scorecard,
    SubmissionRef,
    SubmittedFile,
)


@lru_cache(maxsize=1)
def scorecard_schema() -> dict[str, Any]:
    text = resources.files("grader.scorecard").joinpath("scorecard.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # only the host validates; the sandbox entrypoint starts faster without it

    return jsonschema.Draft202012Validator(scorecard_schema())


@lru_cache(maxsize=1)
def _fast_check() -> Any:
    """A compiled validator for the common case, a valid document (about 9x faster).

    fastjsonschema knows draft 7, which covers every keyword the schema uses; a document
    it rejects goes to jsonschema for the messages, so errors read the same either way.
    """
    import fastjsonschema

    # A deep copy: compiling rewrites the $refs of the dict it is given.
    schema = copy.deepcopy(scorecard_schema())
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    # jsonschema treats "format" as an annotation unless asked; so does this check.
    return fastjsonschema.compile(schema, formats={"date-time": lambda _: True})


# Beyond this an integer is no longer a finite double: JSON readers elsewhere overflow.
_LARGEST_INTEGER = 2**1023


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number (JSON has no NaN or Infinity)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large to be finite")
    return value


def loads_finite(text: str | bytes) -> Any:
    """JSON as the standard has it: `NaN`, `Infinity` and numbers too large for a double
    (`1e400`, read as infinity by default) are refused with ValueError."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)


def non_finite(document: Any) -> list[str]:
    """A `path: message` line for each NaN, infinity or overflowing integer in `document`.

    No JSON Schema keyword refuses NaN (every comparison with it is false), so this walk is
    part of validating a scorecard, in the fast check and the detailed one alike.
    """
    found: list[str] = []
    stack: list[tuple[tuple[object, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float):
            bad = not math.isfinite(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            bad = abs(value) >= _LARGEST_INTEGER
        elif isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
            continue
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
            continue
        else:
            continue
        if bad:
            where = ".".join(str(p) for p in path) or "(top)"
            found.append(f"{where}: {str(value)[:40]} is not a finite number")
    return sorted(found)


def is_valid(document: Any) -> bool:
    """Whether `document` matches the scorecard schema (and holds only finite numbers)."""
    import fastjsonschema

    try:
        _fast_check()(document)
    except fastjsonschema.JsonSchemaException:
        return False
    return not non_finite(document)


def schema_errors(document: Any) -> list[str]:
    """Every way `document` breaks the scorecard schema, as `path: message` lines."""
    if is_valid(document):
        return []
    return non_finite(document) + [
        f"{'.'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in _validator().iter_errors(document)
    ]


def check_errors(document: Any) -> list[str]:
    """Schema errors of one check result (as produced inside a sandbox)."""
    return non_finite(document) + [
        f"{'.'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in _check_validator().iter_errors(document)
    ]


@lru_cache(maxsize=1)
def _check_validator() -> Any:
    import jsonschema

    schema = {"$ref": "#/$defs/check", "$defs": scorecard_schema()["$defs"]}
    return jsonschema.Draft202012Validator(schema)


def to_plain(value: Any) -> Any:
    """A dataclass (scorecard, check result) as plain JSON-ready data."""
    return asdict(value)


def to_dict(card: Scorecard) -> dict[str, Any]:
    return to_plain(card)


def dumps(card: Scorecard) -> str:
    """The scorecard as JSON; ValueError for a NaN or infinity (JSON has neither)."""
    return (
        json.dumps(to_dict(card), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    )


def check_from_dict(data: dict[str, Any]) -> CheckResult:
    return CheckResult(**data)


def from_dict(data: dict[str, Any]) -> Scorecard:
    """Rebuild a scorecard; raise ValueError when it does not match the schema."""
    errors = schema_errors(data)
    if errors:
        raise ValueError("not a valid scorecard: " + "; ".join(errors[:3]))
    fields = dict(data)
    fields["exercise"] = ExerciseRef(**data["exercise"])
    fields["submission"] = SubmissionRef(
        sha256=data["submission"]["sha256"],
        files=[SubmittedFile(**f) for f in data["submission"]["files"]],
    )
    fields["runner"] = RunnerInfo(**data["runner"])
    fields["checks"] = [check_from_dict(c) for c in data["checks"]]
    fields["gates"] = [Gate(**g) for g in data.get("gates", [])]
    return Scorecard(**fields)


def load(path: Path) -> Scorecard:
    return from_dict(loads_finite(Path(path).read_text(encoding="utf-8")))


def write(
    card: Scorecard, path: Path, *, folder: Path | None = None, exclusive: bool = False
) -> None:
    """Validate then write atomically; an invalid scorecard is a harness bug, never saved.

    `folder` is the folder trusted as given: no link is followed below it (see
    `grader.files.write_atomic`); with `exclusive` an existing file is never replaced.
    """
    document = to_dict(card)
    errors = schema_errors(document)
    if errors:
        raise AssertionError(
            "scorecard breaks its own schema: " + "; ".join(errors[:3])
        )
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    write_atomic(path, text + "\n", folder=folder, exclusive=exclusive)
