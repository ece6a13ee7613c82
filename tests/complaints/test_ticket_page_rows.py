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
        ComplaintEvent(action="progress", actor=bare, note='第一行\n<b>第二行</b> & "引号"', created_at=at),
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


def test_an_internal_note_and_an_unanswered_call_are_set_apart_in_the_history() -> None:
    """The rows the loop never had: an internal note is shaded (a help desk's internal comment), an
    unanswered call says which attempt it was and when the call was made (logged later)."""
    user = get_user_model()(username="sales_mgr", first_name="经理", last_name="销售")
    logged = dt.datetime(2026, 3, 11, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai
    called = dt.datetime(2026, 3, 11, 2, 5, tzinfo=dt.UTC)  # 10:05
    events = [
        ComplaintEvent(action="note", actor=user, note="客户<下午>再来电", created_at=logged),
        ComplaintEvent(
            action="contact_attempt",
            actor=user,
            note="关机",
            data={"attempt": 2, "called_at": str(called), "deadline": 7},
            created_at=logged,
        ),
    ]
    with translation.override("zh-hans"):
        html = timeline_items(events)
    note, attempt = html.split("</li>")[:2]
    assert 'class="list-group-item list-group-item-warning" data-action="note"' in note
    assert "<strong>内部备注</strong>" in note and "客户&lt;下午&gt;再来电" in note
    assert 'data-action="contact_attempt"' in attempt
    assert "<strong>联系客户未接通</strong>" in attempt
    assert "第 2 次 · 拨打时间 03-11 10:05" in attempt and "关机" in attempt
    with translation.override("en"):
        english = timeline_items(events)
    assert "Internal note" in english and "Call not answered" in english
    assert "attempt 2 · called at 03-11 10:05" in english
