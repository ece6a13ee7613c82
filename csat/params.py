"""Typed query (and form-post) parameters: one set of parsers for pages and the API.

``str.isdigit()`` is true for "²" and "٣", which ``int()`` refuses; a month like 9999-12 parses but
its next month does not exist; a page number of twenty digits overflows the database's integer. So
every parameter goes through these: ASCII digits only, integers within the database's range, dates
and months within ``MIN_DATE``…``MAX_DATE``. A bad value raises ``BadParameter`` — a 400 with a
Chinese message naming the parameter (pages: Django's 400; API: ``{"<name>": ["…"]}``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from csat.business_time import business_tz
from csat.domain import periods

MAX_INT = 2**63 - 1  # PostgreSQL bigint; SQLite's INTEGER
MAX_INT32 = 2**31 - 1  # PostgreSQL integer: an IntegerField or PositiveIntegerField column
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)  # far enough; a day or a month later still exists
DATE_BOUNDS_MESSAGE = gettext_lazy("日期应在 1900-01-01 至 2999-12-31 之间。")
DATETIME_BOUNDS_MESSAGE = gettext_lazy("时间应在 1900-01-01 至 2999-12-31 之间。")
_DIGITS = re.compile(r"[0-9]{1,19}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadParameter(BadRequest):
    """A malformed parameter: 400, never 500."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def is_id(raw: Any) -> bool:
    """ASCII digits within the integer range (what ``int()`` and the database both accept)."""
    return isinstance(raw, str) and bool(_DIGITS.fullmatch(raw)) and 0 < int(raw) <= MAX_INT


def parse_int(raw: str, *, name: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    value = int(raw) if isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()) else None
    if value is None or not minimum <= value <= maximum:
        raise BadParameter(name, _("应为 %(min)d 到 %(max)d 之间的整数。") % {"min": minimum, "max": maximum})
    return value


def parse_month(raw: str, *, name: str = "month") -> dt.date:
    """'2026-03' → date(2026, 3, 1); the month rule is csat.domain.periods.parse_month."""
    try:
        if not isinstance(raw, str) or not _MONTH.fullmatch(raw.strip()):  # two-digit months only
            raise ValueError(raw)
        return periods.parse_month(raw)
    except ValueError:
        raise BadParameter(
            name,
            _("月份格式应为 YYYY-MM（%(min)s 至 %(max)s）。")
            % {"min": f"{periods.MIN_YEAR}-01", "max": f"{periods.MAX_YEAR}-12"},
        ) from None


def parse_date(raw: str, *, name: str) -> dt.date:
    value = None
    if isinstance(raw, str) and _DATE.fullmatch(raw.strip()):
        try:
            value = dt.date.fromisoformat(raw.strip())
        except ValueError:
            value = None
    if value is None or not MIN_DATE <= value <= MAX_DATE:
        raise BadParameter(
            name, _("日期格式应为 YYYY-MM-DD（%(min)s 至 %(max)s）。") % {"min": MIN_DATE, "max": MAX_DATE}
        )
    return value


def _raw(params: Mapping[str, Any], name: str) -> str | None:
    raw = params.get(name)
    return None if raw is None or raw == "" else str(raw)


def int_param(
    params: Mapping[str, Any], name: str, default: Any = None, *, minimum: int = 0, maximum: int = MAX_INT
) -> Any:
    """``request.GET`` / ``query_params`` / ``request.POST`` value as an int; ``default`` if absent."""
    raw = _raw(params, name)
    return default if raw is None else parse_int(raw, name=name, minimum=minimum, maximum=maximum)


def id_param(params: Mapping[str, Any], name: str) -> int | None:
    """A record id (1…MAX_INT) or None when absent."""
    return int_param(params, name, minimum=1)  # type: ignore[no-any-return]


def month_param(params: Mapping[str, Any], name: str = "month", default: Any = None) -> Any:
    raw = _raw(params, name)
    return default if raw is None else parse_month(raw, name=name)


def date_param(params: Mapping[str, Any], name: str, default: Any = None) -> Any:
    raw = _raw(params, name)
    return default if raw is None else parse_date(raw, name=name)


def choice_param(params: Mapping[str, Any], name: str, choices: Iterable[str], default: Any = None) -> Any:
    raw = _raw(params, name)
    if raw is None:
        return default
    allowed = list(choices)
    if raw not in allowed:
        raise BadParameter(name, _("可选值：%(choices)s。") % {"choices": "、".join(allowed)})
    return raw


# A time something already happened at may run this far ahead of our clock (a DMS server's clock,
# a time zone written wrong by a few hours) before it counts as the future.
FUTURE_SLACK = dt.timedelta(days=1)
FUTURE_MESSAGE = gettext_lazy("日期不能晚于今天")


def is_future(value: dt.date | dt.datetime) -> bool:
    """Whether ``value`` is after today (a date, in business time) or more than ``FUTURE_SLACK``
    after now (a time; a naive one is business time)."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=business_tz())
        return moment > timezone.now() + FUTURE_SLACK
    return value > timezone.localdate(timezone.now(), business_tz())


def not_after_today(value: dt.date | dt.datetime) -> None:
    """The validator of a date or time something already happened on or at (a purchase, a delivery,
    a service visit, a media report), for the pages, the API and the import alike: a slip of the
    year (2099, 2062 for 2026) would sort first for ever, and a delivery dated ahead would schedule
    its callback years later. A date may be today at the latest; a time now plus ``FUTURE_SLACK``."""
    if is_future(value):
        raise ValidationError(FUTURE_MESSAGE, code="future")


class BoundedDateField(forms.DateField):
    """A form date within ``MIN_DATE``…``MAX_DATE`` (a day later must still exist)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        message = DATE_BOUNDS_MESSAGE
        self.validators += [MinValueValidator(MIN_DATE, message), MaxValueValidator(MAX_DATE, message)]


def datetime_in_bounds(value: dt.datetime) -> bool:
    """Whether ``value`` lies within ``MIN_DATE``…``MAX_DATE`` both as written and in UTC: a moment
    in year 1 or 9999 parses, but turning it into UTC (the database, the business calendar) overflows."""
    try:
        moment = value.astimezone(dt.UTC) if value.tzinfo is not None else value
    except (OverflowError, ValueError):
        return False
    return all(MIN_DATE <= d <= MAX_DATE for d in (value.date(), moment.date()))


class DateTimeBoundsMixin:
    """For a form ``DateTimeField``: a time outside ``MIN_DATE``…``MAX_DATE`` is a field error."""

    def to_python(self, value: Any) -> Any:
        try:
            result = super().to_python(value)  # type: ignore[misc]
        except OverflowError:
            raise ValidationError(DATETIME_BOUNDS_MESSAGE, code="bounds") from None
        if isinstance(result, dt.datetime) and not datetime_in_bounds(result):
            raise ValidationError(DATETIME_BOUNDS_MESSAGE, code="bounds")
        return result


class BoundedDateTimeField(DateTimeBoundsMixin, forms.DateTimeField):
    """A form date and time within ``MIN_DATE``…``MAX_DATE``."""
