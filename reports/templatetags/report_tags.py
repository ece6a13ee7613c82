"""Number formats of the dashboard (the same as the xlsx's): scores 0.0, shares 0.0 %, ‰ 0.00."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()
DASH = "—"


@register.filter
def score(value: Any) -> str:
    return DASH if value is None else f"{value:.1f}"


@register.filter
def pct(value: Any) -> str:
    """A 0–1 fraction as a percentage."""
    return DASH if value is None else f"{value * 100:.1f}%"


@register.filter
def pct100(value: Any) -> str:
    """A 0–100 percentage."""
    return DASH if value is None else f"{value:.1f}%"


@register.filter
def permille(value: Any) -> str:
    return DASH if value is None else f"{value:.2f}‰"


@register.filter
def amount(value: Any) -> str:
    return DASH if value is None else f"{value:,.2f}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(str(key)) if mapping else None
