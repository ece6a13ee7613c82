"""Typed access to the business settings in settings.CSAT (DOMAIN.md marks them as settings)."""

from typing import Any

from django.conf import settings


def _get(name: str) -> Any:
    return settings.CSAT[name]


def setting_int(name: str) -> int:
    return int(_get(name))


def setting_float(name: str) -> float:
    return float(_get(name))
