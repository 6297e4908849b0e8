"""Charts drawn on the server as SVG: no JavaScript, no CDN, and they print.

Pure functions: plain values in, one SVG string out. Every piece of text that reaches the markup
goes through `esc`, so a unit or competency name can never inject markup; callers may mark the
result safe. Print: meaning never rests on colour alone (cells and bars carry their numbers as
text, required levels are black marks, projections are dashed), and fills are content, which
browsers print even with "background graphics" off.

- `heatmap`: rows x columns of shares, each cell optionally a link.
- `profile_chart`: a person against a role, one bar per requirement with the required level marked.
- `line_chart`: one or more series over shared x labels (coverage over time; strategy supply).
- `bar_chart`: one value per label (expiry waves, level distributions), bars optionally links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK = "#1d2733"
MUTED = "#5c6b7a"
GRID = "#d7dee6"
SERIES_COLOURS = ("#0b5fa5", "#b26a00", "#1b7f3b", "#7a3ea1", "#b3261e")
SERIES_DASHES = ("", "6 4", "2 3", "8 3 2 3", "1 2")
STATUS_FILL = {"met": "#4f9a64", "short": "#e0a340", "missing": "#c9c9c9", "expired": "#c5524b"}


def esc(value: object) -> str:
    """Text for SVG content and attribute values."""
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    # Short coordinates keep big charts small; two decimals is far below a pixel.
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(width: float, height: float, title: str, description: str = "") -> list[str]:
    root = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_number(width)} {_number(height)}" '
            f'width="{_number(width)}" height="{_number(height)}" role="img" '
            f'font-family="{esc(FONT)}" font-size="12" fill="{INK}">')
    parts = [root, f"<title>{esc(title)}</title>"]
    if description:
        parts.append(f"<desc>{esc(description)}</desc>")
    return parts


def _link(href: str | None, inner: str) -> str:
    return f'<a href="{esc(href)}">{inner}</a>' if href else inner


def percent(value: float) -> str:
    return f"{round(value * 100):d}%"


# ---------------------------------------------------------------- heatmap

@dataclass(frozen=True)
class HeatCell:
    share: float | None  # 0..1, or None for "nothing required here"
    text: str  # printed in the cell, e.g. "75%"
    title: str  # tooltip and accessible name
    href: str | None = None


@dataclass(frozen=True)
class HeatLabel:
    text: str
    title: str = ""
    href: str | None = None


def share_fill(share: float) -> str:
    """Low shares dark red, high shares light green; the lightness alone orders them (greyscale print)."""
    stops = ((0.0, (150, 40, 35)), (0.5, (226, 160, 70)), (0.8, (200, 225, 160)), (1.0, (226, 242, 226)))
    share = min(max(share, 0.0), 1.0)
    for (low, low_rgb), (high, high_rgb) in pairwise(stops):
        if share <= high:
            t = 0 if high == low else (share - low) / (high - low)
            rgb = [round(a + (b - a) * t) for a, b in zip(low_rgb, high_rgb)]
            return "#" + "".join(f"{c:02x}" for c in rgb)
    return "#e2f2e2"


def _text_on(share: float) -> str:
    return "#ffffff" if share < 0.35 else INK


def heatmap(rows: Sequence[HeatLabel], columns: Sequence[HeatLabel], cells: Sequence[Sequence[HeatCell]],
            title: str, cell_width: int = 46, cell_height: int = 26, label_width: int = 220) -> str:
    """A grid of shares with row labels on the left and slanted column labels on top."""
    header = 120
    width = label_width + cell_width * max(len(columns), 1) + 40
    height = header + cell_height * max(len(rows), 1) + 56
    parts = _open(width, height, title, "Share of requirements met per row and column; darker is worse.")
    for j, column in enumerate(columns):
        x = label_width + j * cell_width + cell_width / 2
        label = f'<text transform="translate({_number(x)},{header - 6}) rotate(-55)">{esc(_clip(column.text, 22))}' \
                f"<title>{esc(column.title or column.text)}</title></text>"
        parts.append(_link(column.href, label))
    for i, row in enumerate(rows):
        y = header + i * cell_height
        label = (f'<text x="{label_width - 8}" y="{_number(y + cell_height / 2 + 4)}" text-anchor="end">'
                 f"{esc(_clip(row.text, 34))}<title>{esc(row.title or row.text)}</title></text>")
        parts.append(_link(row.href, label))
        for j, cell in enumerate(cells[i]):
            x = label_width + j * cell_width
            if cell.share is None:
                body = (f'<rect x="{x + 1}" y="{y + 1}" width="{cell_width - 2}" height="{cell_height - 2}" '
                        f'fill="#f3f5f8" stroke="{GRID}"><title>{esc(cell.title)}</title></rect>'
                        f'<text x="{_number(x + cell_width / 2)}" y="{_number(y + cell_height / 2 + 4)}" '
                        f'text-anchor="middle" fill="{MUTED}">–</text>')
                parts.append(body)
                continue
            body = (f'<rect x="{x + 1}" y="{y + 1}" width="{cell_width - 2}" height="{cell_height - 2}" '
                    f'fill="{share_fill(cell.share)}" stroke="#ffffff"><title>{esc(cell.title)}</title></rect>'
                    f'<text x="{_number(x + cell_width / 2)}" y="{_number(y + cell_height / 2 + 4)}" '
                    f'text-anchor="middle" fill="{_text_on(cell.share)}">{esc(cell.text)}</text>')
            parts.append(_link(cell.href, f'<g class="cell">{body}</g>'))
    legend_y = header + cell_height * len(rows) + 18
    parts.append(f'<text x="{label_width}" y="{legend_y + 12}" fill="{MUTED}">Requirements met:</text>')
    for k, share in enumerate((0.0, 0.25, 0.5, 0.75, 1.0)):
        x = label_width + 120 + k * 54
        parts.append(f'<rect x="{x}" y="{legend_y}" width="50" height="18" fill="{share_fill(share)}" stroke="{GRID}"/>'
                     f'<text x="{x + 25}" y="{legend_y + 13}" text-anchor="middle" fill="{_text_on(share)}">'
                     f"{percent(share)}</text>")
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- person against role

@dataclass(frozen=True)
class ProfileBar:
    label: str  # competency code
    title: str  # competency name, for the tooltip
    required: int
    proficiency: int
    status: str  # met | short | missing | expired
    essential: bool


def profile_chart(bars: Sequence[ProfileBar], max_level: int, title: str) -> str:
    """One row per requirement: the person's level as a bar, the required level as a black mark."""
    label_width, unit, row = 190, 46, 30
    top_level = max([max_level, *(b.required for b in bars), *(b.proficiency for b in bars), 1])
    width = label_width + unit * top_level + 170
    height = 40 + row * max(len(bars), 1) + 40
    parts = _open(width, height, title, "Bars show the person's level; black marks show the level the role needs.")
    for level in range(top_level + 1):
        x = label_width + level * unit
        parts.append(f'<line x1="{x}" y1="30" x2="{x}" y2="{height - 40}" stroke="{GRID}"/>'
                     f'<text x="{x}" y="22" text-anchor="middle" fill="{MUTED}">{level}</text>')
    for i, bar in enumerate(bars):
        y = 34 + i * row
        essential = " (essential)" if bar.essential else " (desirable)"
        parts.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" '
                     f'font-weight="{"600" if bar.essential else "400"}">{esc(_clip(bar.label, 26))}'
                     f"<title>{esc(bar.title + essential)}</title></text>")
        fill = STATUS_FILL.get(bar.status, "#999999")
        if bar.proficiency:
            parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{bar.proficiency * unit}" height="{row - 10}" '
                         f'fill="{fill}" stroke="{INK}" stroke-width="0.5"><title>{esc(bar.title)}: level '
                         f"{bar.proficiency}</title></rect>")
        mark_x = label_width + bar.required * unit
        parts.append(f'<line x1="{mark_x}" y1="{y}" x2="{mark_x}" y2="{y + row - 2}" stroke="#000000" '
                     f'stroke-width="3"><title>required level {bar.required}</title></line>')
        verdict = f"has {bar.proficiency}, needs {bar.required}: {bar.status}"
        parts.append(f'<text x="{label_width + top_level * unit + 10}" y="{y + 16}" '
                     f'class="status-{esc(bar.status)}">{esc(verdict)}</text>')
    legend_y = height - 20
    parts.append(f'<line x1="{label_width}" y1="{legend_y - 10}" x2="{label_width}" y2="{legend_y + 4}" '
                 f'stroke="#000000" stroke-width="3"/><text x="{label_width + 8}" y="{legend_y}">required</text>')
    x = label_width + 80
    for status in ("met", "short", "expired", "missing"):
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="14" height="12" fill="{STATUS_FILL[status]}" '
                     f'stroke="{INK}" stroke-width="0.5"/><text x="{x + 18}" y="{legend_y}">{status}</text>')
        x += 76
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- line chart

