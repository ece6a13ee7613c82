import datetime as dt
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


@register.filter
def duration(value: Any) -> str:
    """``{{ delta|duration }}``: "4天23小时" / "4d 23h" (csat.durations, one format everywhere)."""
    from csat.durations import format_duration

    return format_duration(value)


@register.filter
def until(value: Any) -> str:
    """``{{ due_at|until }}``: the time left, formatted like ``duration`` ("超时5分钟" once past)."""
    from csat.durations import until as time_until

    return time_until(value)


@register.simple_tag
def countdown(due: Any, start: Any = None, fallback: str = "") -> str:
    """A live countdown to ``due``: its text now, red once past, amber in the last share of the
    step that started at ``start`` (setting COUNTDOWN_AMBER_SHARE); countdown.js keeps it current."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    from csat.durations import Countdowns

    if not isinstance(due, dt.datetime):
        return conditional_escape(fallback)
    return mark_safe(Countdowns().html(due, start))  # noqa: S308 - escaped by Countdowns.html


@register.simple_tag
def countdown_script() -> str:
    """countdown.js with the duration units of the page's language (no inline script under the CSP)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    from csat.durations import formats_json

    return format_html(
        '<script src="{}" data-units="{}"></script>', static("js/countdown.js"), formats_json()
    )


@register.filter
def plate(value: str | None) -> str:
    """粤B12345 → 粤B·12345, the way plates are printed."""
    from csat.domain.identifiers import display_plate

    return display_plate(value) if value else ""


@register.simple_tag
def timeline_items(events: Any) -> str:
    """The ticket page's history rows (``<li>`` per event), in the markup its template loop gave,
    built in Python: a ticket's history grows with every step, and each row through the template
    engine cost a dozen node renders (issue #25). Values escaped as the template escaped them."""
    from html import escape

    from django.template.defaultfilters import linebreaksbr
    from django.utils.dateformat import format as date_format
    from django.utils.safestring import mark_safe
    from django.utils.timezone import localtime
    from django.utils.translation import gettext

    system = escape(gettext("系统"))
    rows = []
    for e in events:
        actor = e.actor
        who = escape(actor.get_full_name() or actor.username) if actor else system
        note = f"<div>{linebreaksbr(e.note, autoescape=True)}</div>" if e.note else ""
        # An event may say more than its label (an unanswered call: which attempt, when made) and
        # be set apart (an internal note); other rows keep the loop's markup.
        detail = getattr(e, "detail", "")
        extra = f' <span class="text-muted">{escape(detail)}</span>' if detail else ""
        tone = getattr(e, "tone", "")
        opening = (
            f'<li class="list-group-item list-group-item-{escape(tone)}" data-action="{escape(e.action)}">'
            if tone
            else '<li class="list-group-item">'
        )
        rows.append(
            f'\n      {opening}<span class="text-muted">'
            f"{escape(date_format(localtime(e.created_at), 'Y-m-d H:i'))}</span> · {who} · "
            f"<strong>{escape(str(e.label))}</strong>{extra}{note}</li>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above


class _KeptFragment(template.Node):
    """``{% kept_fragment seconds name vary_on… %}…{% end_kept_fragment %}``: Django's ``{% cache %}``
    (its keys, varied by the release too) through ``csat.caching``, so that a cache that cannot be
    reached renders the part instead of failing the page; ``seconds`` 0 neither reads nor keeps it.
    The release (``csat.fragments.release``) is in the key, as in the kept pages: the report's parts
    are kept for weeks, and a deployment's new markup must not wait for their figures to change."""

    def __init__(self, nodelist: Any, seconds: Any, name: str, vary_on: list[Any]) -> None:
        self.nodelist, self.seconds, self.name, self.vary_on = nodelist, seconds, name, vary_on

    def render(self, context: Any) -> str:
        from django.core.cache.utils import make_template_fragment_key

        from csat import caching
        from csat.fragments import release

        seconds = int(self.seconds.resolve(context) or 0)
        key = make_template_fragment_key(
            self.name, [release(), *(var.resolve(context) for var in self.vary_on)]
        )
        if seconds > 0:
            found = caching.peek(key)
            if found is not None:
                return str(found)
        value = self.nodelist.render(context)
        if seconds > 0:
            caching.keep(key, value, seconds)
        return str(value)


@register.tag("kept_fragment")
def kept_fragment(parser: Any, token: Any) -> _KeptFragment:
    nodelist = parser.parse(("end_kept_fragment",))
    parser.delete_first_token()
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("'kept_fragment' takes at least two arguments")
    return _KeptFragment(
        nodelist, parser.compile_filter(bits[1]), bits[2], [parser.compile_filter(bit) for bit in bits[3:]]
    )


@register.simple_tag
def ticket_link(pk: int | None, number: str, openable: Any = None) -> str:
    """``{% ticket_link pk number openable %}``: a ticket's number, linked to its page when
    ``openable`` (complaints.selectors.openable_ticket_ids) holds it or is None (every ticket on the
    page may be opened); else the number as text, not a link that answers 404."""
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if not pk:
        return format_html("{}", number or "")
    if openable is not None and pk not in openable:
        return format_html(
            '<span class="text-body-secondary" data-testid="ticket-not-openable" title="{}">{}</span>',
            gettext("其他部门的工单，无查看权限"),
            number,
        )
    return format_html('<a href="{}">{}</a>', reverse("complaints:detail", args=[pk]), number)
