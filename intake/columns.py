"""The import templates: which columns each kind of DMS file has, and how a cell is parsed.

One definition serves the downloadable template, the header matching, and row validation.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from csat.business_time import business_tz
from csat.domain import identifiers
from csat.models import ServiceKind
from csat.params import FUTURE_MESSAGE, MIN_DATE, is_future
from csat.text_limits import clean_name


class CellError(ValueError):
    """A cell that cannot be parsed; the message is shown to the user."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns 13800138000 into 13800138000.0
    return str(value).strip()


def parse_text(value: Any) -> str:
    return _text(value)


def parse_name(value: Any) -> str:
    """A name (a customer's, a car model's, a member of staff's): format characters taken out
    wherever they stand, as on the pages and in the API (``csat.text_limits.clean_name``); nothing
    left is an empty cell ("必填" where the column or a new customer requires it)."""
    return clean_name(_text(value))


def parse_mobile(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""  # optional where the vehicle is known; "必填" where the kind requires it
    try:
        return identifiers.normalize_mobile(text)
    except ValueError:
        raise CellError(_("手机号必须是 11 位大陆手机号")) from None


def parse_phones(value: Any) -> list[str]:
    text = _text(value).replace("，", ",").replace("；", ",").replace(";", ",")
    return [p.strip() for p in text.split(",") if p.strip()]


def parse_plate(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    try:
        return identifiers.normalize_plate(text)
    except ValueError:
        raise CellError(_("车牌号格式不正确")) from None


def parse_vin(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""  # a customer without a vehicle; "必填" where the kind requires it
    try:
        return identifiers.normalize_vin(text)
    except ValueError as exc:
        if str(exc) == "invalid_vin_check_digit":
            raise CellError(_("车架号校验位不正确")) from None
        raise CellError(_("车架号必须是 17 位字母数字（不含 I、O、Q）")) from None


# The earliest date a record may carry (as the API's dates, csat.params.MIN_DATE).
EARLIEST = MIN_DATE
_DAY_SHAPE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _parse_text_moment(text: str, *, number: bool, date_only: bool) -> dt.datetime:
    """2026-11-03 14:30 / 2026/11/3 14:30:00 / 2026-11-03 as a naive datetime; a cell error that says
    what a date column or a time column expects, or that the day does not exist."""
    text = text.replace("/", "-").replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - localised by the caller
        except ValueError:
            continue
    day = text.split(" ", 1)[0]
    if _DAY_SHAPE.fullmatch(day):
        year, month, mday = (int(part) for part in day.split("-"))
        try:
            dt.date(year, month, mday)
        except ValueError:
            raise CellError(
                _("日期不存在：%(day)s") % {"day": f"{year:04d}-{month:02d}-{mday:02d}"}
            ) from None
    if number:
        # A number in a cell not formatted as a date (45000, Excel's day count): which calendar it
        # counts from (1900 or 1904) is not in the cell, so it is not guessed.
        raise CellError(_("这是一个数字，不是日期：请把单元格设为日期格式，或填写如 2026-03-15"))
    if date_only:
        raise CellError(_("日期格式应为 2026-03-15"))
    raise CellError(_("时间格式应为 2026-11-03 14:30"))


def _cell_moment(value: Any, *, date_only: bool) -> dt.datetime | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(0, 0))
    else:
        parsed = _parse_text_moment(_text(value), number=_is_number(value), date_only=date_only)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=business_tz())
    # 0001-01-01 (an empty date exported as a number) would be stored as a car's purchase or a visit.
    if parsed.date() < EARLIEST:
        raise CellError(_("日期不能早于 %(day)s") % {"day": EARLIEST.isoformat()})
    return parsed


def parse_datetime(value: Any) -> dt.datetime | None:
    """Excel datetimes, or text like 2026-11-03 14:30 / 2026/11/3 14:30:00 / 2026-11-03 (local time).

    A DMS record is of the past: the API's rule (csat.params.not_after_today), 2062 for 2026 and a
    delivery dated ahead (callbacks scheduled years later) are refused."""
    parsed = _cell_moment(value, date_only=False)
    if parsed is not None and is_future(parsed):
        raise CellError(FUTURE_MESSAGE)
    return parsed


def parse_date(value: Any) -> dt.date | None:
    """A day (购车日期): an Excel date, or text like 2026-03-15 (a time after it is ignored); not
    after today (csat.params.not_after_today)."""
    parsed = _cell_moment(value, date_only=True)
    if parsed is None:
        return None
    day = parsed.date()
    if is_future(day):
        raise CellError(FUTURE_MESSAGE)
    return day


_YES = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "n", "no", "false", "0", ""}


def parse_bool(value: Any) -> bool:
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("请填写“是”或“否”"))


