from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def bilingual(value: Any) -> str:
    """Pick the zh or en text of a domain Bilingual pair for the current language."""
    if value is None:
        return ""
    return value.zh if (get_language() or "zh-hans").startswith("zh") else value.en
