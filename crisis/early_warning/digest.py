"""The daily digest of grade-D signals (alert fatigue, issue 23).

Grade-D data patterns (parts back-ordered more than 3 days) are too common to notify one by one:
each morning customer care's manager of a store gets one notification listing the store's pending
grade-D signals first seen or repeated in the last day. Its key ``signal-digest:{store}:{date}`` is
unique per recipient (a database constraint), so a second run on the same day sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisis.models import WarningSignal
from csat.domain import early_warning as rules
from csat.i18n import lazy_format, lazy_text
from csat.models import Role
from csat.notifications import Message, notify_many
from csat.selectors import store_role_users

DIGEST_LINES = 20  # signals named in the body; the title has the count


def _digest_lines(signals: list[WarningSignal]) -> str:
    """One line per signal, its explanation in the active language."""
    return "\n".join(f"· {s.customer.name if s.customer else '—'}：{s.explanation_text}" for s in signals)


def signal_digest_send(*, now: dt.datetime | None = None) -> int:
    """One digest per store with new grade-D signals since yesterday's; returns how many stores."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    recent = (
        WarningSignal.objects.filter(
            suggested_grade__in=rules.DIGEST_GRADES,
            crisis__isnull=True,
            dismissed_at__isnull=True,
            last_seen_at__gt=now - dt.timedelta(days=1),
            last_seen_at__lte=now,
        )
        .select_related("store", "customer")
        .order_by("store_id", "-last_seen_at")
    )
    by_store: dict[int, list[WarningSignal]] = defaultdict(list)
    for signal in recent:
        by_store[signal.store_id].append(signal)
    messages = []
    for store_id, signals in by_store.items():
        messages.append(
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
        )
    notify_many(messages)
    return len(messages)