def parse_count(value: Any, maximum: int = 10_000_000) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("必须是非负整数")) from None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        raise CellError(_("必须是非负整数"))
    if number > maximum:
        raise CellError(_("不能大于 %(n)d") % {"n": maximum})
    return int(number)


def parse_days(value: Any) -> int | None:
    """A number of days; the column is a small integer in the database."""
    return parse_count(value, maximum=3650)


@functools.cache
def _kinds_by_label() -> dict[str, str]:
    """保养 / Maintenance / maintenance → maintenance, whatever language the request is in."""
    kinds = {value: value for value in ServiceKind.values}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            kinds.update({str(label).lower(): value for value, label in ServiceKind.choices})
    return kinds


def yes_no() -> list[str]:
    return [str(_("是")), str(_("否"))]


def service_kind_labels() -> list[str]:
    return [str(label) for _value, label in ServiceKind.choices]


def parse_service_kind(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""  # reported as "必填"
    kind = _kinds_by_label().get(text.lower())
    if kind is None:
        raise CellError(_("维修类型应为：保养、机修、钣喷、索赔保修、事故车"))
    return kind


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy Chinese header, translated for the English template
    parse: Callable[[Any], Any]
    required: bool = False
    example: str = ""
    note: Any = ""
    max_length: int = 100
    # The values a coded column takes, for the template's drop-down (in the active language).
    choices: Callable[[], list[str]] | None = None


# Shared by every kind: the customer and the vehicle the row is about.
CUSTOMER_COLUMNS = [
    Column("name", _("客户姓名"), parse_name, example="张伟", note=_("必填（新客户）")),
    Column(
        "mobile", _("手机号"), parse_mobile, example="13800138000", note=_("11 位大陆手机号，客户的唯一标识")
    ),
    Column("plate", _("车牌号"), parse_plate, example="粤B·12345", note=_("可带或不带分隔符；新能源 8 位")),
    Column("vin", _("车架号"), parse_vin, example="LFV2A21K5G3045678", note=_("17 位，校验位会被检查")),
    Column("model", _("车型"), parse_name, example="CX-5"),
]

KINDS: dict[str, dict[str, Any]] = {
    "customers": {
        "label": _("客户与车辆"),
        "columns": [
            *CUSTOMER_COLUMNS[:2],
            Column(
                "extra_phones", _("其他电话"), parse_phones, example="0755-88886666", note=_("多个用逗号分隔")
            ),
            *CUSTOMER_COLUMNS[2:],
            Column("purchase_date", _("购车日期"), parse_date, example="2026-03-15"),
            Column("do_not_contact", _("勿扰"), parse_bool, example="否", note=_("是/否"), choices=yes_no),
            Column("do_not_contact_reason", _("勿扰原因"), parse_text, example="", max_length=200),
            Column("remarks", _("备注"), parse_text, example="喜欢微信联系", max_length=2000),
        ],
        "required": ["name", "mobile"],
    },
    "sales": {
        "label": _("新车交付"),
        "columns": [
            *CUSTOMER_COLUMNS,
            Column("delivered_at", _("交车时间"), parse_datetime, example="2026-11-03 15:30"),
            Column(
                "consultant",
                _("销售顾问"),
                parse_name,
                example="sz01_consultant1",
                note=_("系统用户名或姓名"),
            ),
        ],
        "required": ["vin", "delivered_at", "consultant"],
    },
    "service_visits": {
        "label": _("维修进厂"),
        "columns": [
            Column("repair_order_no", _("工单号"), parse_text, example="RO20261103001", max_length=40),
            *CUSTOMER_COLUMNS,
            Column(
                "kind",
                _("维修类型"),
                parse_service_kind,
                example="保养",
                note=_("保养/机修/钣喷/索赔保修/事故车"),
                choices=service_kind_labels,
            ),
            Column(
                "service_advisor",
                _("服务顾问"),
                parse_name,
                example="sz01_advisor1",
                note=_("系统用户名或姓名"),
            ),
            Column(
                "technician",
                _("维修技师"),
                parse_name,
                example="sz01_technician1",
                note=_("系统用户名或姓名"),
            ),
            Column("opened_at", _("进厂时间"), parse_datetime, example="2026-11-03 09:10"),
            Column("handed_back_at", _("交车时间"), parse_datetime, example="2026-11-03 16:40"),
            Column("mileage", _("里程"), parse_count, example="23500"),
            Column(
                "quality_related", _("质量返修"), parse_bool, example="否", note=_("是/否"), choices=yes_no
            ),
            Column("parts_backorder_days", _("缺件天数"), parse_days, example="0"),
        ],
        "required": ["repair_order_no", "vin", "kind", "service_advisor", "opened_at"],
    },
}
KIND_CHOICES = [(key, spec["label"]) for key, spec in KINDS.items()]


def columns_of(kind: str) -> list[Column]:
    return list(KINDS[kind]["columns"])


def required_of(kind: str) -> set[str]:
    return set(KINDS[kind]["required"])
