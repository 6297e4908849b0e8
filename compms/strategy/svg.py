"""A small server-side SVG line chart for coverage over time (no JavaScript, no CDN).

Written here because `compms/gaps/svg.py` did not exist yet when strategy was built; when it does, the
objective page can switch to its line chart and this module can go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 16, 16, 36
MAX_X_LABELS = 7


def _y_ticks(top: int) -> list[int]:
    """Up to about five whole-number ticks from 0 to at least `top`."""
    step = max(1, -(-top // 4))
    return list(range(0, top + step, step))


def coverage_chart(series: Sequence[tuple[dt.date, int]], *, demand: int | None = None, title: str = "",
                   width: int = WIDTH, height: int = HEIGHT) -> SafeString:
    """Supply over time as a step line (supply holds until the next point), with the demand as a dashed
    line. Every text is escaped; the chart names itself for screen readers with `title`."""
    if not series:
        return mark_safe("")
    top = max([supply for _, supply in series] + [demand or 0, 1])
    ticks = _y_ticks(top)
    y_max = ticks[-1]
    plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = height - MARGIN_TOP - MARGIN_BOTTOM
    first, last = series[0][0].toordinal(), series[-1][0].toordinal()
    span = max(1, last - first)

    def x(day: dt.date) -> float:
        return MARGIN_LEFT + plot_w * (day.toordinal() - first) / span

    def y(value: int) -> float:
        return MARGIN_TOP + plot_h * (1 - value / y_max)

    points: list[str] = []
    for i, (day, supply) in enumerate(series):
        if i:
            points.append(f"{x(day):.1f},{y(series[i - 1][1]):.1f}")
        points.append(f"{x(day):.1f},{y(supply):.1f}")
    if len(series) == 1:  # a single point still draws a short level line
        points.append(f"{MARGIN_LEFT + plot_w:.1f},{y(series[0][1]):.1f}")

    label = escape(title or "Coverage over time")
    parts = [
        f'<svg class="chart-coverage" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{label}">',
        f"<title>{label}</title>",
    ]
    for tick in ticks:
        parts.append(f'<line class="grid" x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#dde3ea"/>')
        parts.append(f'<text x="{MARGIN_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#5b6b7b">{tick}</text>')
    every = max(1, -(-len(series) // MAX_X_LABELS))
    labelled = set(range(0, len(series), every)) | {len(series) - 1}
    for i in sorted(labelled):
        day = series[i][0]
        parts.append(f'<text x="{x(day):.1f}" y="{height - MARGIN_BOTTOM + 16}" text-anchor="middle" '
                     f'font-size="11" fill="#5b6b7b">{escape(day.strftime("%b %Y"))}</text>')
    if demand is not None:
        parts.append(f'<line class="demand" x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" y1="{y(demand):.1f}" '
                     f'y2="{y(demand):.1f}" stroke="#b3261e" stroke-dasharray="6 4" stroke-width="1.5"/>')
        parts.append(f'<text x="{width - MARGIN_RIGHT}" y="{y(demand) - 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#b3261e">demand {demand}</text>')
    parts.append(f'<polyline class="supply" fill="none" stroke="#1f6feb" stroke-width="2" '
                 f'points="{" ".join(points)}"/>')
    for day, supply in series:
        parts.append(f'<circle cx="{x(day):.1f}" cy="{y(supply):.1f}" r="2.5" fill="#1f6feb">'
                     f"<title>{escape(day.isoformat())}: {supply}</title></circle>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text above is escaped or a number
