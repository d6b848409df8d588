"""Three interview classics, written so that their behaviour can be tested.

The GIL (threads for waiting, processes for computing), shallow versus deep
copies (what aliasing breaks), and lazy generator pipelines.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

Factory = Callable[..., Executor]
FACTORIES: dict[str, Factory] = {
    "thread": ThreadPoolExecutor,
    "process": ProcessPoolExecutor,
}


# --------------------------------------------------------------------- task 1


def pick_executor(workload: str) -> str:
    """``"process"`` for CPU-bound work (the GIL runs one thread at a time),
    ``"thread"`` for IO-bound work (a waiting thread releases the GIL)."""
    raise NotImplementedError


def run_parallel(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    workload: str,
    max_workers: int = 2,
    factories: Mapping[str, Factory] | None = None,
) -> list[Any]:
    """``func`` over ``items`` in the pool ``pick_executor(workload)`` names.

    ``factories`` maps ``"thread"``/``"process"`` to a callable taking
    ``max_workers=`` and returning an executor; the default is the standard
    library's pools. Results come back in the order of ``items``.
    """
    raise NotImplementedError


# --------------------------------------------------------------------- task 2


def cpu_task(n: int) -> int:
    """Sum of ``i * i`` for ``i`` below ``n``, in pure Python (holds the GIL)."""
    raise NotImplementedError


def io_task(delay: float, sleep: Callable[[float], Any] = time.sleep) -> float:
    """Wait ``delay`` seconds with ``sleep`` (releases the GIL); return ``delay``."""
    raise NotImplementedError


def fetch_all(
    fetch: Callable[[str], Any], urls: Sequence[str], max_workers: int = 4
) -> dict[str, Any]:
    """``{url: fetch(url)}`` with the fetches running at once in threads."""
    raise NotImplementedError


# --------------------------------------------------------------------- task 3


def paint(
    rows: int, cols: int, cells: Iterable[tuple[int, int]], ink: str = "#"
) -> list[list[str]]:
    """A ``rows`` x ``cols`` grid of ``"."`` with ``ink`` at each (row, col).

    Each row is its own list: ``[["."] * cols] * rows`` would repeat one row.
    """
    raise NotImplementedError


class ConfigStore:
    """Defaults shared by every user, plus each user's own overrides."""

    def __init__(self, defaults: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def defaults(self) -> dict[str, Any]:
        """A copy of the defaults: changing it changes nothing here."""
        raise NotImplementedError

    def for_user(self, name: str) -> dict[str, Any]:
        """The user's configuration (the defaults until they change it)."""
        raise NotImplementedError

    def update(self, name: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``overrides`` into the user's configuration and return it."""
        raise NotImplementedError

    def append(self, name: str, key: str, item: Any) -> dict[str, Any]:
        """Append ``item`` to the user's list at ``key`` and return the config."""
        raise NotImplementedError


class UndoStack:
    """A nested document with edits that can be undone."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        """A copy of the document now."""
        raise NotImplementedError

    def edit(self, path: Sequence[str], value: Any) -> None:
        """Set the value at ``path`` (keys from the top), creating dicts on the way."""
        raise NotImplementedError

    def undo(self) -> dict[str, Any]:
        """Go back one edit and return the document; ``IndexError`` if none."""
        raise NotImplementedError


# --------------------------------------------------------------------- task 4


def parse_events(lines: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """Lazily parse ``"ts,user,action"`` lines into ``(int ts, user, action)``.

    Blank lines and lines starting with ``#`` are skipped; a malformed line
    raises ``ValueError`` naming it when the pipeline reaches it.
    """
    raise NotImplementedError


def only(
    events: Iterable[tuple[int, str, str]], action: str
) -> Iterator[tuple[int, str, str]]:
    """Lazily keep the events whose action is ``action``."""
    raise NotImplementedError


def batched(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lazily group items into lists of ``size``; the last may be shorter."""
    raise NotImplementedError


def pipeline(lines: Iterable[str], action: str, size: int) -> Iterator[list[str]]:
    """Users of the ``action`` events, in batches of ``size``, all lazily."""
    raise NotImplementedError
