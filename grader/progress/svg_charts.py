"""Small inline SVG charts, drawn in Python so a report needs no script and no network.

Every piece of text is escaped here; callers pass plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

STATUS_COLOUR = {"pass": "#2e7d32", "fail": "#c62828", "error": "#8e24aa"}
NEUTRAL = "#607d8b"


@dataclass(frozen=True)
class ChartPoint:
    """One attempt: its score in percent, its status and a tooltip."""

    percent: float
    status: str
    label: str


def score_line_chart(
    points: list[ChartPoint],
    *,
    title: str,
    pass_percent: float,
    width: int = 240,
    height: int = 110,
) -> str:
    """Score (0-100 %) over attempts 1..n, the pass mark dashed, each point coloured by status."""
    left, right, top, bottom = 30, 8, 8, 18
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(index: int) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        return left + plot_w * index / (len(points) - 1)

    def y_of(percent: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, percent)) / 100)

    parts = [_open_svg(width, height, title)]
    for tick in (0, 50, 100):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            'stroke="#e0e0e0" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" '
            f'font-size="9" fill="#757575">{tick}</text>'
        )
    mark = y_of(pass_percent)
    parts.append(
        f'<line x1="{left}" y1="{mark:.1f}" x2="{width - right}" y2="{mark:.1f}" '
        'stroke="#f9a825" stroke-width="1" stroke-dasharray="4 3">'
        f"<title>pass mark {pass_percent:g}%</title></line>"
    )
    coords = [(x_of(i), y_of(p.percent)) for i, p in enumerate(points)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{NEUTRAL}" stroke-width="1.5"/>'
        )
    for (x, y), point in zip(coords, points):
        colour = STATUS_COLOUR.get(point.status, NEUTRAL)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
            f"<title>{escape(point.label)}</title></circle>"
        )
    for index in sorted({0, len(points) - 1}):
        parts.append(
            f'<text x="{x_of(index):.1f}" y="{height - 5}" text-anchor="middle" '
            f'font-size="9" fill="#757575">{index + 1}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Bar:
    """One stage's completion: passed of total."""

    label: str
    passed: int
    total: int


def completion_bars(bars: list[Bar], *, title: str, width: int = 560) -> str:
    """One horizontal bar per stage: the share of exercises passed, with `n/m (p%)`."""
    row, label_w, text_w = 26, 90, 110
    bar_w = width - label_w - text_w
    height = row * len(bars) + 8
    parts = [_open_svg(width, height, title)]
    for i, bar in enumerate(bars):
        y = 4 + i * row
        share = bar.passed / bar.total if bar.total else 0.0
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12" fill="#212121">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" rx="3" '
            'fill="#eceff1"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * share:.1f}" height="16" '
            f'rx="3" fill="{STATUS_COLOUR["pass"]}"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 15}" font-size="12" fill="#212121">'
            f"{bar.passed}/{bar.total} ({share:.0%})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _open_svg(width: int, height: int, title: str) -> str:
    # No xmlns: inline SVG in HTML needs none, and the report names no address at all.
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
