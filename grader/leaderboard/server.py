"""What every request handler shares: settings, database, exercises and the queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from grader.leaderboard.boards import BoardCache
from grader.leaderboard.db import Database
from grader.leaderboard.errors import ApiError
from grader.leaderboard.exercises import Catalog
from grader.leaderboard.queue import JobQueue
from grader.leaderboard.sessions import ViewerCache
from grader.leaderboard.settings import Settings


@dataclass
class ServerContext:
    settings: Settings
    db: Database
    catalog: Catalog
    queue: JobQueue
    boards: BoardCache
    viewers: ViewerCache = field(default_factory=ViewerCache)

    def resolve_exercise(self, slug: str | None) -> str | None:
        """The qualified slug, None for none; ApiError 404 for an unknown one."""
        if slug is None or slug == "":
            return None
        exercise = self.catalog.find(slug)
        if exercise is None:
            raise ApiError(
                404, "unknown_exercise", f"this server has no exercise {slug!r}"
            )
        return exercise.qualified_slug

    def check_stage(self, stage: int | None) -> None:
        """ApiError 404 for a stage the pack does not have."""
        if stage is not None and stage not in self.catalog.stages():
            stages = ", ".join(str(n) for n in self.catalog.stages())
            raise ApiError(
                404,
                "unknown_stage",
                f"this server has no stage {stage}; it has: {stages}",
            )


async def server_context(request: Request) -> ServerContext:
    # async: a plain function would cost every request a trip to the thread pool.
    context: ServerContext = request.app.state.context
    return context
