"""The leaderboard page: server-rendered HTML, no JavaScript, no resources from elsewhere."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader

from grader.leaderboard.server import ServerContext, server_context
from grader.leaderboard.standings import Standing, leaderboard

router = APIRouter()
BUCKETS = 10
REDUCED_TITLE = (
    "Graded with reduced isolation (allowed by the teacher): the sandbox could not rule "
    "out a forged score"
)
# Inline styles only, nothing else: no script, no fetches, no framing.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
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


@lru_cache(maxsize=1)
def templates() -> Environment:
    return Environment(
        loader=PackageLoader("grader.leaderboard", "templates"), autoescape=True
    )


@router.get("/", response_class=HTMLResponse, summary="The leaderboard page")
async def leaderboard_page(
    ctx: Annotated[ServerContext, Depends(server_context)],
    stage: Annotated[int | None, Query(ge=1, le=99)] = None,
    exercise: Annotated[str | None, Query(max_length=120)] = None,
    pseudonyms: bool = False,
) -> HTMLResponse:
    """Tabs per stage and exercise are links, so the page works without JavaScript."""
    slug = ctx.resolve_exercise(exercise)
    chosen = ctx.catalog.find(slug) if slug else None
    if chosen is not None:
        stage = chosen.stage
    hide = pseudonyms or ctx.settings.force_pseudonyms
    html = await ctx.boards.get(
        ("page", stage, slug, hide), lambda: render_page(ctx, stage, slug, hide)
    )
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": PAGE_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def render_page(
    ctx: ServerContext, stage: int | None, slug: str | None, hide: bool
) -> str:
    """The page's HTML for a tab (`stage`, `slug`), with names or pseudonyms."""
    chosen = ctx.catalog.find(slug) if slug else None
    with ctx.db.session() as session:
        standings = leaderboard(session, stage=stage, exercise=slug)

    def href(**query: object) -> str:
        params = {k: v for k, v in query.items() if v not in (None, False)}
        if hide and not ctx.settings.force_pseudonyms:
            params["pseudonyms"] = "true"
        return "/" + (f"?{urlencode(params)}" if params else "")

    stage_tabs = [Tab("All stages", href(), stage is None)] + [
        Tab(f"Stage {n}", href(stage=n), stage == n and slug is None)
        for n in ctx.catalog.stages()
    ]
    exercise_tabs = []
    if stage is not None:
        exercise_tabs = [
            Tab(e.title_en, href(stage=stage, exercise=e.qualified_slug), e == chosen)
            for e in ctx.catalog.in_stage(stage)
        ]
    names_query = {"stage": stage, "exercise": slug}
    toggle = None
    if not ctx.settings.force_pseudonyms:
        params = {k: v for k, v in names_query.items() if v is not None}
        if not hide:
            params["pseudonyms"] = "true"
        toggle = "/" + (f"?{urlencode(params)}" if params else "")
    return (
        templates()
        .get_template("leaderboard.html")
        .render(
            title=_title(stage, chosen.title_en if chosen else None),
            stage_tabs=stage_tabs,
            exercise_tabs=exercise_tabs,
            rows=[(s, s.pseudonym if hide else s.name) for s in standings],
            bars=histogram(standings),
            hide_names=hide,
            toggle=toggle,
            refresh=ctx.settings.refresh_seconds,
            reduced_title=REDUCED_TITLE,
        )
    )


def histogram(standings: list[Standing]) -> list[Bar]:
    """How many students scored 0-9 %, 10-19 %, ... 90-100 %, as bars 0..100 high."""
    counts = [0] * BUCKETS
    for standing in standings:
        percent = standing.percent if math.isfinite(standing.percent) else 0.0
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


def _title(stage: int | None, exercise: str | None) -> str:
    if exercise:
        return f"Stage {stage}: {exercise}"
    return f"Stage {stage}" if stage else "All stages"
