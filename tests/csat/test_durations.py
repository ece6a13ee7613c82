"""Durations and countdowns (issue #22): "4天23小时" in Chinese and "4d 23h" in English from one helper
(csat.durations, the ``duration``/``until`` filters, the countdown tag and countdown.js's units), and a
countdown turns amber in the last share of its step (setting COUNTDOWN_AMBER_SHARE, default 25 %),
not a fixed 15 minutes before it is due."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from csat import durations
from tests.fixtures import T0

D = dt.timedelta


@pytest.mark.parametrize(
    ("delta", "zh", "en"),
    [
        (D(days=4, hours=23, minutes=59), "4天23小时", "4d 23h"),
        (D(days=1), "1天0小时", "1d 0h"),
        (D(hours=1, minutes=59, seconds=59), "1小时59分", "1h 59m"),
        (D(minutes=5, seconds=30), "5分钟", "5m"),
        (D(seconds=20), "0分钟", "0m"),
        (-D(minutes=5, seconds=10), "超时5分钟", "-5m"),
        (-D(days=2, hours=3), "超时2天3小时", "-2d 3h"),
    ],
)
def test_a_duration_reads_per_language(delta: dt.timedelta, zh: str, en: str) -> None:
    with translation.override("zh-hans"):
        assert durations.format_duration(delta) == zh
        assert Template("{% load csat_tags %}{{ d|duration }}").render(Context({"d": delta})) == zh
    with translation.override("en"):
        assert durations.format_duration(delta) == en
        assert Template("{% load csat_tags %}{{ d|duration }}").render(Context({"d": delta})) == en


def test_countdown_js_gets_the_same_units_in_the_page_language() -> None:
    for lang, expected in (("zh-hans", "%(d)s天%(h)s小时"), ("en", "%(d)sd %(h)sh")):
        with translation.override(lang):
            html = Template("{% load csat_tags %}{% countdown_script %}").render(Context())
        units = json.loads(re.search(r'data-units="([^"]+)"', html).group(1).replace("&quot;", '"'))
        assert units["dh"] == expected and set(units) == {"dh", "hm", "m", "past"}


def test_amber_starts_at_the_last_quarter_of_the_step() -> None:
    """A 2-hour contact step (DOMAIN §5) turns amber 30 minutes before it is due; a 3-working-day
    progress report spanning 5 calendar days turns amber 30 hours before."""
    start, due = T0, T0 + D(hours=2)
    assert durations.amber_at(start=start, due=due) == T0 + D(hours=1, minutes=30)
    assert not durations.is_amber(start=start, due=due, now=T0 + D(hours=1, minutes=29))
    assert durations.is_amber(start=start, due=due, now=T0 + D(hours=1, minutes=30))
    assert not durations.is_amber(start=start, due=due, now=due)  # past: red, not amber
    assert durations.amber_at(start=T0, due=T0 + D(days=5)) == T0 + D(days=5) - D(hours=30)
    assert durations.amber_at(start=None, due=due) is None


def test_the_amber_share_is_a_setting(settings: Any) -> None:
    settings.CSAT = {**settings.CSAT, "COUNTDOWN_AMBER_SHARE": 0.5}
    assert durations.amber_at(start=T0, due=T0 + D(hours=2)) == T0 + D(hours=1)


def test_the_countdown_tag_renders_text_amber_and_red(time_machine: Any) -> None:
    due = T0 + D(hours=2)
    tpl = Template("{% load csat_tags %}{% countdown due start %}")
    with translation.override("zh-hans"):
        time_machine.move_to(T0 + D(minutes=10), tick=False)
        html = tpl.render(Context({"due": due, "start": T0}))
        assert ">1小时50分<" in html and "text-warning-emphasis" not in html
        assert f'data-amber-at="{(T0 + D(hours=1, minutes=30)).isoformat()}"' in html
        time_machine.move_to(T0 + D(hours=1, minutes=45), tick=False)
        html = tpl.render(Context({"due": due, "start": T0}))
        assert ">15分钟<" in html and 'class="text-warning-emphasis"' in html
        time_machine.move_to(T0 + D(hours=2, minutes=5), tick=False)
        html = tpl.render(Context({"due": due, "start": T0}))
        assert ">超时5分钟<" in html and "text-danger" in html
