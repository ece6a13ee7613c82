"""The manufacturer's quarterly score per store (厂家考核分值（季度）; cs-survey-management §二.4),
entered by customer care and shown beside our satisfaction in the monthly report (issue #19)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks import permissions
from callbacks.models import ManufacturerScore
from csat.business_time import business_tz
from csat.exceptions import NotAllowedError
from csat.models import Store

__all__ = ["SCORE_MAX", "SCORE_MIN", "YEAR_MAX", "YEAR_MIN", "NOTE_MAX", "manufacturer_score_set"]

# Decision (the source names no scale): the 100-point scale of our own satisfaction, one decimal.
SCORE_MIN = Decimal(0)
SCORE_MAX = Decimal(100)
YEAR_MIN = 2000
YEAR_MAX = 2100


NOTE_MAX = 500


def _clean(*, year: Any, quarter: Any, score: Any, note: str) -> tuple[int, int, Decimal]:
    errors: dict[str, str] = {}
    if len(note) > NOTE_MAX:
        errors["note"] = _("备注不能超过 %(n)s 字。") % {"n": NOTE_MAX}
    try:
        year = int(year)
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = _("年份应在 %(low)s–%(high)s 之间。") % {"low": YEAR_MIN, "high": YEAR_MAX}
    try:
        quarter = int(quarter)
        if not 1 <= quarter <= 4:
            raise ValueError
    except (TypeError, ValueError):
        errors["quarter"] = _("季度应为 1–4。")
    try:
        score = Decimal(str(score).strip())
        if not score.is_finite() or not SCORE_MIN <= score <= SCORE_MAX:
            raise ValueError
        if score != score.quantize(Decimal("0.1")):
            errors["score"] = _("厂家考核分值最多保留一位小数。")
    except (InvalidOperation, TypeError, ValueError):
        errors["score"] = _("厂家考核分值应为 0–100 之间的数字。")
    if "year" not in errors and "quarter" not in errors:
        # A quarter not yet begun has no score from the manufacturer: 2099 is a typing slip that
        # would sit in every later report's history.
        today = timezone.localdate(timezone.now(), business_tz())
        if (year, quarter) > (today.year, (today.month - 1) // 3 + 1):
            errors["quarter"] = _("该季度尚未开始，不能录入厂家考核分值。")
    if errors:
        raise ValidationError(errors)
    return year, quarter, score


@transaction.atomic
def manufacturer_score_set(
    *, user: Any, store: Store, year: Any, quarter: Any, score: Any, note: str = ""
) -> ManufacturerScore:
    """Enter (or correct) the store's score of one quarter; every value stays in the history.

    Customer care of the store only (403 otherwise); a score outside 0–100, a quarter outside 1–4 or
    a year outside 2000–2100 is refused with field errors and nothing is saved.
    """
    if not permissions.can_enter_manufacturer_score(user, store.pk):
        raise NotAllowedError(_("只有本门店客户部可以录入厂家考核分值。"))
    note = (note or "").strip()
    year, quarter, score = _clean(year=year, quarter=quarter, score=score, note=note)
    for _attempt in range(2):
        row = (
            ManufacturerScore.objects.select_for_update()
            .filter(store=store, year=year, quarter=quarter)
            .first()
        )
        if row is not None:
            if (row.score, row.note) == (score, note):
                return row
            row.score, row.note, row.entered_by = score, note, user
            row.save(update_fields=["score", "note", "entered_by", "updated_at"])
            return row
        try:
            with transaction.atomic():
                return ManufacturerScore.objects.create(
                    store=store, year=year, quarter=quarter, score=score, note=note, entered_by=user
                )
        except IntegrityError:
            continue  # a concurrent entry of the same quarter won: correct it instead
    raise RuntimeError("manufacturer score: concurrent entries")
