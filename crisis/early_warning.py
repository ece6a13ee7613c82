"""Early warning (潜伏期): find the signs of a crisis in words and in data, once per record.

Each signal is a row unique per (source, record, code); inserting it is what "fires" it, so a
rescan or a second sweep never repeats a signal or its notification.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crisis.models import SignalTerm, WarningSignal
from csat.domain import early_warning as rules
from csat.domain import signals as text_rules
from csat.models import Customer, IdentityFlag, Role, ServiceVisit
from csat.notifications import notify


def active_terms() -> list[text_rules.Term]:
    """The built-in list with the admin's edits applied (weight, disabled terms, new terms)."""
    edits = {row.term: row for row in SignalTerm.objects.all()}
    terms = []
    for term in text_rules.DEFAULT_TERMS:
        edit = edits.pop(term.term, None)
        if edit is None:
            terms.append(term)
        elif edit.active:
            terms.append(
                text_rules.Term(term.term, edit.code, edit.weight, term.exceptions, term.negated_forms)
            )
    terms += [text_rules.Term(row.term, row.code, row.weight) for row in edits.values() if row.active]
    return terms


def explanation_in(code: str, values: dict[str, Any], *, english: bool) -> str:
    """A signal's explanation from its code and values, in Chinese or English."""
    pair = rules.EXPLANATIONS["text" if code.startswith("text:") else code]
    shown = dict(values)
    if "flags" in shown:
        flags = [f for f in shown.pop("flags") if f in IdentityFlag.values]
        with translation.override("en" if english else "zh-hans"):
            shown["what"] = (", " if english else "、").join(str(IdentityFlag(f).label) for f in flags)
    return (pair.en if english else pair.zh).format(**shown)


def _explain(code: str, **values: Any) -> dict[str, Any]:
    """The stored Chinese explanation plus its values, from which a page renders its own language."""
    return {"explanation": explanation_in(code, values, english=False)[:300], "values": values}


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
    from complaints.services.recipients import store_role_users

    notify(
        recipients=store_role_users(store_id, Role.CUSTOMER_CARE_MANAGER),
        key=f"signal:{signal.pk}",
        title=_("危机预警：%(e)s") % {"e": explanation},
        url="/crisis/",
    )
    return signal


def scan_text(
    *, source: str, record_id: int, store_id: int, customer_id: int | None, text: str
) -> list[WarningSignal]:
    """Words that point to exposure, law, authorities, safety or money: one signal per kind."""
    terms = active_terms()
    found = text_rules.text_signals(text or "", terms)
    if not found:
        return []
    worthy = text_rules.crisis_worthy(text, terms)
    by_code: dict[str, list[text_rules.Signal]] = {}
    for item in found:
        by_code.setdefault(item.code, []).append(item)
    fired = []
    for code, items in by_code.items():
        signal = fire(
            store_id=store_id,
            customer_id=customer_id,
            source=source,
            record_id=record_id,
            code=f"text:{code}",
            **_explain("text", what="、".join(i.term for i in items)),
            weight=sum(i.weight for i in items),
            crisis_worthy=worthy,
        )
        if signal is not None:
            fired.append(signal)
    return fired


def scan_complaint(*, complaint: Any) -> list[WarningSignal]:
    """On intake: the words, the customer's F identity, a second complaint within 30 days."""
    fired = scan_text(
        source=WarningSignal.Source.COMPLAINT,
        record_id=complaint.pk,
        store_id=complaint.store_id,
        customer_id=complaint.customer_id,
        text=complaint.content,
    )
    customer: Customer = complaint.customer
    if customer.identity_flags:
        signal = fire(
            store_id=complaint.store_id,
            customer_id=customer.pk,
            source=WarningSignal.Source.COMPLAINT,
            record_id=complaint.pk,
            code="identity",
            **_explain("identity", flags=list(customer.identity_flags)),
            weight=3,
        )
        fired += [signal] if signal else []
    since = complaint.received_at - dt.timedelta(days=rules.REPEAT_COMPLAINT_DAYS)
    recent = type(complaint).objects.filter(
        customer=customer, received_at__gte=since, received_at__lte=complaint.received_at
    )
    count = recent.count()
    if count >= 2:
        signal = fire(
            store_id=complaint.store_id,
            customer_id=customer.pk,
            source=WarningSignal.Source.COMPLAINT,
            record_id=complaint.pk,
            code="repeat_complaint",
            **_explain("repeat_complaint", n=count),
            weight=2,
        )
        fired += [signal] if signal else []
    return fired


