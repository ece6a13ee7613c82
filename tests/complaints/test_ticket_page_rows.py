"""Issue #25: the ticket page's history rows are built in Python in exactly the markup of the
template loop they replace (labels, names, escaping, line breaks, the system's own steps)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.utils import translation

from complaints.models import ComplaintEvent
from csat.templatetags.csat_tags import timeline_items

# The loop of templates/complaints/detail.html before issue #25.
_LOOP = (
    '{% load i18n tz %}<ol class="list-group list-group-numbered small" data-testid="timeline">\n'
    "      {% for e in events %}\n"
    '      <li class="list-group-item"><span class="text-muted">{{ e.created_at|localtime|date:"Y-m-d H:i" }}'
    "</span> · {% if e.actor %}{{ e.actor.get_full_name|default:e.actor.username }}{% else %}"
    '{% translate "系统" %}{% endif %} · <strong>{{ e.label }}</strong>{% if e.note %}<div>'
    "{{ e.note|linebreaksbr }}</div>{% endif %}</li>\n"
    "      {% endfor %}\n"
    "    </ol>"
)
_NEW = (
    '{% load csat_tags %}<ol class="list-group list-group-numbered small" data-testid="timeline">\n'
    "      {% timeline_items events %}\n"
    "    </ol>"
)


def _events() -> list[ComplaintEvent]:
    user = get_user_model()
    named = user(username="li", first_name="小燕", last_name="李")
    bare = user(username="<agent&1>")
    at = dt.datetime(2026, 3, 2, 1, 5, tzinfo=dt.UTC)
    return [
        ComplaintEvent(action="dispatch", actor=named, note="", created_at=at),
        ComplaintEvent(action="note", actor=bare, note='第一行\n<b>第二行</b> & "引号"', created_at=at),
        ComplaintEvent(action="deadline_breached", actor=None, note="", created_at=at + dt.timedelta(days=1)),
        ComplaintEvent(action="unknown_step", actor=None, note="\r\n", created_at=at),
    ]


def test_the_history_rows_are_the_loops_markup_in_both_languages() -> None:
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for events in (_events(), []):
                context = {"events": events}
                assert Template(_NEW).render(Context(context)) == Template(_LOOP).render(Context(context))


def test_the_rows_escape_what_people_typed() -> None:
    html = timeline_items(_events())
    assert "&lt;b&gt;第二行&lt;/b&gt; &amp; &quot;引号&quot;" in html and "<br>" in html
    assert "&lt;agent&amp;1&gt;" in html
