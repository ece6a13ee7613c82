"""Firing a signal: once per record, and once a week per customer and code (alert fatigue, issue 23).

A record fires a code once: ``SignalRecord`` is unique per (source, record, code), so a rescan or a
second sweep repeats nothing. A repeat of the same code for the same customer within
``REPEAT_WINDOW_DAYS`` of the signal's first firing joins that row (one more occurrence, its
last-seen time, the record) and notifies nobody. The row that collects the repeats is unique per
store, customer and code (a partial unique constraint) and is locked (``select_for_update``) while
it is joined, so two concurrent firings neither open two rows nor lose a count: the loser of the
insert race joins the winner's row. A new row's notification is written in the same transaction,
so a worker that dies after the commit cannot leave a signal nobody was told of. Grade-D signals
notify nobody here; the daily digest (``digest.py``) tells them once per store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisis.models import SignalRecord, WarningSignal
from csat.domain import early_warning as rules
from csat.i18n import lazy_format, lazy_text
from csat.models import Role
from csat.notifications import notify
from csat.selectors import store_role_users

OPEN_ATTEMPTS = 3  # a lost insert race is retried as a join; more than one loss in a row is a bug


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
    """Record a signal unless this record already has it; join the customer's signal of the same code
    from the last week, or open a new one and notify customer care's manager (not for grade D).

    Returns the signal row the record went to, or None when the record had fired this code before.
    """
    if SignalRecord.objects.filter(source=source, record_id=record_id, code=code).exists():
        return None
    now = timezone.now()
    fields: dict[str, Any] = {
        "source": source,
        "record_id": record_id,
        "explanation": explanation,
        "values": values or {},
        "weight": weight,
        "suggested_grade": rules.grade_for_signal(code, crisis_worthy=crisis_worthy),
    }
    try:
        with transaction.atomic():
            signal, opened = _join_or_open(
                store_id=store_id, customer_id=customer_id, code=code, now=now, fields=fields
            )
            # The constraint, not the check above, is what makes a record count once.
            SignalRecord.objects.create(
                signal=signal, source=source, record_id=record_id, code=code, seen_at=now
            )
            if opened and signal.suggested_grade not in rules.DIGEST_GRADES:
                # In the signal's transaction: a worker dying after the commit must not leave a
                # recorded signal that nobody was told of (a redelivered sweep fires nothing more).
                # The inbox row commits with the signal; e-mail and webhooks go after the commit.
                _notify_opened(signal, store_id=store_id)
    except IntegrityError:
        return None
    return signal


def _notify_opened(signal: WarningSignal, *, store_id: int) -> None:
    # The explanation is rebuilt from the signal's values in each reader's language. The customer's
    # name leads: a manager with several warnings in the inbox sees whom each is about.
    explanation = lazy_text(lambda: signal.explanation_text)
    customer = signal.customer.name if signal.customer_id and signal.customer else ""
    if customer:
        title = lazy_format(
            gettext_lazy("危机预警：%(customer)s · %(e)s"), {"customer": customer, "e": explanation}
        )
    else:
        title = lazy_format(gettext_lazy("危机预警：%(e)s"), {"e": explanation})
    body = lazy_format(
        gettext_lazy("建议等级：%(grade)s；来源：%(source)s"),
        {"grade": signal.suggested_grade or "—", "source": WarningSignal.Source(signal.source).label},
    )
    notify(
        recipients=store_role_users(store_id, Role.CUSTOMER_CARE_MANAGER),
        key=f"signal:{signal.pk}",
        title=title,
        body=body,
        url=f"/crisis/#signal-{signal.pk}",
    )


def collecting_row(*, store_id: int, customer_id: int, code: str) -> WarningSignal | None:
    """The customer's row that takes repeats of this code, locked until the transaction ends."""
    return (
        WarningSignal.objects.select_for_update()
        .filter(store_id=store_id, customer_id=customer_id, code=code, collecting=True)
        .first()
    )


def _join_or_open(
    *, store_id: int, customer_id: int | None, code: str, now: dt.datetime, fields: dict[str, Any]
) -> tuple[WarningSignal, bool]:
    """(the row, whether it is new). A store-wide pattern (no customer) opens one row per record."""
    if customer_id is None:
        return WarningSignal.objects.create(store_id=store_id, code=code, last_seen_at=now, **fields), True
    window_start = now - dt.timedelta(days=rules.REPEAT_WINDOW_DAYS)
    for _attempt in range(OPEN_ATTEMPTS):
        row = collecting_row(store_id=store_id, customer_id=customer_id, code=code)
        if row is not None:
            if row.is_pending and row.created_at >= window_start:
                _join(row, now=now, fields=fields)
                return row, False
            # Older than the window, dismissed or in a crisis: a new row takes the repeats from now.
            WarningSignal.objects.filter(pk=row.pk).update(collecting=False)
        try:
            with transaction.atomic():
                opened = WarningSignal.objects.create(
                    store_id=store_id,
                    customer_id=customer_id,
                    code=code,
                    last_seen_at=now,
                    collecting=True,
                    **fields,
                )
            return opened, True
        except IntegrityError:
            continue  # a concurrent firing opened the row first: join it on the next round
    raise IntegrityError(f"no collecting row for {store_id}/{customer_id}/{code}")


def _join(row: WarningSignal, *, now: dt.datetime, fields: dict[str, Any]) -> None:
    """One more occurrence: the row names the newest record and its words, keeps the graver grade."""
    row.occurrences += 1
    row.last_seen_at = now
    row.source = fields["source"]
    row.record_id = fields["record_id"]
    row.explanation = fields["explanation"]
    row.values = fields["values"]
    row.weight = max(row.weight, fields["weight"])
    row.suggested_grade = rules.graver_grade(row.suggested_grade, fields["suggested_grade"])
    row.save(
        update_fields=[
            "occurrences",
            "last_seen_at",
            "source",
            "record_id",
            "explanation",
            "values",
            "weight",
            "suggested_grade",
        ]
    )
