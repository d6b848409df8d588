"""What every HTML page shares: templates, who is signed in, the forms' CSRF check, headers.

Pages are rendered on the server (Jinja2, autoescaped), run no script and load nothing
from elsewhere. A page that needs a signed-in user sends anyone else to the sign-in form;
a form that changes something is accepted only with the session's CSRF token, from the
server's own origin.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from anyio import to_thread
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader

from grader.i18n.catalog import say
from grader.i18n.message import Message, msg
from grader.leaderboard.db.models import TEACHER
from grader.leaderboard.errors import ApiError
from grader.leaderboard.page_text import helpers, language_headers
from grader.leaderboard.server import ServerContext
from grader.leaderboard.sessions import COOKIE, Viewer, csrf_matches, viewer

# Inline styles only; forms post to this server alone; nothing framed or fetched.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with
    # the page's own forms, and the CSRF check could not tell them from another site's.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@lru_cache(maxsize=1)
def templates() -> Environment:
    return Environment(
        loader=PackageLoader("grader.leaderboard", "templates"), autoescape=True
    )


def render(
    name: str, status: int = 200, *, lang: str = "en", **values: Any
) -> HTMLResponse:
    """A page in `lang` (`page_language(request)`)."""
    html = templates().get_template(name).render(**helpers(lang), **values)
    return HTMLResponse(
        html, status_code=status, headers={**HEADERS, **language_headers(lang)}
    )


class SignInRequired(Exception):
    """A page asked for by someone not signed in: they go to the sign-in form."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def signed_in(request: Request, ctx: ServerContext) -> Viewer | None:
    """The signed-in viewer (from the cache when it was seen in the last seconds)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    who = ctx.viewers.get(cookie)
    if who is None:
        with ctx.db.session() as session:
            who = viewer(session, cookie)
        if who is not None:
            ctx.viewers.put(cookie, who)
    return who


async def signed_in_async(request: Request, ctx: ServerContext) -> Viewer | None:
    """As `signed_in`, touching the database (in a thread) only on a cache miss."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    return ctx.viewers.get(cookie) or await to_thread.run_sync(signed_in, request, ctx)


def require_viewer(request: Request, ctx: ServerContext) -> Viewer:
    who = signed_in(request, ctx)
    if who is None:
        raise SignInRequired(local_path(request))
    return who


def require_teacher(request: Request, ctx: ServerContext) -> Viewer:
    who = require_viewer(request, ctx)
    if who.role != TEACHER:
        raise ApiError(403, "teacher_only", PAGE_ERRORS["teacher_only"].text)
    return who


def check_form(request: Request, who: Viewer, token: str | None) -> None:
    """Refuse a state-changing form from another site (CSRF)."""
    if not same_origin(request) or not csrf_matches(who.csrf, token):
        raise ApiError(403, "csrf_failed", PAGE_ERRORS["csrf_failed"].text)


def same_origin(request: Request) -> bool:
    """The Origin header, when the browser sends one, names this server; a browser that
    says the request came from another site (Sec-Fetch-Site) is refused too."""
    if request.headers.get("sec-fetch-site", "same-origin") not in (
        "same-origin",
        "none",
    ):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def local_path(request: Request) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this server: never an open redirect to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def to_signin(path: str) -> RedirectResponse:
    return RedirectResponse(
        "/signin?" + urlencode({"next": path}), status_code=303, headers=HEADERS
    )


# The errors a person meets on the pages, by code, when their text is fixed.
PAGE_ERRORS: dict[str, Message] = {
    "not_found": msg("No such page."),
    "teacher_only": msg("only the teacher may open this page"),
    "csrf_failed": msg(
        "this form did not come from this server's own page (or the page is too "
        "old); reload the page and try again"
    ),
}


def error_page(exc: ApiError, who: Viewer | None, lang: str = "en") -> HTMLResponse:
    """The error as a page: its text in `lang` when it has a fixed one, else English."""
    known = PAGE_ERRORS.get(exc.code)
    message = say(known, lang) if known is not None else exc.message
    return render(
        "error.html",
        status=exc.status,
        lang=lang,
        title=say(msg("Not possible"), lang),
        message=message,
        who=who,
    )


__all__ = [
    "HEADERS",
    "SignInRequired",
    "check_form",
    "PAGE_ERRORS",
    "error_page",
    "render",
    "require_teacher",
    "require_viewer",
    "safe_next",
    "signed_in",
    "signed_in_async",
    "templates",
    "to_signin",
]
