"""Reading TOML: `tomllib` on Python 3.11 and later, its backport `tomli` on 3.10."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only (pyproject.toml pulls tomli in)
    import tomli as tomllib

TomlError = tomllib.TOMLDecodeError


def load_toml(text: str) -> dict[str, Any]:
    """The table `text` holds; raises TomlError (with line and column) when it is not TOML."""
    return tomllib.loads(text)
