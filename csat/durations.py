"""Durations as people read them: "4天23小时" in Chinese, "4d 23h" in English (issue #22).

One helper for every page (the ``duration``/``until`` template filters, the countdown's initial text
and the units countdown.js formats with), so a duration reads the same everywhere: the two largest
units, days and hours, hours and minutes, or minutes alone.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from csat import config

# The share of a step's time left below which its countdown turns amber (a setting, default 25 %).
AMBER_SHARE_SETTING = "COUNTDOWN_AMBER_SHARE"


def unit_formats() -> dict[str, str]:
    """The translated patterns, also handed to countdown.js (``%(d)s`` days, ``%(h)s`` hours,
    ``%(m)s`` minutes; ``past`` wraps an overdue duration)."""
    return {
        "dh": _("%(d)s天%(h)s小时"),
        "hm": _("%(h)s小时%(m)s分"),
        "m": _("%(m)s分钟"),
        "past": _("超时%(t)s"),
    }


def format_duration(value: dt.timedelta | None, formats: dict[str, str] | None = None) -> str:
    """timedelta → "4天23小时" / "4d 23h"; "1小时5分" / "1h 5m"; "5分钟" / "5m"; overdue "超时5分钟" /
    "-5m". Whole minutes, rounded down (a countdown never promises a minute it does not have).
    ``formats``: ``unit_formats()`` already read (a table of countdowns reads them once)."""
    if value is None:
        return ""
    formats = formats or unit_formats()
    seconds = int(value.total_seconds())
    past = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = formats["dh"] % {"d": days, "h": hours}
    elif hours:
        text = formats["hm"] % {"h": hours, "m": minutes}
    else:
        text = formats["m"] % {"m": minutes}
    return formats["past"] % {"t": text} if past else text


def until(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """The time left until ``moment`` (negative: overdue), formatted."""
    if moment is None:
        return ""
    return format_duration(moment - (now or timezone.now()))


def amber_share() -> float:
    share = config.setting_float(AMBER_SHARE_SETTING)
    return min(max(share, 0.0), 1.0)


def amber_at(*, start: dt.datetime | None, due: dt.datetime | None) -> dt.datetime | None:
    """When a step's countdown turns amber: the last ``COUNTDOWN_AMBER_SHARE`` of the time between
    the step's start and its deadline (a 2-hour step at 1 h 30 min, a 3-working-day report 18 h
    before it is due on the wall clock). Without a start, no amber (only red once past)."""
    if start is None or due is None or due <= start:
        return None
    return due - (due - start) * amber_share()


def is_amber(*, start: dt.datetime | None, due: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the countdown shows amber at ``now``: inside the last share, not yet past."""
    turn = amber_at(start=start, due=due)
    return turn is not None and due is not None and turn <= now < due


def formats_json() -> str:
    return json.dumps(unit_formats(), ensure_ascii=False)


def countdown_context(due: Any, start: Any = None) -> dict[str, Any]:
    turn = amber_at(start=start, due=due)
    now = timezone.now()
    return {
        "due": due,
        "amber_at": turn,
        "text": until(due, now),
        "amber": bool(turn is not None and due is not None and turn <= now < due),
        "past": bool(due is not None and due <= now),
    }


class Countdowns:
    """The countdown markup of many deadlines at one moment (a table's rows): the units, the amber
    share and ``now`` read once, not per row. ``html`` is what ``{% countdown %}`` writes."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.share = amber_share()
        self.formats = unit_formats()

    def html(self, due: Any, start: Any = None, fallback: str = "") -> str:
        if not isinstance(due, dt.datetime):
            return fallback
        start = start if isinstance(start, dt.datetime) else None
        turn = None if start is None or due <= start else due - (due - start) * self.share
        past = due <= self.now
        amber = turn is not None and turn <= self.now < due
        classes = "text-danger fw-bold" if past else ("text-warning-emphasis" if amber else "")
        return "".join(
            (
                f'<span data-due="{escape(due.isoformat())}"',
                f' data-amber-at="{escape(turn.isoformat())}"' if turn is not None else "",
                f' class="{classes}"' if classes else "",
                ">",
                escape(format_duration(due - self.now, self.formats)),
                "</span>",
            )
        )
