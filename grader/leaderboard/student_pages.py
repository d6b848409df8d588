"""The student's own pages: their exercises with deadlines, submissions, scorecards and
the regrades that changed a score. Signed-in students only; another student's
submission answers 404, like one that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.leaderboard import submissions
from grader.leaderboard.db.models import TEACHER, Submission, as_utc
from grader.leaderboard.deadlines import Policy, shown
from grader.leaderboard.grades import grade_submission
from grader.i18n.catalog import say
from grader.i18n.message import msg
from grader.leaderboard.page_text import page_language, title
from grader.leaderboard.server import ServerContext, server_context
from grader.leaderboard.sessions import Viewer
from grader.leaderboard.views import student_view
from grader.leaderboard.web import HEADERS, render, require_viewer

router = APIRouter(include_in_schema=False)
Context = Annotated[ServerContext, Depends(server_context)]


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, ctx: Context) -> Response:
    who = require_viewer(request, ctx)
    if who.role == TEACHER:
        return RedirectResponse("/teacher", 303, headers=HEADERS)
    with ctx.db.session() as session:
        view = student_view(session, ctx.catalog, who.id)
    rows = list(zip(view["exercises"], view["deadlines"]))
    lang = page_language(request)
    localize_titles(view["exercises"], ctx, lang)
    return render(
        "student.html",
        lang=lang,
        title=say(msg("My work"), lang),
        view=view,
        rows=rows,
        who=who,
    )


@router.get("/me/submissions/{submission_id}", response_class=HTMLResponse)
def my_submission(request: Request, submission_id: str, ctx: Context) -> Response:
    who = require_viewer(request, ctx)
    return submission_page(ctx, who, submission_id, page_language(request))


def localize_titles(cells: list[dict[str, Any]], ctx: ServerContext, lang: str) -> None:
    """The views' exercise titles are English (the API's); a page shows `lang`'s."""
    for cell in cells:
        exercise = ctx.catalog.find(str(cell.get("exercise", "")))
        if exercise is not None:
            cell["title"] = title(exercise, lang)


def submission_page(
    ctx: ServerContext, who: Viewer, submission_id: str, lang: str = "en"
) -> Response:
    """One submission with its scorecard, for its student or the teacher."""
    view = submissions.submission_view(
        ctx.db,
        submission_id,
        account_id=who.id,
        is_teacher=who.role == TEACHER,
        stalled_after=ctx.settings.stalled_after_seconds,
    )
    extra: dict[str, Any] = {}
    with ctx.db.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None
        policy = Policy(session)
        graded = grade_submission(policy, row)
        extra["account"] = row.account_id
        extra["submitted"] = shown(as_utc(row.created_at), policy.zone)
        extra["note"] = say(graded.judgment.message, lang)
    return render(
        "submission.html",
        lang=lang,
        title=view["exercise"],
        sub=view,
        who=who,
        **extra,
    )


__all__ = ["router", "submission_page"]
