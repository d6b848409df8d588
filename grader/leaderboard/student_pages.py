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
    return render("student.html", title="My work", view=view, rows=rows, who=who)


@router.get("/me/submissions/{submission_id}", response_class=HTMLResponse)
def my_submission(request: Request, submission_id: str, ctx: Context) -> Response:
    who = require_viewer(request, ctx)
    return submission_page(ctx, who, submission_id)


def submission_page(ctx: ServerContext, who: Viewer, submission_id: str) -> Response:
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
        extra["note"] = graded.judgment.note
    return render("submission.html", title=view["exercise"], sub=view, who=who, **extra)


__all__ = ["router", "submission_page"]
