"""The daily digest of grade-D signals (alert fatigue, issue 23).

Grade-D data patterns (parts back-ordered more than 3 days) are too common to notify one by one:
each morning customer care's manager of a store gets one notification listing the store's pending
grade-D signals not yet told, new or repeated since. A signal is due while it has occurrences no
digest told (``digested_occurrences``), not by a time window: a run late, early or skipped neither
drops nor repeats one. A store gets one digest a day (``SignalDigest``, unique per store and day,
and the notification key ``signal-digest:{store}:{date}``); what a second run that day would add
waits for the next day's.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisis.models import SignalDigest, WarningSignal
from csat.domain import early_warning as rules
from csat.i18n import lazy_format, lazy_text
from csat.models import Role
from csat.notifications import Message, notify_many
from csat.selectors import store_role_users

DIGEST_LINES = 20  # signals named in the body; the title has the count


def _digest_lines(signals: list[WarningSignal]) -> str:
    """One line per signal, its explanation in the active language."""
    return "\n".join(f"· {s.customer.name if s.customer else '—'}：{s.explanation_text}" for s in signals)


def _due(now: dt.datetime) -> QuerySet[WarningSignal]:
    """Pending grade-D signals with an occurrence no digest told yet."""
    return WarningSignal.objects.filter(
        suggested_grade__in=rules.DIGEST_GRADES,
        crisis__isnull=True,
        dismissed_at__isnull=True,
        occurrences__gt=F("digested_occurrences"),
        last_seen_at__lte=now,
    )


def signal_digest_send(*, now: dt.datetime | None = None) -> int:
    """One digest per store with grade-D signals not told yet; returns how many stores were told."""
    now = now or timezone.now()
    stores = sorted(set(_due(now).order_by().values_list("store_id", flat=True)))
    return sum(_send(store_id, now=now) for store_id in stores)


def _send(store_id: int, *, now: dt.datetime) -> int:
    """The store's digest, its signals marked told and its notification in one transaction (a worker
    dying midway leaves them due for the redelivered run); 1 when sent."""
    day = timezone.localdate(now)
    with transaction.atomic():
        # Locked: a concurrent run waits here, then no longer finds these rows due.
        signals = list(
            _due(now)
            .filter(store_id=store_id)
            .select_related("store", "customer")
            .select_for_update(of=("self",))
            .order_by("-last_seen_at", "-pk")
        )
        if not signals:
            return 0
        try:
            # The store's one digest of the day: a concurrent run's insert fails here, after ours.
            with transaction.atomic():
                SignalDigest.objects.create(store_id=store_id, day=day, signals=len(signals))
        except IntegrityError:
            return 0  # the store had today's digest: these signals stay due for tomorrow's
        WarningSignal.objects.filter(pk__in=[s.pk for s in signals]).update(
            digested_occurrences=F("occurrences")
        )
        notify_many(
            [
                Message(
                    recipients=list(store_role_users(store_id, Role.CUSTOMER_CARE_MANAGER)),
                    key=f"signal-digest:{store_id}:{day.isoformat()}",
                    title=lazy_format(
                        gettext_lazy("%(store)s %(date)s：%(n)s 条 D 级预警待处理"),
                        {"store": signals[0].store.name, "date": day.isoformat(), "n": len(signals)},
                    ),
                    body=lazy_text(partial(_digest_lines, signals[:DIGEST_LINES])),
                    url="/crisis/#signals",
                )
            ]
        )
    return 1
