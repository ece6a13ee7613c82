"""Template filters of the callback screens."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

BADGES = {
    "complaint": "text-bg-danger",
    "dissatisfied": "text-bg-danger",
    "grievance": "text-bg-warning",
    "at_risk_opinion": "text-bg-warning",
    "opinion": "text-bg-info",
    "none": "text-bg-secondary",
}


@register.filter
def percent(value: Any) -> str:
    """0.5 → "50.0 %"; None → "—"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f} %"


@register.filter
def score(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f}"


@register.filter
def classification_badge(value: str) -> str:
    return BADGES.get(value, "text-bg-secondary")
