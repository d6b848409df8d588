"""Signing a browser in and out: a token typed into a form, a session cookie back.

The token travels once, in a POST body, never in a URL; the browser then holds only the
session cookie (Secure, HttpOnly, SameSite=Strict).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.i18n.catalog import say
from grader.i18n.message import Message, msg
from grader.leaderboard import auth
from grader.leaderboard.db.models import TEACHER
from grader.leaderboard.page_text import page_language
from grader.leaderboard.server import ServerContext, server_context
from grader.leaderboard.sessions import (
    COOKIE,
    LIFETIME,
    end_session,
    start_session,
)
from grader.leaderboard.web import (
    HEADERS,
    check_form,
    render,
    require_viewer,
    safe_next,
    same_origin,
    signed_in,
)

router = APIRouter(include_in_schema=False)
FOREIGN_FORM = msg("This form came from another site; sign in here.")
DISABLED = msg("This account is disabled; ask your teacher.")
BAD_TOKEN = msg(
    "That token is not valid (mistyped, or replaced by a newer one); copy it again "
    "from the file your teacher gave you."
)
Context = Annotated[ServerContext, Depends(server_context)]


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, ctx: Context, next: str = "") -> Response:
    who = signed_in(request, ctx)
    if who is not None:
        return RedirectResponse(safe_next(next, home(who.role)), 303, headers=HEADERS)
    lang = page_language(request)
    return render(
        "signin.html",
        lang=lang,
        title=say(msg("Sign in"), lang),
        next=safe_next(next, ""),
        who=None,
    )


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    ctx: Context,
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    lang = page_language(request)
    if not same_origin(request):
        return _again(next, FOREIGN_FORM, 403, lang)
    with ctx.db.write_session() as session:
        account = auth.authenticate(session, token)
        if account is None:
            disabled = auth.is_disabled(session, token)
            return _again(next, DISABLED if disabled else BAD_TOKEN, 401, lang)
        secret = start_session(session, account)
        role = account.role
    response = RedirectResponse(safe_next(next, home(role)), 303, headers=HEADERS)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        secure=ctx.settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    return response


@router.get("/signout", response_class=HTMLResponse)
def signout_form(request: Request, ctx: Context) -> Response:
    who = require_viewer(request, ctx)
    lang = page_language(request)
    return render("signout.html", lang=lang, title=say(msg("Sign out"), lang), who=who)


@router.post("/signout")
def signout(
    request: Request, ctx: Context, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    who = require_viewer(request, ctx)
    check_form(request, who, csrf)
    with ctx.db.write_session() as session:
        end_session(session, request.cookies.get(COOKIE))
    ctx.viewers.forget(request.cookies.get(COOKIE))
    response = RedirectResponse("/signin", 303, headers=HEADERS)
    response.delete_cookie(COOKIE, path="/")
    return response


def home(role: str) -> str:
    return "/teacher" if role == TEACHER else "/me"


def _again(next: str, message: Message, status: int, lang: str) -> Response:
    return render(
        "signin.html",
        status=status,
        lang=lang,
        title=say(msg("Sign in"), lang),
        next=safe_next(next, ""),
        message=say(message, lang),
        who=None,
    )


__all__ = ["router"]
