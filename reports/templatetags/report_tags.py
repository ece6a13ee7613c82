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


@register.simple_tag
def sample_note(count: Any) -> str:
    """ "样本不足" beside a rate or an average computed from fewer than REPORT_MIN_SAMPLE answers
    (issue #22): 1 of 1 is "100 %", and nobody should act on it as if it were a month's figure."""
    from django.conf import settings
    from django.utils.html import format_html
    from django.utils.translation import gettext

    minimum = int(settings.CSAT.get("REPORT_MIN_SAMPLE", 5))
    if count is None or not isinstance(count, int) or count <= 0 or count >= minimum:
        return ""
    return format_html(
        '<span class="badge text-bg-warning ms-1" data-testid="small-sample" title="{}">{}</span>',
        gettext("样本少于 %(n)s 份，比率仅供参考") % {"n": minimum},
        gettext("样本不足"),
    )


# The rows of the dashboard's complaint list (partials/_complaints.html), in the markup the
# template's loop rendered: built in Python, since 200 rows through the template engine were most of
# the group dashboard's time (issue #25).
_URL_PLACEHOLDER = "987654321"


@register.simple_tag
def drill_rows(rows: Any) -> str:
    """The rows of the dashboard's complaint list (``complaint_drill``'s dicts), every value escaped
    as the template escaped it (``html.escape`` is what Django's ``escape`` runs)."""
    from html import escape

    from django.urls import reverse
    from django.utils.safestring import mark_safe

    head, tail = reverse("complaints:detail", args=[_URL_PLACEHOLDER]).split(_URL_PLACEHOLDER)
    out = []
    for r in rows:
        pk = int(r["id"])
        severity_class = "text-danger" if r["severity"] == "major" else ""
        out.append(
            f'<tr data-complaint="{pk}"><td><a href="{escape(head)}{pk}{escape(tail)}">'
            f"{escape(str(r['number']))}</a></td><td>{escape(str(r['received_at']))}</td>"
            f"<td>{escape(str(r['customer']))}</td><td>{escape(str(r['kind_label']))}</td>\n"
            f'        <td class="{severity_class}">{escape(str(r["severity_label"]))}</td>'
            f"<td>{escape(str(r['category_label']))}</td><td>{escape(str(r['grade']))}</td>"
            f"<td>{escape(str(r['department']))}</td><td>{escape(str(r['status_label']))}</td>"
            f'<td class="text-end">{escape(amount(r["compensation_amount"]))}</td></tr>\n      '
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped above
