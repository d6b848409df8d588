"""Leaderboards computed once and served many times: the page is what a class reloads.

A board (the standings, or a rendered page) is cached per key. It is computed again when
this process stored a result since (`Database.results_changed`), at once; and at most
`stale_after` seconds after it was computed, for results written by other processes
(Celery workers): meanwhile the older board is served and one refresh runs in a thread.
Computing runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from anyio import to_thread

from grader.leaderboard.db import Database

STALE_AFTER_SECONDS = 1.0


@dataclass
class _Entry:
    generation: int
    computed_at: float
    value: Any


class BoardCache:
    """Values keyed by what was asked, valid for one generation of results."""

    def __init__(
        self, db: Database, *, stale_after: float = STALE_AFTER_SECONDS
    ) -> None:
        self.db, self.stale_after = db, stale_after
        self._entries: dict[Hashable, _Entry] = {}
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._refreshing: dict[Hashable, asyncio.Task[None]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for `key`, or `compute()` (run in a thread) when it is out of date."""
        entry = self._entries.get(key)
        generation = self.db.generation
        if entry is not None and entry.generation == generation:
            if time.monotonic() - entry.computed_at > self.stale_after:
                self._refresh_later(key, compute)
            return entry.value
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one computation per key; the others wait for it
            entry = self._entries.get(key)
            if entry is not None and entry.generation == generation:
                return entry.value
            return await self._compute(key, compute, generation)

    async def _compute(
        self, key: Hashable, compute: Callable[[], Any], generation: int
    ) -> Any:
        started = time.monotonic()
        value = await to_thread.run_sync(compute)
        current = self._entries.get(key)
        if current is None or current.computed_at <= started:
            self._entries[key] = _Entry(generation, started, value)
        return value

    def _refresh_later(self, key: Hashable, compute: Callable[[], Any]) -> None:
        if key in self._refreshing:
            return

        async def refresh() -> None:
            try:
                async with self._locks.setdefault(key, asyncio.Lock()):
                    await self._compute(key, compute, self.db.generation)
            finally:
                self._refreshing.pop(key, None)

        self._refreshing[key] = asyncio.get_running_loop().create_task(refresh())
