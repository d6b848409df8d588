"""The JSON API under /api/v1: submit, status, leaderboard; regrade and export for teachers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from grader.leaderboard import auth, queue, submissions
from grader.leaderboard.db.models import TEACHER
from grader.leaderboard.errors import ApiError
from grader.leaderboard.schemas import (
    ErrorBody,
    ExerciseInfo,
    Health,
    Leaderboard,
    LeaderboardRow,
    SubmissionAccepted,
    SubmissionStatus,
)
from grader.leaderboard.operations import live_workers, stalled_jobs
from grader.leaderboard.server import ServerContext, server_context
from grader.leaderboard.standings import Standing, export_csv, leaderboard
from grader.leaderboard.web import signed_in_async

router = APIRouter(prefix="/api/v1")
bearer = HTTPBearer(auto_error=False, description="A student's or the teacher's token.")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


@dataclass(frozen=True)
class Caller:
    id: int
    name: str
    role: str


def caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> Caller:
    """The account behind the bearer token; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("send your token as `Authorization: Bearer TOKEN`")
    with ctx.db.session() as session:
        account = auth.authenticate(session, credentials.credentials)
        if account is None and auth.is_disabled(session, credentials.credentials):
            raise ApiError(
                403,
                "account_disabled",
                "this student account is disabled; ask your teacher to enable it",
            )
        if account is None:
            raise _unauthorized(
                "the token is not valid (mistyped, or replaced by a newer one); "
                "ask your teacher for your current token"
            )
        return Caller(id=account.id, name=account.name, role=account.role)


async def reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> Caller | None:
    """Who reads the board: a bearer token or a signed-in browser; None on a public board.

    401 for anyone else: the board is private unless the teacher made it public.
    """
    if credentials is not None:
        return await to_thread.run_sync(caller, credentials, ctx)
    who = await signed_in_async(request, ctx)
    if who is not None:
        return Caller(id=who.id, name=who.name, role=who.role)
    if ctx.settings.public_board:
        return None
    raise _unauthorized(
        "the board is private: send your token as `Authorization: Bearer TOKEN`, "
        "or sign in at /signin"
    )


def teacher(who: Annotated[Caller, Depends(caller)]) -> Caller:
    if who.role != TEACHER:
        raise ApiError(403, "teacher_only", "only the teacher's token may do this")
    return who


