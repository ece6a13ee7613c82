from typing import Any

from django import template
from django.utils.translation import get_language

from csat import access

register = template.Library()


@register.filter
def bilingual(value: Any) -> str:
    """Pick the zh or en text of a domain Bilingual pair for the current language."""
    if value is None:
        return ""
    return value.zh if (get_language() or "zh-hans").startswith("zh") else value.en


@register.filter
def mobile_for(number: str | None, user: Any) -> str:
    """``{{ customer.mobile|mobile_for:user }}``: in full for those who phone customers, else masked."""
    return access.mobile_for(user, number)


@register.filter
def minutes(value: Any) -> int:
    """Whole minutes (rounded up) of a timedelta."""
    seconds = value.total_seconds() if value else 0
    return int(-(-seconds // 60))


@register.simple_tag
def form_token() -> str:
    """The hidden one-time token of a creating form (csat.formtokens.one_time_form)."""
    from django.utils.html import format_html

    from csat.formtokens import FIELD, new_token

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