def sweep_patterns(*, now: dt.datetime | None = None) -> int:
    """The data patterns, checked by beat: each query is one aggregate over a recent window."""
    from complaints.models import Complaint, Status

    now = now or timezone.now()
    fired = 0
    # Same vehicle, ≥ 2 quality-related repairs within 30 days.
    window = now - dt.timedelta(days=rules.QUALITY_WINDOW_DAYS)
    repeats = (
        ServiceVisit.objects.filter(quality_related=True, opened_at__gte=window, opened_at__lte=now)
        .values("vehicle_id", "store_id", "customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=rules.QUALITY_REPAIRS_MIN)
    )
    for row in repeats:
        fired += bool(
            fire(
                store_id=row["store_id"],
                customer_id=row["customer_id"],
                source=WarningSignal.Source.VEHICLE,
                record_id=row["vehicle_id"],
                code="repeat_quality_repairs",
                **_explain("repeat_quality_repairs", n=row["n"]),
                weight=3,
            )
        )
    # Parts back-ordered more than 3 days on a recent visit.
    for visit in ServiceVisit.objects.filter(
        parts_backorder_days__gt=rules.BACKORDER_DAYS_OVER, opened_at__gte=window
    ).values("pk", "store_id", "customer_id", "parts_backorder_days"):
        fired += bool(
            fire(
                store_id=visit["store_id"],
                customer_id=visit["customer_id"],
                source=WarningSignal.Source.VISIT,
                record_id=visit["pk"],
                code="parts_backorder",
                **_explain("parts_backorder", n=visit["parts_backorder_days"]),
                weight=1,
            )
        )
    # Complaints open more than 20 days without a solution.
    stale = Complaint.objects.filter(
        received_at__lt=now - dt.timedelta(days=rules.OPEN_DAYS_OVER),
        status__in=[
            Status.RECEIVED,
            Status.REGISTERED,
            Status.DISPATCHED,
            Status.IN_PROGRESS,
            Status.AWAITING_APPROVAL,
        ],
        solution="",
    ).values("pk", "store_id", "customer_id", "received_at")
    for ticket in stale:
        fired += bool(
            fire(
                store_id=ticket["store_id"],
                customer_id=ticket["customer_id"],
                source=WarningSignal.Source.COMPLAINT,
                record_id=ticket["pk"],
                code="open_over_20_days",
                **_explain("open_over_20_days", n=(now - ticket["received_at"]).days),
                weight=3,
            )
        )
    # Several customers, same model and same fault, within 14 days: a possible batch problem.
    recent = now - dt.timedelta(days=rules.BATCH_WINDOW_DAYS)
    batches = (
        Complaint.objects.filter(received_at__gte=recent, received_at__lte=now, vehicle__isnull=False)
        .exclude(vehicle__model="")
        .values("store_id", "vehicle__model", "category", "cause_code_id")
        .annotate(customers=Count("customer_id", distinct=True), first=Min("pk"), last=Max("pk"))
        .filter(customers__gte=rules.BATCH_MIN_CUSTOMERS)
        .filter(~Q(category="other") | Q(cause_code_id__isnull=False))
    )
    for batch in batches:
        fired += bool(
            fire(
                store_id=batch["store_id"],
                customer_id=None,
                source=WarningSignal.Source.COMPLAINT,
                record_id=batch["first"],
                code="batch_problem",
                **_explain("batch_problem", n=batch["customers"], what=batch["vehicle__model"]),
                weight=3,
            )
        )
    return fired


@transaction.atomic
def signal_open_crisis(*, signal: WarningSignal, actor: Any) -> Any:
    """One click from a latent-crisis warning to a crisis case."""
    from crisis.services import crisis_open

    locked = WarningSignal.objects.select_for_update().get(pk=signal.pk)
    if locked.crisis_id is not None:
        return locked.crisis
    crisis = crisis_open(
        actor=actor,
        store=locked.store,
        type=rules.crisis_type_for_signal(locked.code),
        title=_("预警：%(e)s") % {"e": locked.explanation[:150]},
        summary=locked.explanation,
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
    return crisis


@transaction.atomic
def signal_dismiss(*, signal: WarningSignal, actor: Any) -> None:
    WarningSignal.objects.filter(pk=signal.pk, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now(), dismissed_by=actor
    )
