"""Booked call-backs (约定回拨, issue #22): the quick presets "1 小时后", "今天下班前", "明早 9:00" and
the check every booked time passes (in the future, inside the store's working time).

Working time is the office hours setting (CSAT["OFFICE_HOURS"], 08:30–17:30) on the working days
of the mainland calendar with the admins' overrides (csat.domain.calendar, DOMAIN §5/§9): a booked
call-back outside it would fall when no agent is at work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from csat import selectors as csat_selectors
from csat.business_time import business_tz
from csat.domain import calendar as working_calendar

IN_ONE_HOUR = "in_1h"
BEFORE_CLOSE = "before_close"
NEXT_MORNING = "next_morning"
PRESETS = {
    IN_ONE_HOUR: _lazy("1 小时后"),
    BEFORE_CLOSE: _lazy("今天下班前"),
    NEXT_MORNING: _lazy("明早 9:00"),
}
# "今天下班前": this long before the office closes, so the call is made before the agents leave.
BEFORE_CLOSE_LEAD = dt.timedelta(minutes=30)
MORNING = dt.time(9, 0)


class BookingError(ValueError):
    """A booked time the store cannot call at; the message is for the agent."""


@dataclass(frozen=True)
class Hours:
    """The store's working time: office hours and the calendar overrides, read once per request."""

    start: dt.time
    end: dt.time
    overrides: dict[dt.date, bool]

    @classmethod
    def load(cls) -> Hours:
        start, end = csat_selectors.office_hours()
        return cls(start=start, end=end, overrides=csat_selectors.calendar_overrides())

    def is_working_time(self, moment: dt.datetime) -> bool:
        return working_calendar.is_working_time(
            moment, office_hours=(self.start, self.end), overrides=self.overrides, tz=business_tz()
        )


def _hhmm(value: dt.time | dt.datetime) -> str:
    return value.strftime("%H:%M")


def _shown(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment, business_tz()), "Y-m-d H:i")


def check(moment: dt.datetime, *, now: dt.datetime, hours: Hours) -> None:
    """A booked call-back time must lie ahead and inside working time (BookingError otherwise)."""
    if moment <= now:
        raise BookingError(_("回拨时间 %(time)s 已过，请选择以后的时间。") % {"time": _shown(moment)})
    if not hours.is_working_time(moment):
        raise BookingError(
            _("回拨时间 %(time)s 不在工作时间内（工作日 %(start)s–%(end)s），请另选时间。")
            % {"time": _shown(moment), "start": _hhmm(hours.start), "end": _hhmm(hours.end)}
        )


def preset_time(key: str, *, now: dt.datetime, hours: Hours) -> dt.datetime:
    """The time a preset books, checked: "1 小时后" — now + 1 h; "今天下班前" — today's closing
    time less 30 minutes; "明早 9:00" — 09:00 on the next working day after today (a Friday's is
    Monday's, the eve of a holiday's is the first working day after it)."""
    zone = business_tz()
    local = timezone.localtime(now, zone)
    today = local.date()
    if key == IN_ONE_HOUR:
        moment = local + dt.timedelta(hours=1)
    elif key == BEFORE_CLOSE:
        if not working_calendar.is_working_day(today, overrides=hours.overrides):
            raise BookingError(_("今天不是工作日，请选“明早 9:00”或另填回拨时间。"))
        moment = dt.datetime.combine(today, hours.end, tzinfo=zone) - BEFORE_CLOSE_LEAD
        if moment <= now:
            raise BookingError(
                _("今天下班前（%(time)s）已过，请选“明早 9:00”或另填回拨时间。") % {"time": _hhmm(moment)}
            )
    elif key == NEXT_MORNING:
        # The first working time from tomorrow's midnight is on the next working day.
        tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
        day = working_calendar.next_working_time(
            tomorrow, office_hours=(hours.start, hours.end), overrides=hours.overrides
        ).date()
        moment = dt.datetime.combine(day, MORNING, tzinfo=zone)
    else:
        raise BookingError(_("未知的快捷回拨时间。"))
    check(moment, now=now, hours=hours)
    return moment


def presets(*, now: dt.datetime, hours: Hours) -> list[dict[str, object]]:
    """Each preset with its time now, or why it cannot be used (the call page's buttons)."""
    shown: list[dict[str, object]] = []
    for key, label in PRESETS.items():
        try:
            moment = preset_time(key, now=now, hours=hours)
        except BookingError as exc:
            shown.append({"key": key, "label": label, "at": None, "error": str(exc)})
        else:
            shown.append(
                {"key": key, "label": label, "at": timezone.localtime(moment, business_tz()), "error": ""}
            )
    return shown
