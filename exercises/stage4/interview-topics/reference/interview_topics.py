"""Three interview classics, written so that their behaviour can be tested.

The GIL (threads for waiting, processes for computing), shallow versus deep
copies (what aliasing breaks), and lazy generator pipelines.
"""

from __future__ import annotations

import copy
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

Factory = Callable[..., Executor]
KINDS = {"cpu": "process", "io": "thread"}
FACTORIES: dict[str, Factory] = {
    "thread": ThreadPoolExecutor,
    "process": ProcessPoolExecutor,
}


# --------------------------------------------------------------------- task 1


def pick_executor(workload: str) -> str:
    """``"process"`` for CPU-bound work (the GIL runs one thread at a time),
    ``"thread"`` for IO-bound work (a waiting thread releases the GIL)."""
    if workload not in KINDS:
        raise ValueError(f"workload must be 'cpu' or 'io', got {workload!r}")
    return KINDS[workload]


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
    if isinstance(max_workers, bool) or not isinstance(max_workers, int):
        raise ValueError(f"max_workers must be an int >= 1, got {max_workers!r}")
    if max_workers < 1:
        raise ValueError(f"max_workers must be an int >= 1, got {max_workers!r}")
    kind = pick_executor(workload)
    factory = (FACTORIES if factories is None else factories)[kind]
    with factory(max_workers=max_workers) as executor:
        return list(executor.map(func, list(items)))


# --------------------------------------------------------------------- task 2


def cpu_task(n: int) -> int:
    """Sum of ``i * i`` for ``i`` below ``n``, in pure Python (holds the GIL)."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def io_task(delay: float, sleep: Callable[[float], Any] = time.sleep) -> float:
    """Wait ``delay`` seconds with ``sleep`` (releases the GIL); return ``delay``."""
    sleep(delay)
    return delay


def fetch_all(
    fetch: Callable[[str], Any], urls: Sequence[str], max_workers: int = 4
) -> dict[str, Any]:
    """``{url: fetch(url)}`` with the fetches running at once in threads."""
    results = run_parallel(fetch, urls, "io", max_workers=max_workers)
    return dict(zip(urls, results))


# --------------------------------------------------------------------- task 3


def paint(
    rows: int, cols: int, cells: Iterable[tuple[int, int]], ink: str = "#"
) -> list[list[str]]:
    """A ``rows`` x ``cols`` grid of ``"."`` with ``ink`` at each (row, col).

    Each row is its own list: ``[["."] * cols] * rows`` would repeat one row.
    """
    if rows < 0 or cols < 0:
        raise ValueError("rows and cols must be >= 0")
    grid = [["."] * cols for _ in range(rows)]
    for r, c in cells:
        if not (0 <= r < rows and 0 <= c < cols):
            raise IndexError(f"cell ({r}, {c}) is outside {rows}x{cols}")
        grid[r][c] = ink
    return grid


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Merge ``overrides`` into ``base`` in place, nested dicts key by key."""
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


class ConfigStore:
    """Defaults shared by every user, plus each user's own overrides."""

    def __init__(self, defaults: Mapping[str, Any]) -> None:
        self._defaults = copy.deepcopy(dict(defaults))
        self._users: dict[str, dict[str, Any]] = {}

    def defaults(self) -> dict[str, Any]:
        """A copy of the defaults: changing it changes nothing here."""
        return copy.deepcopy(self._defaults)

    def for_user(self, name: str) -> dict[str, Any]:
        """The user's configuration (the defaults until they change it)."""
        if name not in self._users:
            self._users[name] = copy.deepcopy(self._defaults)
        return copy.deepcopy(self._users[name])

    def update(self, name: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``overrides`` into the user's configuration and return it."""
        self.for_user(name)
        _merge(self._users[name], overrides)
        return copy.deepcopy(self._users[name])

    def append(self, name: str, key: str, item: Any) -> dict[str, Any]:
        """Append ``item`` to the user's list at ``key`` and return the config."""
        self.for_user(name)
        target = self._users[name].get(key)
        if not isinstance(target, list):
            raise KeyError(f"{key!r} is not a list in {name!r}'s configuration")
        target.append(copy.deepcopy(item))
        return copy.deepcopy(self._users[name])


class UndoStack:
    """A nested document with edits that can be undone."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._doc = copy.deepcopy(dict(document))
        self._history: list[dict[str, Any]] = []

    def state(self) -> dict[str, Any]:
        """A copy of the document now."""
        return copy.deepcopy(self._doc)

    def edit(self, path: Sequence[str], value: Any) -> None:
        """Set the value at ``path`` (keys from the top), creating dicts on the way."""
        if not path:
            raise ValueError("path is empty")
        self._history.append(copy.deepcopy(self._doc))
        node = self._doc
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = copy.deepcopy(value)

    def undo(self) -> dict[str, Any]:
        """Go back one edit and return the document; ``IndexError`` if none."""
        if not self._history:
            raise IndexError("nothing to undo")
        self._doc = self._history.pop()
        return copy.deepcopy(self._doc)


# --------------------------------------------------------------------- task 4


def parse_events(lines: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """Lazily parse ``"ts,user,action"`` lines into ``(int ts, user, action)``.

    Blank lines and lines starting with ``#`` are skipped; a malformed line
    raises ``ValueError`` naming it when the pipeline reaches it.
    """
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split(",")
        if len(parts) != 3 or not parts[0].strip().lstrip("-").isdigit():
            raise ValueError(f"malformed event line: {line!r}")
        yield int(parts[0]), parts[1].strip(), parts[2].strip()


def only(
    events: Iterable[tuple[int, str, str]], action: str
) -> Iterator[tuple[int, str, str]]:
    """Lazily keep the events whose action is ``action``."""
    return (event for event in events if event[2] == action)


def batched(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lazily group items into lists of ``size``; the last may be shorter."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be an int >= 1, got {size!r}")
    return _batches(iter(iterable), size)


def _batches(iterator: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in iterator:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def pipeline(lines: Iterable[str], action: str, size: int) -> Iterator[list[str]]:
    """Users of the ``action`` events, in batches of ``size``, all lazily."""
    users = (user for _, user, _ in only(parse_events(lines), action))
    return batched(users, size)
