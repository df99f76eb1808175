"""Small server-side SVG charts (no JavaScript, no CDN): a line chart and a stacked bar.

Pure Python: each function returns an SVG string. Every piece of text that reaches the SVG (titles,
labels, figures) is escaped here, so a template may mark the result safe. Each chart carries a
<title> and <desc>, role="img" and an aria-label; the page shows the same figures in a table beside it.
Coordinates are floats (geometry only); the figures printed come from the caller's own formatting.

Readable when zoomed (WCAG 1.4.4, 1.4.10, 1.4.11): no text is smaller than 14 units, and ``responsive`` draws a
chart twice, at its full width and at NARROW, showing the narrow one (CSS container queries in vcsgrants.css)
wherever the full one would shrink its text below 12 CSS px. Each chart sits on its own white background, and
every colour drawn (PALETTE, the series' own) is at least 3:1 against it, or outlined in a colour that is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

FONT = "arial, sans-serif"
FONT_SIZE = 14  # the smallest text drawn, in SVG units
TEXT_COLOUR = "#0b0c0c"
AXIS_COLOUR = "#505a5f"
GRID_COLOUR = "#b1b4b6"
OUTLINE_COLOUR = "#0b0c0c"
BACKGROUND = "#ffffff"
NARROW = 280  # the width of a chart's narrow layout: 12 CSS px text or larger on a 320 px screen
CHAR_WIDTH = 8  # about the width of one character at FONT_SIZE, for laying out legends


@dataclass(frozen=True)
class Series:
    """One line: a name for the legend, a value per label (None for a gap), and how it is drawn."""

    name: str
    values: Sequence[Decimal | int | None]
    colour: str = "#1d70b8"
    dashed: bool = False
    marker: str = "circle"  # circle or square, so the lines differ by more than colour


@dataclass(frozen=True)
class Segment:
    label: str
    count: int
    fill: str
    text_colour: str = "#ffffff"


def _safe_id(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", value)
    return cleaned if cleaned[:1].isalpha() else f"c-{cleaned}"


def _num(x: float) -> str:
    return f"{x:.1f}"


def _plain(value: Decimal | int) -> str:
    return f"{value:,}"


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 × a power of ten) that splits span into about `ticks` intervals."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _open_svg(width: int, height: int, title: str, desc: str, chart_id: str) -> list[str]:
    if width <= NARROW:
        chart_id = f"{chart_id}-narrow"  # both layouts may be on one page
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'class="app-chart" role="img" id={quoteattr(chart_id)} aria-label={quoteattr(title)} '
        f'aria-describedby="{chart_id}-desc" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{BACKGROUND}"/>',
    ]


def _legend_rows(names: Sequence[str], width: int, *, start: int = 0, swatch: int = 36) -> list[tuple[int, int]]:
    """(x, row) for each legend entry, wrapping onto a new row rather than running off the chart."""
    placed, x, row = [], start, 0
    for name in names:
        w = swatch + CHAR_WIDTH * len(name) + 16
        if x > start and x + w > width:
            x, row = start, row + 1
        placed.append((x, row))
        x += w
    return placed


def responsive(render: Callable[[int], str], wide: int = 720) -> str:
    """The chart at its full width and at NARROW; the page's CSS shows the one that keeps text 12 CSS px or larger.

    ``render(width)`` draws the chart at a width. The wide one is shown while its container is at least
    wide × 12 / FONT_SIZE pixels across (a container query on .app-chart-box, in vcsgrants.css, for 720 and 900).
    """
    if wide not in (720, 900):
        raise ValueError("vcsgrants.css has container queries for charts 720 or 900 wide")
    return (
        f'<div class="app-chart-box"><div class="app-chart-wide app-chart-wide--{wide}">{render(wide)}</div>'
        f'<div class="app-chart-narrow">{render(NARROW)}</div></div>'
    )


def line_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_label: str = "",
    value_text: Callable[[Decimal | int], str] = _plain,
    chart_id: str = "line-chart",
    width: int = 720,
    height: int = 360,
) -> str:
    """Lines over evenly spaced categories (quarters); a missing value breaks the line rather than dropping to zero."""
    chart_id = _safe_id(chart_id)
    if width <= NARROW:
        height = min(height, 300)
    legend = _legend_rows([s.name for s in series], width, start=72 if width > NARROW else 0)
    legend_h = 24 * (max((row for _, row in legend), default=0) + 1)
    left, right, top, bottom = 72, 16, 40, 40 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    present = [float(v) for s in series for v in s.values if v is not None]
    low = min([0.0, *present])
    high = max([0.0, *present])
    step = nice_step(high - low, 5 if width > NARROW else 4)
    y_min = math.floor(low / step) * step
    y_max = max(math.ceil(high / step) * step, y_min + step)

    def x_at(i: int) -> float:  # each category at the middle of its own slot, so end labels stay inside the chart
        return left + plot_w * (i + 0.5) / max(1, len(labels))

    def y_at(v: float) -> float:
        return top + plot_h - (v - y_min) / (y_max - y_min) * plot_h

    out = _open_svg(width, height, title, desc, chart_id)
    # Horizontal grid lines and the y axis's figures.
    for k in range(round((y_max - y_min) / step) + 1):
        tick = round(y_min + k * step, 10)
        y = y_at(tick)
        out.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        tick_text = value_text(Decimal(str(tick)).normalize() if tick % 1 else int(tick))
        out.append(f'<text x="{left - 8}" y="{_num(y + 5)}" text-anchor="end" fill="{TEXT_COLOUR}">{escape(tick_text)}</text>')
    axis = f'stroke="{AXIS_COLOUR}" stroke-width="1"'
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" {axis}/>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" {axis}/>')
    if y_label:
        out.append(f'<text x="{left}" y="{top - 24}" fill="{TEXT_COLOUR}">{escape(y_label)}</text>')
    # x labels: thinned so they do not overlap (one per label's width of room), always keeping the last.
    label_w = CHAR_WIDTH * max((len(label) for label in labels), default=1) + 12
    every = max(1, math.ceil(len(labels) / max(1, plot_w // label_w)))
    shown = [i for i in range(len(labels)) if not i % every]
    if labels and shown[-1] != len(labels) - 1:
        # The last in place of the one before it, so the two never overlap (beside it when that is the first).
        shown[-1 if len(shown) > 1 else 1 :] = [len(labels) - 1]
    for i in shown:
        anchor = "end" if i == len(labels) - 1 and width <= NARROW and len(labels) > 1 else "middle"
        x = min(x_at(i) + 12, width) if anchor == "end" else x_at(i)
        out.append(
            f'<text x="{_num(x)}" y="{top + plot_h + 20}" text-anchor="{anchor}" fill="{TEXT_COLOUR}">{escape(labels[i])}</text>'
        )
    # Legend across the bottom, wrapping onto more rows when narrow.
    for s, (legend_x, row) in zip(series, legend, strict=True):
        y = top + plot_h + 48 + 24 * row
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        stroke = f'stroke={quoteattr(s.colour)} stroke-width="3"{dash}'
        out.append(f'<line x1="{legend_x}" y1="{y - 5}" x2="{legend_x + 28}" y2="{y - 5}" {stroke}/>')
        out.append(_marker(s, legend_x + 14, y - 5, None))
        out.append(f'<text x="{legend_x + 36}" y="{y}" fill="{TEXT_COLOUR}">{escape(s.name)}</text>')
    # The lines, broken at gaps, then a marker with its own title at every point.
    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{_num(x_at(i))},{_num(y_at(float(v)))}")
        if run:
            runs.append(run)
        for points in runs:
            if len(points) > 1:
                out.append(
                    f'<polyline fill="none" stroke={quoteattr(s.colour)} stroke-width="3"{dash} points="{" ".join(points)}"/>'
                )
        for i, v in enumerate(s.values):
            if v is not None and i < len(labels):
                out.append(_marker(s, x_at(i), y_at(float(v)), f"{labels[i]}: {s.name.lower()} {value_text(v)}"))
    out.append("</svg>")
    return "\n".join(out)


def _marker(s: Series, x: float, y: float, tooltip: str | None) -> str:
    inner = f"<title>{escape(tooltip)}</title>" if tooltip else ""
    cls = ' class="app-chart-point"' if tooltip else ""
    if s.marker == "square":
        return (
            f'<rect{cls} x="{_num(x - 5)}" y="{_num(y - 5)}" width="10" height="10" fill="#ffffff" '
            f'stroke={quoteattr(s.colour)} stroke-width="2">{inner}</rect>'
        )
    return f'<circle{cls} cx="{_num(x)}" cy="{_num(y)}" r="5" fill={quoteattr(s.colour)}>{inner}</circle>'


def stacked_bar(
    *, title: str, desc: str, segments: Sequence[Segment], chart_id: str = "bar-chart", width: int = 720, height: int = 72
) -> str:
    """One horizontal bar split into segments by count (a RAG summary), each labelled with its count and name."""
    chart_id = _safe_id(chart_id)
    total = sum(s.count for s in segments)
    bar_h = 32
    legend_texts = [f"{s.label}: {s.count}" for s in segments]
    legend = _legend_rows(legend_texts, width, swatch=20)
    height = max(height, bar_h + 14 + 24 * (max((row for _, row in legend), default=0) + 1))
    out = _open_svg(width, height, title, desc, chart_id)
    if total == 0:
        out.append(f'<rect x="0" y="0" width="{width}" height="{bar_h}" fill="#f3f2f1" stroke="{GRID_COLOUR}"/>')
        out.append(f'<text x="8" y="21" fill="{TEXT_COLOUR}">Nothing to show</text>')
    x = 0.0
    for s in segments:
        if s.count <= 0:
            continue
        w = width * s.count / total if total else 0
        # Outlined: a pale segment (amber, grey) is still told apart from the background at 3:1 or more.
        out.append(
            f'<rect class="app-chart-segment" x="{_num(x)}" y="0.5" width="{_num(w)}" height="{bar_h - 1}" '
            f'fill={quoteattr(s.fill)} stroke="{OUTLINE_COLOUR}" stroke-width="1">'
            f"<title>{escape(f'{s.label}: {s.count}')}</title></rect>"
        )
        if w >= 28:
            out.append(
                f'<text x="{_num(x + w / 2)}" y="21" text-anchor="middle" font-weight="bold" '
                f"fill={quoteattr(s.text_colour)}>{s.count}</text>"
            )
        x += w
    for s, text, (legend_x, row) in zip(segments, legend_texts, legend, strict=True):
        y = bar_h + 14 + 24 * row
        out.append(f'<rect x="{legend_x}" y="{y}" width="14" height="14" fill={quoteattr(s.fill)} stroke="{OUTLINE_COLOUR}"/>')
        out.append(f'<text x="{legend_x + 20}" y="{y + 12}" fill="{TEXT_COLOUR}">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)


PALETTE = ("#505a5f", "#1d70b8", "#c65a17", "#00703c", "#912b88", "#d4351c", "#28a197", "#6f72af", "#b58840")


def grouped_bars(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    format_value: Callable[[Decimal], str],
    chart_id: str = "grouped-bars",
    width: int = 900,
) -> str:
    """Horizontal bars: one group per label, one bar per series (value or None), with a legend above.

    Wide, each group's label is to the left of its bars; narrow (width <= NARROW), above them, across the chart.
    """
    chart_id = _safe_id(chart_id)
    narrow = width <= NARROW
    label_w, right_pad, bar_h, gap = (0, 24, 12, 10) if narrow else (190, 70, 12, 10)
    label_h = 22 if narrow else 0  # the row a group's label takes above its bars when narrow
    max_chars = (width // CHAR_WIDTH) if narrow else 28
    legend = _legend_rows([s.name[:40] for s in series], width, swatch=20) if narrow else None
    legend_rows = (max(row for _, row in legend) + 1) if legend else math.ceil(len(series) / 3)
    top = 24 * legend_rows + 28
    group_h = label_h + bar_h * len(series) + gap
    height = top + group_h * len(labels) + 30
    values = [v for s in series for v in s.values if v is not None]
    high = float(max(values, default=0)) or 1.0
    step = nice_step(high, 2 if narrow else 5)
    axis_max = math.ceil(high / step) * step
    plot_w = width - label_w - right_pad

    def x_of(value: float) -> float:
        return label_w + plot_w * value / axis_max

    out = _open_svg(width, height, title, desc, chart_id)
    for i, s in enumerate(series):
        lx, ly = (legend[i][0], 4 + 24 * legend[i][1]) if legend else ((i % 3) * (width // 3), 4 + 24 * (i // 3))
        out.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill={quoteattr(s.colour)} stroke="{OUTLINE_COLOUR}"/>')
        out.append(f'<text x="{lx + 20}" y="{ly + 12}" fill="{TEXT_COLOUR}">{escape(s.name[:40])}</text>')
    tick = 0.0
    while tick <= axis_max + step / 2:
        x = x_of(tick)
        anchor = "start" if narrow and tick == 0 else "end" if narrow and tick + step > axis_max + step / 2 else "middle"
        out.append(f'<line x1="{_num(x)}" y1="{top - 6}" x2="{_num(x)}" y2="{height - 24}" stroke="{GRID_COLOUR}"/>')
        out.append(
            f'<text x="{_num(x)}" y="{height - 8}" text-anchor="{anchor}" fill="{AXIS_COLOUR}">'
            f"{escape(format_value(Decimal(str(tick))))}</text>"
        )
        tick += step
    for g, label in enumerate(labels):
        y0 = top + g * group_h
        short = label if len(label) <= max_chars else f"{label[: max_chars - 1].rstrip()}…"
        if narrow:
            out.append(f'<text x="0" y="{_num(y0 + 15)}" fill="{TEXT_COLOUR}">{escape(short)}</text>')
        else:
            out.append(
                f'<text x="{label_w - 8}" y="{_num(y0 + group_h / 2)}" text-anchor="end" dominant-baseline="middle" '
                f'fill="{TEXT_COLOUR}">{escape(short)}</text>'
            )
        for i, s in enumerate(series):
            value = s.values[g]
            if value is None:
                continue
            y = y0 + label_h + i * bar_h
            w = max(x_of(float(value)) - label_w, 0.5)
            out.append(
                f'<rect class="app-chart-bar" x="{label_w}" y="{_num(y)}" width="{_num(w)}" height="{bar_h - 2}" '
                f"fill={quoteattr(s.colour)}><title>{escape(f'{label}, {s.name}: {format_value(Decimal(value))}')}</title></rect>"
            )
    out.append(f'<line x1="{label_w}" y1="{top - 6}" x2="{label_w}" y2="{height - 24}" stroke="{AXIS_COLOUR}"/>')
    out.append("</svg>")
    return "\n".join(out)
