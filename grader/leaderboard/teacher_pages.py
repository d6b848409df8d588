"""The teacher's pages: the class grid, one student's history, one exercise across the
class (distribution, most-failed tests, regrade all), a submission and its files, the
gradebook downloads and the similarity report. Teacher only; every form that changes
something carries the session's CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.leaderboard import regrades, submissions
from grader.leaderboard.db.models import Account
from grader.leaderboard.errors import ApiError
from grader.leaderboard.gradebook import GradebookError, export
from grader.leaderboard.operations import stalled_jobs
from grader.i18n.catalog import say
from grader.i18n.message import msg
from grader.leaderboard.page_text import page_language, title
from grader.leaderboard.pages import histogram_of
from grader.leaderboard.server import ServerContext, server_context
from grader.leaderboard.similarity import similarity_report
from grader.leaderboard.student_pages import localize_titles, submission_page
from grader.leaderboard.teacher_data import archive_download, csv_download
from grader.leaderboard.views import class_grid, exercise_results, student_view
from grader.leaderboard.web import HEADERS, check_form, render, require_teacher

router = APIRouter(prefix="/teacher", include_in_schema=False)
Context = Annotated[ServerContext, Depends(server_context)]
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


@router.get("", response_class=HTMLResponse)
def grid_page(request: Request, ctx: Context) -> Response:
    who = require_teacher(request, ctx)
    with ctx.db.session() as session:
        grid = class_grid(session, ctx.catalog)
    stalled = stalled_jobs(ctx.db, after_seconds=ctx.settings.stalled_after_seconds)
    lang = page_language(request)
    for exercise in grid["exercises"]:
        found = ctx.catalog.find(exercise["slug"])
        exercise["title"] = title(found, lang) if found else exercise["title"]
    return render(
        "teacher_grid.html",
        lang=lang,
        title=say(msg("Class grid"), lang),
        grid=grid,
        stalled=stalled,
        who=who,
    )


@router.get("/students/{account_id}", response_class=HTMLResponse)
def student_page(request: Request, account_id: int, ctx: Context) -> Response:
    who = require_teacher(request, ctx)
    with ctx.db.session() as session:
        account = session.get(Account, account_id)
        if account is None or account.role != "student":
            raise ApiError(404, "student_not_found", f"no student {account_id}")
        view = student_view(session, ctx.catalog, account_id)
    lang = page_language(request)
    localize_titles(view["exercises"], ctx, lang)
    return render(
        "teacher_student.html", lang=lang, title=view["student"], view=view, who=who
    )


@router.get("/exercises/{stage}/{slug}", response_class=HTMLResponse)
def exercise_page(request: Request, stage: str, slug: str, ctx: Context) -> Response:
    who = require_teacher(request, ctx)
    qualified = ctx.resolve_exercise(f"{stage}/{slug}")
    assert qualified is not None
    with ctx.db.session() as session:
        view = exercise_results(session, ctx.catalog, qualified)
    bars = histogram_of(view["percents"])
    lang = page_language(request)
    found = ctx.catalog.find(qualified)
    view["title"] = title(found, lang) if found else view["title"]
    return render(
        "teacher_exercise.html",
        lang=lang,
        title=view["title"],
        view=view,
        bars=bars,
        regrades=regrades.latest_regrades(ctx.db, qualified),
        who=who,
    )


@router.post("/exercises/{stage}/{slug}/regrade")
def regrade_all(
    request: Request,
    stage: str,
    slug: str,
    ctx: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    scope: Annotated[str, Form(max_length=10)] = "latest",
) -> Response:
    who = require_teacher(request, ctx)
    check_form(request, who, csrf)
    qualified = ctx.resolve_exercise(f"{stage}/{slug}")
    assert qualified is not None
    started = regrades.regrade_exercise(
        ctx.db, exercise=qualified, scope=scope, reason=reason
    )
    for job_id in started.job_ids:
        ctx.queue.notify(job_id)
    return RedirectResponse(f"/teacher/exercises/{qualified}", 303, headers=HEADERS)


@router.get("/exercises/{stage}/{slug}/similarity", response_class=HTMLResponse)
def similarity_page(request: Request, stage: str, slug: str, ctx: Context) -> Response:
    who = require_teacher(request, ctx)
    qualified = ctx.resolve_exercise(f"{stage}/{slug}")
    exercise = ctx.catalog.find(qualified or "")
    assert exercise is not None
    report = similarity_report(ctx.db, ctx.settings, exercise)
    lang = page_language(request)
    return render(
        "similarity.html",
        lang=lang,
        title=say(msg("Similarity · {title}", title=title(exercise, lang)), lang),
        report=report,
        exercise=exercise,
        who=who,
    )


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission(request: Request, submission_id: str, ctx: Context) -> Response:
    who = require_teacher(request, ctx)
    return submission_page(ctx, who, submission_id, page_language(request))


@router.get("/submissions/{submission_id}/files")
def submission_files(request: Request, submission_id: str, ctx: Context) -> Response:
    require_teacher(request, ctx)
    return archive_download(ctx, submission_id)


@router.post("/submissions/{submission_id}/regrade")
def regrade_one(
    request: Request,
    submission_id: str,
    ctx: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    who = require_teacher(request, ctx)
    check_form(request, who, csrf)
    accepted = submissions.regrade(ctx.db, submission_id, reason)
    ctx.queue.notify(accepted.job_id)
    return RedirectResponse(
        f"/teacher/submissions/{submission_id}", 303, headers=HEADERS
    )


@router.get("/export")
def export_page(request: Request, ctx: Context, format: str = "wide") -> Response:
    require_teacher(request, ctx)
    try:
        with ctx.db.session() as session:
            made = export(session, ctx.catalog, format=format)
    except GradebookError as exc:
        raise ApiError(422, "invalid_format", exc.message) from None
    return csv_download(made)


@router.get("/export/canvas", response_class=HTMLResponse)
def canvas_form(request: Request, ctx: Context) -> Response:
    who = require_teacher(request, ctx)
    lang = page_language(request)
    return render(
        "canvas_export.html",
        lang=lang,
        title=say(msg("Export for Canvas"), lang),
        who=who,
    )


@router.post("/export/canvas")
def canvas_export(
    request: Request,
    ctx: Context,
    template: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    who = require_teacher(request, ctx)
    check_form(request, who, csrf)
    text = template.file.read(MAX_TEMPLATE_BYTES).decode("utf-8-sig", "replace")
    try:
        with ctx.db.session() as session:
            made = export(session, ctx.catalog, format="canvas", canvas_template=text)
    except GradebookError as exc:
        raise ApiError(422, "invalid_template", exc.message) from None
    return csv_download(made)


__all__ = ["router"]
