"""Server-rendered SVG charts for the dashboard: no JavaScript, no CDN, escaped labels."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BLUE = "#1f4e78"
RED = "#c00000"
GREY = "#6c757d"


def _num(value: float) -> str:
    return f"{value:.1f}"


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    target: float | None,
    title: str,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """A line per month with the target as a dashed line; points below target in red."""
    left, right, top, bottom = 40, 24, 16, 36
    values = [v for _label, v in points if v is not None]
    low = min([*values, target if target is not None else 100, 100])
    low = max(0, math.floor((low - 5) / 10) * 10)
    high = 100
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="report-chart" width="100%">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(low, high + 1, 10):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y(tick))}" y2="{_num(y(tick))}" stroke="#e9ecef"/>'
            f'<text x="{left - 4}" y="{_num(y(tick) + 4)}" font-size="10" text-anchor="end" fill="{GREY}">{tick}</text>'
        )
    if target is not None:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y(target))}" y2="{_num(y(target))}" '
            f'stroke="{RED}" stroke-dasharray="6 4" data-target="{target}"/>'
        )
    segment: list[str] = []
    for i, (label, value) in enumerate(points):
        x = left + i * step
        parts.append(
            f'<text x="{_num(x)}" y="{height - bottom + 16}" font-size="10" text-anchor="middle" '
            f'fill="{GREY}">{escape(label[-5:])}</text>'
        )
        if value is None:
            if len(segment) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" points="{" ".join(segment)}"/>'
                )
            segment = []
            continue
        segment.append(f"{_num(x)},{_num(y(value))}")
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" points="{" ".join(segment)}"/>')
    for i, (label, value) in enumerate(points):
        if value is None:
            continue
        x = left + i * step
        colour = RED if target is not None and value < target else BLUE
        parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y(value))}" r="3.5" fill="{colour}">'
            f"<title>{escape(label)}: {value:.1f}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    title: str,
    target: float | None = None,
    maximum: float | None = None,
    red_below: bool = True,
    width: int = 640,
    decimals: int = 1,
) -> SafeString:
    """Horizontal bars with their values; red when short of the target (below, or above if not red_below)."""
    row_h, label_w, value_w, top = 24, 200, 50, 8
    height = top * 2 + row_h * max(1, len(bars))
    values = [v for _label, v in bars if v is not None]
    high = maximum or max([*values, target or 0, 1])
    plot_w = width - label_w - value_w

    def x(v: float) -> float:
        return label_w + plot_w * (v / high)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="report-chart" width="100%">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        short = target is not None and value is not None and (value < target if red_below else value > target)
        colour = RED if short else BLUE
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" font-size="11" text-anchor="end">{escape(label[:24])}</text>'
        )
        if value is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{_num(max(0.0, x(value) - label_w))}" height="{row_h - 8}" '
                f'fill="{colour}"{" data-short" if short else ""}><title>{escape(label)}: {value:.{decimals}f}</title></rect>'
                f'<text x="{_num(x(value) + 4)}" y="{y + 16}" font-size="11">{value:.{decimals}f}</text>'
            )
    if target is not None:
        tx = _num(x(target))
        parts.append(
            f'<line x1="{tx}" x2="{tx}" y1="{top}" y2="{height - top}" stroke="{RED}" stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