@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per x label; None leaves a gap
    dashed: bool = False


def line_chart(x_labels: Sequence[str], series: Sequence[Series], title: str, *, y_max: float | None = None,
               y_format: Callable[[float], str] = percent, marker: int | None = None, marker_label: str = "",
               width: int = 720, height: int = 300, label_every: int = 1) -> str:
    """Series over shared, evenly spaced x labels. `y_max` defaults to the largest value (1.0 suits
    shares); `marker` draws a vertical line at that x index (e.g. "today")."""
    left, right, top, bottom = 56, 20, 24, 78  # bottom: room for slanted x labels
    legend_rows = (len(series) + 1) // 2
    plot_w = width - left - right
    plot_h = height - top - bottom - 20 * legend_rows
    values = [v for s in series for v in s.values if v is not None]
    ceiling = y_max if y_max is not None else max([*values, 0.0]) or 1.0
    n = max(len(x_labels), 1)

    def x_at(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top + plot_h - plot_h * (min(v, ceiling) / ceiling if ceiling else 0)

    parts = _open(width, height, title)
    for k in range(5):
        value = ceiling * k / 4
        y = y_at(value)
        parts.append(f'<line x1="{left}" y1="{_number(y)}" x2="{left + plot_w}" y2="{_number(y)}" stroke="{GRID}"/>'
                     f'<text x="{left - 6}" y="{_number(y + 4)}" text-anchor="end" fill="{MUTED}">'
                     f"{esc(y_format(value))}</text>")
    for i, label in enumerate(x_labels):
        if i % max(label_every, 1) == 0 or i == n - 1:
            x = x_at(i)
            parts.append(f'<text transform="translate({_number(x)},{top + plot_h + 14}) rotate(-40)" '
                         f'text-anchor="end" fill="{MUTED}">{esc(label)}</text>')
    if marker is not None and 0 <= marker < n:
        x = x_at(marker)
        parts.append(f'<line x1="{_number(x)}" y1="{top}" x2="{_number(x)}" y2="{top + plot_h}" stroke="{INK}" '
                     f'stroke-dasharray="3 3"/><text x="{_number(x + 4)}" y="{top + 10}">{esc(marker_label)}</text>')
    for k, line in enumerate(series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        dash = "6 4" if line.dashed else SERIES_DASHES[k % len(SERIES_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(line.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{_number(x_at(i))},{_number(y_at(value))}")
            parts.append(f'<circle cx="{_number(x_at(i))}" cy="{_number(y_at(value))}" r="2.5" fill="{colour}">'
                         f"<title>{esc(line.name)}, {esc(x_labels[i] if i < len(x_labels) else '')}: "
                         f"{esc(y_format(value))}</title></circle>")
        if segment:
            segments.append(segment)
        for points in segments:
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                         f'stroke-width="2"{dash_attr}/>')
    legend_top = top + plot_h + bottom
    for k, line in enumerate(series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        dash = "6 4" if line.dashed else SERIES_DASHES[k % len(SERIES_DASHES)]
        x = left + (k % 2) * (plot_w // 2)
        y = legend_top + (k // 2) * 20
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x + 28}" y2="{y}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
                     f'<text x="{x + 34}" y="{y + 4}">{esc(_clip(line.name, 48))}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- bar chart

@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    title: str = ""
    href: str | None = None
    highlight: bool = False


def bar_chart(bars: Sequence[Bar], title: str, *, value_format: Callable[[float], str] = lambda v: f"{v:g}",
              width: int = 720, height: int = 260, colour: str = "#0b5fa5") -> str:
    """Vertical bars with their value printed above each bar."""
    left, right, top, bottom = 20, 20, 26, 54
    plot_w = width - left - right
    plot_h = height - top - bottom
    n = max(len(bars), 1)
    slot = plot_w / n
    ceiling = max([b.value for b in bars] + [0]) or 1
    parts = _open(width, height, title)
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{INK}"/>')
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / ceiling
        x = left + i * slot + slot * 0.15
        y = top + plot_h - h
        fill = "#b26a00" if bar.highlight else colour
        inner = (f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(slot * 0.7)}" height="{_number(h)}" '
                 f'fill="{fill}"><title>{esc(bar.title or f"{bar.label}: {value_format(bar.value)}")}</title></rect>'
                 f'<text x="{_number(x + slot * 0.35)}" y="{_number(y - 4)}" text-anchor="middle">'
                 f"{esc(value_format(bar.value))}</text>")
        parts.append(_link(bar.href, f'<g class="bar">{inner}</g>'))
        parts.append(f'<text x="{_number(x + slot * 0.35)}" y="{top + plot_h + 16}" text-anchor="middle" '
                     f'fill="{MUTED}">{esc(_clip(bar.label, 12))}</text>')
    parts.append("</svg>")
    return "".join(parts)
