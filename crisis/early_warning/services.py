"""State changes of a warning signal: open a crisis case from it, or dismiss it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint
from crisis.models import SignalRecord, WarningSignal
from crisis.services import crisis_open
from csat.change_reason import change_reason
from csat.domain import early_warning as rules
from csat.exceptions import ApplicationError


@transaction.atomic
def signal_open_crisis(*, signal: WarningSignal, actor: Any, reason: str = "") -> Any:
    """From a latent-crisis warning to a crisis case; ``reason`` is the opener's one line (why this
    is a crisis), kept in the case's summary and as the reason of its history."""
    locked = WarningSignal.objects.select_for_update().get(pk=signal.pk)
    if locked.crisis_id is not None:
        return locked.crisis
    reason = reason.strip()
    # The case's title and summary are the store's record, read by everyone in the store's language
    # (the stored explanation is Chinese): never "Warning: 文本模型…" because the GM reads English.
    with translation.override(settings.LANGUAGE_CODE):
        summary = locked.explanation
        if reason:
            summary = _("%(why)s\n（预警：%(e)s）") % {"why": reason, "e": summary}
        title = _("预警：%(e)s") % {"e": locked.explanation[:150]}
    with change_reason(reason):
        crisis = crisis_open(
            actor=actor,
            store=locked.store,
            type=rules.crisis_type_for_signal(locked.code),
            title=title,
            summary=summary,
            customer=locked.customer,
        )
    # Every pending sign of the same customer joins the case.
    WarningSignal.objects.filter(
        store_id=locked.store_id,
        customer_id=locked.customer_id,
        crisis__isnull=True,
        dismissed_at__isnull=True,
    ).exclude(customer_id__isnull=True).update(crisis=crisis)
    WarningSignal.objects.filter(pk=locked.pk).update(crisis=crisis)
    # The case links to the tickets its warnings came from (issue #22), in the case's store.
    complaint = WarningSignal.Source.COMPLAINT
    ticket_ids = {
        *SignalRecord.objects.filter(signal__crisis=crisis, source=complaint).values_list(
            "record_id", flat=True
        ),
        *WarningSignal.objects.filter(crisis=crisis, source=complaint).values_list("record_id", flat=True),
    }
    crisis.complaints.add(*Complaint.objects.filter(store_id=crisis.store_id, pk__in=ticket_ids))
    return crisis


@transaction.atomic
def signal_dismiss(*, signal: WarningSignal, actor: Any, reason: str) -> None:
    """Dismiss the board's row: the signal and its customer's other pending signs (one row per
    customer). Why it is no crisis must be said (issue #22); the reason is kept on every signal."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请填写排除原因。"))
    pending = WarningSignal.objects.filter(crisis__isnull=True, dismissed_at__isnull=True)
    if signal.customer_id is None:
        pending = pending.filter(pk=signal.pk)
    else:
        pending = pending.filter(store_id=signal.store_id, customer_id=signal.customer_id)
    pending.update(
        dismissed_at=timezone.now(), dismissed_by=actor, collecting=False, dismiss_reason=reason[:200]
    )
