"""Scanning words: a survey's remarks, a call note, a new complaint (with the customer's identity
and a repeat complaint within 30 days)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crisis.early_warning.firing import fire
from crisis.early_warning.terms import active_terms
from crisis.explanations import explain, quote
from crisis.models import WarningSignal
from csat.domain import early_warning as rules
from csat.domain import signals as text_rules
from csat.models import Customer


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
            **explain(
                "model" if code == text_rules.MODEL_CODE else "text",
                what="、".join(i.term for i in items),
                quote=quote(text),
            ),
            weight=sum(i.weight for i in items),
            crisis_worthy=worthy,
        )
        if signal is not None:
            fired.append(signal)
    return fired


def scan_complaint(*, complaint: Any, words: str | None = None) -> list[WarningSignal]:
    """On intake: the words (``words`` when the content is the system's own summary, else the
    content), the customer's F identity, a second complaint within 30 days."""
    fired = scan_text(
        source=WarningSignal.Source.COMPLAINT,
        record_id=complaint.pk,
        store_id=complaint.store_id,
        customer_id=complaint.customer_id,
        text=complaint.content if words is None else words,
    )
    customer: Customer = complaint.customer
    if customer.identity_flags:
        signal = fire(
            store_id=complaint.store_id,
            customer_id=customer.pk,
            source=WarningSignal.Source.COMPLAINT,
            record_id=complaint.pk,
            code="identity",
            **explain("identity", flags=list(customer.identity_flags)),
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
            **explain("repeat_complaint", n=count),
            weight=2,
        )
        fired += [signal] if signal else []
    return fired
