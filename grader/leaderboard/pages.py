"""The leaderboard page: server-rendered HTML, no JavaScript, no resources from elsewhere."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from grader.i18n.catalog import say
from grader.i18n.message import msg
from grader.leaderboard.db.models import TEACHER
from grader.leaderboard.page_text import (
    gettext,
    helpers,
    language_headers,
    page_language,
    title,
)
from grader.leaderboard.server import ServerContext, server_context
from grader.leaderboard.sessions import Viewer
from grader.leaderboard.standings import Standing, leaderboard
from grader.leaderboard.web import (
    HEADERS,
    local_path,
    signed_in_async,
    templates,
    to_signin,
)

router = APIRouter()
BUCKETS = 10
REDUCED_TITLE = msg(
    "Graded with reduced isolation (allowed by the teacher): the sandbox could not rule "
    "out a forged score"
)


@dataclass(frozen=True)
class Tab:
    label: str
    href: str
    active: bool


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    height: float


@router.get("/", response_class=HTMLResponse, summary="The leaderboard page")
async def leaderboard_page(
    request: Request,
    ctx: Annotated[ServerContext, Depends(server_context)],
    stage: Annotated[int | None, Query(ge=1, le=99)] = None,
    exercise: Annotated[str | None, Query(max_length=120)] = None,
    pseudonyms: bool = False,
) -> Response:
    """Tabs per stage and exercise are links, so the page works without JavaScript.

    Private by default: the teacher sees names (and may switch to pseudonyms), a student
    sees pseudonyms and their own row named; without signing in, only a public board
    (pseudonyms only) is shown.
    """
    who = await signed_in_async(request, ctx)
    if who is None and not ctx.settings.public_board:
        return to_signin(local_path(request))
    slug = ctx.resolve_exercise(exercise)
    ctx.check_stage(stage)
    chosen = ctx.catalog.find(slug) if slug else None
    if chosen is not None:
        stage = chosen.stage
    teacher = who is not None and who.role == TEACHER
    hide = not teacher or pseudonyms or ctx.settings.force_pseudonyms
    own = who.id if who is not None and not teacher else None
    lang = page_language(request)
    html = await ctx.boards.get(
        ("page", stage, slug, hide, teacher, own, lang),
        lambda: render_page(ctx, stage, slug, hide, who, lang),
    )
    return HTMLResponse(html, headers={**HEADERS, **language_headers(lang)})


def render_page(
    ctx: ServerContext,
    stage: int | None,
    slug: str | None,
    hide: bool,
    who: Viewer | None = None,
    lang: str = "en",
) -> str:
    """The page's HTML for a tab (`stage`, `slug`), with names or pseudonyms, in `lang`.

    `who` is the signed-in viewer: the teacher may switch between names and pseudonyms;
    a student's own row shows their name.
    """
    _ = gettext(lang)
    chosen = ctx.catalog.find(slug) if slug else None
    with ctx.db.session() as session:
        standings = leaderboard(
            session, stage=stage, exercise=slug, catalog=ctx.catalog.exercises
        )
    teacher = who is not None and who.role == TEACHER
    can_toggle = teacher and not ctx.settings.force_pseudonyms

    def href(**query: object) -> str:
        params = {k: v for k, v in query.items() if v not in (None, False)}
        if hide and can_toggle:
            params["pseudonyms"] = "true"
        return "/" + (f"?{urlencode(params)}" if params else "")

    stage_tabs = [Tab(_("All stages"), href(), stage is None)] + [
        Tab(_("Stage {number}", number=n), href(stage=n), stage == n and slug is None)
        for n in ctx.catalog.stages()
    ]
    exercise_tabs = []
    if stage is not None:
        exercise_tabs = [
            Tab(
                title(e, lang),
                href(stage=stage, exercise=e.qualified_slug),
                e == chosen,
            )
            for e in ctx.catalog.in_stage(stage)
        ]
    names_query = {"stage": stage, "exercise": slug}
    toggle = None
    if can_toggle:
        params = {k: v for k, v in names_query.items() if v is not None}
        if not hide:
            params["pseudonyms"] = "true"
        toggle = "/" + (f"?{urlencode(params)}" if params else "")
    own = who.id if who is not None and not teacher else None
    rows = []
    for s in standings:
        if s.account_id == own:
            rows.append((s, _("{name} (you)", name=s.name), True))
        else:
            rows.append((s, s.pseudonym if hide else s.name, False))
    return (
        templates()
        .get_template("leaderboard.html")
        .render(
            **helpers(lang),
            title=_title(_, stage, title(chosen, lang) if chosen else None),
            stage_tabs=stage_tabs,
            exercise_tabs=exercise_tabs,
            rows=rows,
            bars=histogram(standings),
            hide_names=hide,
            toggle=toggle,
            refresh=ctx.settings.refresh_seconds,
            reduced_title=say(REDUCED_TITLE, lang),
            who=who,
        )
    )


def histogram(standings: list[Standing]) -> list[Bar]:
    """How many students scored 0-9 %, 10-19 %, ... 90-100 %, as bars 0..100 high."""
    return histogram_of([s.percent for s in standings])


def histogram_of(percents: list[float]) -> list[Bar]:
    """Bars for percents (0..100), one per 10 % band."""
    counts = [0] * BUCKETS
    for percent in percents:
        percent = percent if math.isfinite(percent) else 0.0
        counts[max(0, min(int(percent // BUCKETS), BUCKETS - 1))] += 1
    tallest = max(counts) or 1
    width = 100 / BUCKETS
    return [
        Bar(
            label=(
                f"{n * width:g}–{(n + 1) * width - 1:g}"
                if n < BUCKETS - 1
                else "90–100"
            ),
            count=count,
            x=n * width,
            height=round(100 * count / tallest, 1),
        )
        for n, count in enumerate(counts)
    ]


def _title(_: Callable[..., str], stage: int | None, exercise: str | None) -> str:
    if exercise:
        return _("Stage {number}: {exercise}", number=stage, exercise=exercise)
    return _("Stage {number}", number=stage) if stage else _("All stages")
