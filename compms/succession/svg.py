"""Server-rendered SVG pictures for succession pages (no JavaScript, no CDN).

compms/gaps/svg.py did not exist when this was written, so these small helpers live here. Every text
is escaped; every picture names itself for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

STRENGTH_COLOURS = {"strong": "#2e7d32", "adequate": "#9ccc65", "weak": "#ffb300", "none": "#d32f2f"}
BOX_COLOURS = {1: "#ef9a9a", 2: "#ffe082", 3: "#c5e1a5", 4: "#ffe082", 5: "#fff59d", 6: "#a5d6a7",
               7: "#c5e1a5", 8: "#a5d6a7", 9: "#66bb6a"}


def _open(css: str, width: int, height: int, label: str) -> list[str]:
    text = escape(label)
    return [f'<svg class="{css}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{text}">', f"<title>{text}</title>"]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


def succession_chart(rows: Sequence[Any], width: int = 720) -> SafeString:
    """One card per key position, coloured by bench strength, with holder and bench counts."""
    if not rows:
        return mark_safe("")
    cols = 3
    card_w, card_h, gap = (width - 20) // cols - 10, 86, 10
    height = 40 + ((len(rows) + cols - 1) // cols) * (card_h + gap)
    parts = _open("chart-succession", width, height, "Succession chart: key positions by bench strength")
    legend_x = 10
    for word, colour in STRENGTH_COLOURS.items():
        parts.append(f'<rect x="{legend_x}" y="8" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{legend_x + 18}" y="20" font-size="12">{escape(word)}</text>')
        legend_x += 100
    for i, row in enumerate(rows):
        x = 10 + (i % cols) * (card_w + gap)
        y = 36 + (i // cols) * (card_h + gap)
        bench = row.bench
        colour = STRENGTH_COLOURS[bench.strength]
        full_title = str(row.key_position)
        title = escape(_shorten(full_title, card_w // 7))
        in_scope = getattr(row, "in_scope", True)
        holder = escape(_shorten(", ".join(row.holders) or "vacant", card_w // 6 - 8)) if in_scope else "–"
        risk = escape(row.key_position.risk_of_loss) if in_scope else "–"
        flag = " ⚑ no ready successor" if bench.flagged else ""
        # A nested <svg> clips whatever still overflows the card; the full name stays in the tooltip.
        parts.append(
            f'<g class="key-position" data-strength="{bench.strength}"><title>{escape(full_title)}</title>'
            f'<rect x="{x}" y="{y}" width="{card_w}" height="{card_h}" rx="6" fill="{colour}" fill-opacity="0.35" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<svg x="{x}" y="{y}" width="{card_w - 4}" height="{card_h}">'
            f'<text x="8" y="18" font-size="12" font-weight="bold">{title}</text>'
            f'<text x="8" y="36" font-size="11">Holder: {holder}</text>'
            f'<text x="8" y="54" font-size="11">Ready now {bench.ready_now} · 1-2 y '
            f'{bench.ready_soon} · 3+ y {bench.ready_later}</text>'
            f'<text x="8" y="72" font-size="11">Risk {risk}, '
            f'impact {escape(row.key_position.impact)}{escape(flag)}</text></svg></g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def nine_box_grid(people: Sequence[Any], width: int = 600, height: int = 480) -> SafeString:
    """The 3x3 grid: performance left to right, potential bottom to top; names in their box."""
    left, bottom, top_margin = 40, 40, 10
    cell_w = (width - left - 10) / 3
    cell_h = (height - bottom - top_margin) / 3
    by_box: dict[int, list[Any]] = {}
    for person in people:
        by_box.setdefault(person.box, []).append(person)
    parts = _open("chart-ninebox", width, height, "9-box grid of performance and potential")
    from compms.core.readiness import box_label

    for performance in (1, 2, 3):
        for potential in (1, 2, 3):
            box = (potential - 1) * 3 + performance
            x = left + (performance - 1) * cell_w
            y = top_margin + (3 - potential) * cell_h
            parts.append(f'<g class="box" data-box="{box}"><rect x="{x:.0f}" y="{y:.0f}" width="{cell_w:.0f}" '
                         f'height="{cell_h:.0f}" fill="{BOX_COLOURS[box]}" stroke="#fff" stroke-width="2"/>'
                         f'<text x="{x + 6:.0f}" y="{y + 16:.0f}" font-size="12" font-weight="bold">'
                         f'{escape(box_label(performance, potential))} ({len(by_box.get(box, []))})</text>')
            for j, person in enumerate(by_box.get(box, [])[:6]):
                mark = "*" if person.calibrated else ""
                parts.append(f'<text x="{x + 8:.0f}" y="{y + 34 + j * 15:.0f}" font-size="11">'
                             f'{escape(person.name)}{mark}</text>')
            extra = len(by_box.get(box, [])) - 6
            if extra > 0:
                parts.append(f'<text x="{x + 8:.0f}" y="{y + 34 + 6 * 15:.0f}" font-size="11">… {extra} more</text>')
            parts.append("</g>")
    parts.append(f'<text x="{left + (width - left) / 2:.0f}" y="{height - 8}" font-size="12" '
                 f'text-anchor="middle">Performance →</text>')
    parts.append(f'<text x="14" y="{height / 2:.0f}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 14 {height / 2:.0f})">Potential →</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def career_map(person_name: str, current: Sequence[str], options: Sequence[Any], width: int = 720) -> SafeString:
    """The person (with their current roles) in the middle-left; each option on the right, the arrow
    thicker for a better score and its colour by readiness."""
    if not options:
        return mark_safe("")
    row_h = 46
    height = max(120, 20 + len(options) * row_h)
    colours = {"ready_now": "#2e7d32", "ready_1_2_years": "#ffb300", "ready_3_plus_years": "#9e9e9e"}
    parts = _open("chart-career", width, height, f"Career map of {person_name}")
    cy = height / 2
    parts.append(f'<rect x="10" y="{cy - 30:.0f}" width="200" height="60" rx="8" fill="#e3f2fd" stroke="#1565c0"/>'
                 f'<text x="20" y="{cy - 8:.0f}" font-size="13" font-weight="bold">{escape(person_name)}</text>'
                 f'<text x="20" y="{cy + 12:.0f}" font-size="11">'
                 f'{escape(_shorten(", ".join(current) or "no role", 34))}</text>')
    for i, option in enumerate(options):
        y = 20 + i * row_h
        colour = colours.get(option.readiness, "#9e9e9e")
        stroke = 1 + 5 * max(0.0, min(1.0, option.score))
        parts.append(
            f'<g class="career-option" data-role="{escape(option.role)}">'
            f'<line x1="210" y1="{cy:.0f}" x2="420" y2="{y + 16}" stroke="{colour}" stroke-width="{stroke:.1f}"/>'
            f'<rect x="420" y="{y}" width="{width - 430}" height="34" rx="6" fill="{colour}" fill-opacity="0.2" '
            f'stroke="{colour}"/>'
            f'<text x="428" y="{y + 14}" font-size="12" font-weight="bold">'
            f'{escape(_shorten(option.role_name, 40))}</text>'
            f'<text x="428" y="{y + 28}" font-size="11">fit {option.fit:.0%} · similarity {option.similarity:.0%} · '
            f'{len(option.gaps)} gaps · {option.hours_to_ready:.0f} h</text></g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def level_history(dates: Sequence[dt.date], series: Sequence[tuple[str, Sequence[int]]], top: int = 5,
                  width: int = 640, height: int = 240) -> SafeString:
    """A person's level per competency at each month end: one step line per competency."""
    if not dates or not series:
        return mark_safe("")
    left, right, top_m, bottom = 36, 170, 12, 34
    plot_w, plot_h = width - left - right, height - top_m - bottom
    top = max(top, 1)
    palette = ["#1565c0", "#2e7d32", "#c62828", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457"]

    def x(i: int) -> float:
        return left + plot_w * (i / max(len(dates) - 1, 1))

    def y(level: int) -> float:
        return top_m + plot_h * (1 - level / top)

    parts = _open("chart-levels", width, height, "Levels by month")
    for level in range(top + 1):
        parts.append(f'<line x1="{left}" y1="{y(level):.1f}" x2="{left + plot_w}" y2="{y(level):.1f}" '
                     f'stroke="#eee"/><text x="{left - 6}" y="{y(level) + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{level}</text>')
    for i, day in enumerate(dates):
        if i % max(1, len(dates) // 6) == 0 or i == len(dates) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" font-size="10" text-anchor="middle">'
                         f'{day:%b %y}</text>')
    for s, (label, levels) in enumerate(series[:8]):
        colour = palette[s % len(palette)]
        points = []
        for i, level in enumerate(levels):
            if i:
                points.append(f"{x(i):.1f},{y(levels[i - 1]):.1f}")
            points.append(f"{x(i):.1f},{y(level):.1f}")
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>'
                     f'<text x="{left + plot_w + 8}" y="{top_m + 14 + s * 16}" font-size="11" fill="{colour}">'
                     f'{escape(_shorten(label, 26))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
