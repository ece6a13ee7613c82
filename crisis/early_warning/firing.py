"""Insert-once: a signal is a row unique per (source, record, code); inserting it is what "fires"
it, so a rescan or a second sweep never repeats a signal or its notification."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crisis.models import WarningSignal
from csat.domain import early_warning as rules
from csat.models import Role
from csat.notifications import notify
from csat.selectors import store_role_users


def fire(
    *,
    store_id: int,
    customer_id: int | None,
    source: str,
    record_id: int,
    code: str,
    explanation: str,
    values: dict[str, Any] | None = None,
    weight: int = 1,
    crisis_worthy: bool = False,
) -> WarningSignal | None:
    """Record a signal unless this record already has it; notify customer care's manager once."""
    try:
        with transaction.atomic():
            signal = WarningSignal.objects.create(
                store_id=store_id,
                customer_id=customer_id,
                source=source,
                record_id=record_id,
                code=code,
                explanation=explanation,
                values=values or {},
                weight=weight,
                suggested_grade=rules.grade_for_signal(code, crisis_worthy=crisis_worthy),
            )
    except IntegrityError:
        return None
    notify(
        recipients=store_role_users(store_id, Role.CUSTOMER_CARE_MANAGER),
        key=f"signal:{signal.pk}",
        title=_("危机预警：%(e)s") % {"e": explanation},
        url="/crisis/",
    )
    return signal