@router.post(
    "/submissions",
    status_code=202,
    response_model=SubmissionAccepted,
    summary="Submit an archive of a workspace for grading",
    responses=_errors(401, 403, 404, 413, 415, 422, 429),
)
def submit(
    request: Request,
    exercise: Annotated[
        str, Form(max_length=120, description="The exercise, e.g. stage1/grade-book.")
    ],
    archive: Annotated[
        UploadFile, File(description="The workspace's files as .tar.gz or .zip.")
    ],
    who: Annotated[Caller, Depends(caller)],
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> SubmissionAccepted:
    """Stored and queued before the answer; poll `status_url` for the scorecard."""
    if who.role == TEACHER:
        raise ApiError(
            403,
            "students_only",
            "the teacher's token cannot submit; add yourself as a student "
            "(`grader class add-student NAME`) to try an exercise",
        )
    data = archive.file.read(ctx.settings.max_upload_bytes + 1)
    accepted = submissions.accept_submission(
        ctx.db,
        settings=ctx.settings,
        catalog=ctx.catalog,
        account_id=who.id,
        slug=exercise,
        data=data,
    )
    ctx.queue.notify(accepted.job_id)
    return _accepted(request, accepted)


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionStatus,
    summary="A submission's status, queue position and scorecard",
    responses=_errors(401, 404),
)
def submission_status(
    submission_id: str,
    who: Annotated[Caller, Depends(caller)],
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> dict[str, Any]:
    """Students see their own submissions; the teacher sees all."""
    return submissions.submission_view(
        ctx.db,
        submission_id,
        account_id=who.id,
        is_teacher=who.role == TEACHER,
        stalled_after=ctx.settings.stalled_after_seconds,
    )


@router.post(
    "/submissions/{submission_id}/regrade",
    status_code=202,
    response_model=SubmissionAccepted,
    summary="Grade a submission again (teacher)",
    responses=_errors(401, 403, 404, 409),
)
def regrade(
    request: Request,
    submission_id: str,
    who: Annotated[Caller, Depends(teacher)],
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> SubmissionAccepted:
    """The stored archive is graded again; its new scorecard replaces the old one."""
    accepted = submissions.regrade(ctx.db, submission_id)
    ctx.queue.notify(accepted.job_id)
    return _accepted(request, accepted)


@router.get(
    "/leaderboard",
    response_model=Leaderboard,
    summary="Best score per student, for an exercise, a stage or the class",
    responses=_errors(401, 404, 422),
)
async def get_leaderboard(
    ctx: Annotated[ServerContext, Depends(server_context)],
    who: Annotated[Caller | None, Depends(reader)],
    stage: Annotated[int | None, Query(ge=1, le=99)] = None,
    exercise: Annotated[str | None, Query(max_length=120)] = None,
    pseudonyms: bool = False,
) -> Leaderboard:
    """Ties are broken by the earlier time. The teacher sees names (`pseudonyms=true`
    hides them); a student sees pseudonyms and their own name; a public board only
    pseudonyms."""
    slug = ctx.resolve_exercise(exercise)
    ctx.check_stage(stage)
    is_teacher = who is not None and who.role == TEACHER
    hide = not is_teacher or pseudonyms or ctx.settings.force_pseudonyms
    own = who.id if who is not None and not is_teacher else None
    standings = await ctx.boards.get(
        ("standings", stage, slug), lambda: cached_standings(ctx, stage, slug)
    )
    return Leaderboard(
        stage=stage,
        exercise=slug,
        pseudonyms=hide,
        rows=[
            LeaderboardRow(
                rank=s.rank,
                student=s.name if s.account_id == own or not hide else s.pseudonym,
                score=s.score,
                max_score=s.max_score,
                percent=round(s.percent, 1),
                exercises=s.exercises,
                passed=s.passed,
                submissions=s.submissions,
                reached_at=s.reached_at,
                reduced_isolation=s.reduced,
            )
            for s in standings
        ],
    )


@router.get(
    "/export.csv",
    response_class=PlainTextResponse,
    summary="Every student's best score per exercise, as CSV (teacher)",
    responses={
        200: {"content": {"text/csv": {}}, "description": "The grades as CSV."},
        **_errors(401, 403),
    },
)
def export(
    who: Annotated[Caller, Depends(teacher)],
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> PlainTextResponse:
    with ctx.db.session() as session:
        text = export_csv(session)
    return PlainTextResponse(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="grades.csv"'},
    )


@router.get(
    "/exercises", response_model=list[ExerciseInfo], summary="Exercises accepted"
)
def exercises(
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> list[ExerciseInfo]:
    return [
        ExerciseInfo(
            slug=e.qualified_slug, stage=e.stage, title=e.title_en, title_zh=e.title_zh
        )
        for e in ctx.catalog.exercises
    ]


@router.get("/health", response_model=Health, summary="Is the server up")
def health(ctx: Annotated[ServerContext, Depends(server_context)]) -> Health:
    with ctx.db.session() as session:
        jobs = queue.counts(session)
    processes, slots = live_workers(ctx.db)
    stalled = stalled_jobs(ctx.db, after_seconds=ctx.settings.stalled_after_seconds)
    return Health(
        status="ok",
        queue=ctx.queue.name,
        workers=slots,
        worker_processes=processes,
        stalled=stalled,
        jobs=jobs,
    )


def cached_standings(
    ctx: ServerContext, stage: int | None, slug: str | None
) -> list[Standing]:
    with ctx.db.session() as session:
        return leaderboard(
            session, stage=stage, exercise=slug, catalog=ctx.catalog.exercises
        )


def _accepted(request: Request, accepted: submissions.Accepted) -> SubmissionAccepted:
    return SubmissionAccepted(
        id=accepted.submission_id,
        exercise=accepted.exercise,
        status="queued",
        position=accepted.position,
        status_url=str(
            request.url_for("submission_status", submission_id=accepted.submission_id)
        ),
    )


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"}
    )


__all__ = ["router"]
