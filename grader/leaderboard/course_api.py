"""The course under /api/v1: the student's own view, and the teacher's grid, histories,
results, files, regrade all, gradebook and similarity report (bearer tokens)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from grader.leaderboard import auth, regrades
from grader.leaderboard.api import Caller, _errors, caller, teacher
from grader.leaderboard.db.models import TEACHER
from grader.leaderboard.errors import ApiError
from grader.leaderboard.gradebook import GradebookError, export
from grader.leaderboard.server import ServerContext, server_context
from grader.leaderboard.similarity import similarity_report
from grader.leaderboard.teacher_data import archive_download, csv_download
from grader.leaderboard.views import class_grid, exercise_results, student_view

router = APIRouter(prefix="/api/v1")
Context = Annotated[ServerContext, Depends(server_context)]
Teacher = Annotated[Caller, Depends(teacher)]
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class RegradeRequest(BaseModel):
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Why (students see it when their score changes).",
    )
    scope: Literal["latest", "all"] = Field(
        "latest", description="Each student's latest submission, or every one."
    )


@router.get(
    "/me",
    summary="Your submissions, grades, deadlines and regrades (student)",
    responses=_errors(401, 403),
)
def me(who: Annotated[Caller, Depends(caller)], ctx: Context) -> dict[str, Any]:
    if who.role == TEACHER:
        raise ApiError(
            403, "students_only", "the teacher has no work of their own here"
        )
    with ctx.db.session() as session:
        return student_view(session, ctx.catalog, who.id)


@router.get("/class", summary="The class grid (teacher)", responses=_errors(401, 403))
def grid(who: Teacher, ctx: Context) -> dict[str, Any]:
    with ctx.db.session() as session:
        return class_grid(session, ctx.catalog)


@router.get(
    "/students/{student_id}",
    summary="One student's history with each scorecard's summary (teacher)",
    responses=_errors(401, 403, 404),
)
def student(student_id: str, who: Teacher, ctx: Context) -> dict[str, Any]:
    with ctx.db.session() as session:
        try:
            account = auth.find_account(session, student_id)
        except auth.AccountError as exc:
            raise ApiError(404, "student_not_found", exc.message) from None
        return student_view(session, ctx.catalog, account.id)


@router.get(
    "/exercises/{stage}/{slug}/results",
    summary="One exercise across the class: grades, distribution, most-failed tests",
    responses=_errors(401, 403, 404),
)
def results(stage: str, slug: str, who: Teacher, ctx: Context) -> dict[str, Any]:
    qualified = ctx.resolve_exercise(f"{stage}/{slug}")
    assert qualified is not None
    with ctx.db.session() as session:
        return exercise_results(session, ctx.catalog, qualified)


@router.post(
    "/exercises/{stage}/{slug}/regrade",
    status_code=202,
    summary="Regrade every latest (or every) submission of an exercise (teacher)",
    responses=_errors(401, 403, 404, 422),
)
def regrade_all(
    stage: str, slug: str, body: RegradeRequest, who: Teacher, ctx: Context
) -> dict[str, Any]:
    qualified = ctx.resolve_exercise(f"{stage}/{slug}")
    assert qualified is not None
    started = regrades.regrade_exercise(
        ctx.db, exercise=qualified, scope=body.scope, reason=body.reason
    )
    for job_id in started.job_ids:
        ctx.queue.notify(job_id)
    return {
        "id": started.regrade_id,
        "jobs": len(started.job_ids),
        "skipped": started.skipped,
        "progress_url": f"/api/v1/regrades/{started.regrade_id}",
    }


@router.get(
    "/regrades/{regrade_id}",
    summary="A regrade's progress and how many scores it changed (teacher)",
    responses=_errors(401, 403, 404),
)
def regrade_progress(regrade_id: str, who: Teacher, ctx: Context) -> dict[str, Any]:
    return regrades.progress(ctx.db, regrade_id)


@router.get(
    "/submissions/{submission_id}/files",
    summary="The files of a submission, as uploaded (teacher)",
    response_class=Response,
    responses=_errors(401, 403, 404),
)
def files(submission_id: str, who: Teacher, ctx: Context) -> Response:
    return archive_download(ctx, submission_id)


@router.get(
    "/gradebook",
    summary="The gradebook as CSV: wide, long or moodle (teacher)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **_errors(401, 403, 422)},
)
def gradebook(
    who: Teacher,
    ctx: Context,
    format: Annotated[Literal["wide", "long", "moodle"], Query()] = "wide",
) -> Response:
    with ctx.db.session() as session:
        return csv_download(export(session, ctx.catalog, format=format))


@router.post(
    "/gradebook/canvas",
    summary="The gradebook for Canvas, filled into your Canvas export (teacher)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **_errors(401, 403, 422)},
)
def canvas(
    who: Teacher,
    ctx: Context,
    template: Annotated[UploadFile, File(description="Your Canvas gradebook export.")],
) -> Response:
    text = template.file.read(MAX_TEMPLATE_BYTES).decode("utf-8-sig", "replace")
    try:
        with ctx.db.session() as session:
            made = export(session, ctx.catalog, format="canvas", canvas_template=text)
    except GradebookError as exc:
        raise ApiError(422, "invalid_template", exc.message) from None
    return csv_download(made)


@router.get(
    "/exercises/{stage}/{slug}/similarity",
    summary="Pairs of submissions sharing code, with the shared fragments (teacher)",
    responses=_errors(401, 403, 404),
)
def similarity(stage: str, slug: str, who: Teacher, ctx: Context) -> dict[str, Any]:
    exercise = ctx.catalog.find(ctx.resolve_exercise(f"{stage}/{slug}") or "")
    assert exercise is not None
    pairs = similarity_report(ctx.db, ctx.settings, exercise)
    return {"exercise": exercise.qualified_slug, "pairs": [asdict(p) for p in pairs]}


__all__ = ["router"]
