"""The server as an ASGI application: `create_app(settings)` wires API, pages and queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader import __version__
from grader.leaderboard import (
    api,
    course_api,
    pages,
    signin_pages,
    student_pages,
    teacher_pages,
)
from grader.leaderboard.boards import BoardCache
from grader.leaderboard.db import open_database
from grader.leaderboard.errors import ApiError
from grader.leaderboard.exercises import load_catalog
from grader.leaderboard.queue import JobQueue
from grader.leaderboard.server import ServerContext
from grader.leaderboard.settings import Settings
from grader.leaderboard.submissions import upload_too_large
from grader.leaderboard.page_text import page_language
from grader.leaderboard.web import SignInRequired, error_page, to_signin
from grader.leaderboard.worker import GradingContext, InProcessPool
from grader.runner import Backend, get_backend

# Room for the multipart framing and the form's other field around the archive itself.
MULTIPART_SLACK = 64 * 1024


def make_queue(ctx: GradingContext, *, kind: str, workers: int) -> JobQueue:
    """The queue implementation named by `kind` (GRADER_QUEUE)."""
    if kind == "inprocess":
        return InProcessPool(ctx, workers=workers)
    if kind == "celery":
        from grader.leaderboard.celery_queue import CeleryQueue

        return CeleryQueue(ctx)
    raise ValueError(f"unknown queue kind {kind!r}")


def create_app(settings: Settings, *, backend: Backend | None = None) -> FastAPI:
    """The application; the database is migrated now, the workers start with the app."""
    db = open_database(settings.db_url)
    catalog = load_catalog(settings.exercises_dir)
    grading = GradingContext(
        db=db,
        settings=settings,
        catalog=catalog,
        backend=backend or get_backend(settings.backend),
    )
    jobs = make_queue(grading, kind=settings.queue, workers=settings.workers)
    context = ServerContext(
        settings=settings,
        db=db,
        catalog=catalog,
        queue=jobs,
        boards=BoardCache(db),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()

    app = FastAPI(
        title="grader class leaderboard",
        version=__version__,
        description=(
            "Submit workspaces for grading, follow them through the queue, read the "
            "leaderboard. Authenticate with `Authorization: Bearer TOKEN` (tokens come "
            "from `grader class`). Every error is `{error, message}`."
        ),
        lifespan=lifespan,
        # The interactive docs pages load scripts from a CDN; the document itself is local.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    app.include_router(api.router)
    app.include_router(course_api.router)
    app.include_router(pages.router)
    app.include_router(signin_pages.router)
    app.include_router(student_pages.router)
    app.include_router(teacher_pages.router)
    app.add_middleware(
        BodySizeLimit,
        limit=settings.max_upload_bytes + MULTIPART_SLACK,
        message=upload_too_large(settings),
    )
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(SignInRequired, _sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(
        RequestValidationError, _validation_error  # type: ignore[arg-type]
    )
    return app


def _body(status: int, code: str, message: str, headers: Any = None) -> JSONResponse:
    return JSONResponse(
        {"error": code, "message": message}, status_code=status, headers=headers
    )


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/openapi.json"))


async def _api_error(request: Request, exc: ApiError) -> Response:
    if _is_page(request):  # a person reads it: the same message, as a page
        return error_page(exc, None, page_language(request))
    return _body(exc.status, exc.code, exc.message, exc.headers)


async def _sign_in(request: Request, exc: SignInRequired) -> Response:
    return to_signin(exc.path)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if _is_page(request) and exc.status_code in (404, 405):
        missing = ApiError(exc.status_code, "not_found", "No such page.")
        return error_page(missing, None, page_language(request))
    code = {
        404: "not_found",
        405: "method_not_allowed",
        413: "upload_too_large",
    }.get(exc.status_code, "http_error")
    return _body(exc.status_code, code, str(exc.detail), exc.headers)


async def _validation_error(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return _body(422, "invalid_request", "; ".join(problems) or "invalid request")


class BodySizeLimit:
    """413 for a request body past `limit`, by its Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, *, limit: int, message: str) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await _body(413, "upload_too_large", self.message)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, detail=self.message)
            return message

        await self.app(scope, counted, send)
