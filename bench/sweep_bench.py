#!/usr/bin/env python
"""Benchmark: the complaint deadline sweep at dealer-group scale (issue 8). Not a unit test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python bench/sweep_bench.py

Times the real task body, ``complaints.services.deadlines.enforce_deadlines``, with its own
transactions as the Celery task runs it:
1. one untimed sweep first (whatever fell due since the data was generated), then the steady state:
   nothing due — the median of 5 sweeps (target ≤ 100 ms);
2. 1,000 open deadlines made due at once (due a minute ago, warning already sent): one sweep,
   checked to record exactly 1,000 breaches (target ≤ 5 s);
3. afterwards those deadlines, their breaches, timeline events and notifications are put back, so
   the bench can run again on the same data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale_common as common  # noqa: E402

TARGET_IDLE_S = 0.1
TARGET_1000_S = 5.0
DUE = 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--due", type=int, default=DUE)
    parser.add_argument("--no-record", action="store_true")
    args, _unknown = parser.parse_known_args()

    common.setup_django()
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from complaints.models import ComplaintEvent, Deadline, DeadlineAlert
    from complaints.services.deadlines import enforce_deadlines
    from csat.models import Notification

    load_before = common.load_average()
    # The idle sweeps run at the catch-up sweep's moment: at 200 stores a warning falls due every
    # few seconds, and one that fell due between two sweeps is not "nothing due" work.
    frozen = timezone.now()
    first = enforce_deadlines(now=frozen)
    print(f"catch-up sweep: {first}")
    idle = []
    for _ in range(5):
        t0 = time.perf_counter()
        counts = enforce_deadlines(now=frozen)
        idle.append(time.perf_counter() - t0)
        assert counts == {"warnings": 0, "breaches": 0}, counts
    idle_s = statistics.median(idle)
    print(f"nothing due: median {idle_s * 1000:.1f} ms ({', '.join(f'{t * 1000:.1f}' for t in idle)})")

    now = timezone.now()
    candidates = Deadline.objects.filter(
        met_at__isnull=True,
        cancelled_at__isnull=True,
        breached_at__isnull=True,
        due_at__gt=now + dt.timedelta(hours=1),
    ).order_by("id")
    saved = list(candidates.values("id", "due_at", "warn_at", "warned_at")[: args.due])
    if len(saved) < args.due:
        raise SystemExit(f"only {len(saved)} open deadlines to make due; generate a larger data set")
    ids = [row["id"] for row in saved]
    # What fell due since the idle sweeps is swept first, at the burst's own moment, so the burst
    # sweeps exactly the deadlines made due here.
    enforce_deadlines(now=now)
    due_at = now - dt.timedelta(minutes=1)
    with transaction.atomic():
        Deadline.objects.filter(id__in=ids).update(
            due_at=due_at,
            warn_at=due_at - dt.timedelta(minutes=5),
            warned_at=due_at - dt.timedelta(minutes=5),
        )
    breaches_before = DeadlineAlert.objects.filter(kind="breach").count()
    try:
        t0 = time.perf_counter()
        counts = enforce_deadlines(now=now)
        burst_s = time.perf_counter() - t0
        recorded = DeadlineAlert.objects.filter(kind="breach").count() - breaches_before
        print(f"{args.due} due: {burst_s:.2f} s, {counts}, {recorded} breaches recorded")
        exact = recorded == args.due and counts["breaches"] == args.due
    finally:
        with transaction.atomic():
            DeadlineAlert.objects.filter(deadline_id__in=ids, kind="breach").delete()
            ComplaintEvent.objects.filter(action="deadline_breached", data__deadline__in=ids).delete()
            Notification.objects.filter(key__in=[f"deadline:{i}:breach" for i in ids]).delete()
            for row in saved:
                Deadline.objects.filter(id=row["id"]).update(
                    due_at=row["due_at"], warn_at=row["warn_at"], warned_at=row["warned_at"], breached_at=None
                )
        assert not Deadline.objects.filter(Q(id__in=ids) & Q(breached_at__isnull=False)).exists()

    lines = common.header(
        "Dealer group at scale: deadline sweep (`bench/sweep_bench.py`)",
        load_before,
        ["enforce_deadlines() called in-process, with its own transactions as the Celery task runs it"],
    )
    lines += common.table(
        ["case", "time", "result", "target", "met?"],
        [
            ["nothing due (median of 5)", common.ms(idle_s), "0 warnings, 0 breaches", "≤ 100 ms",
             "yes" if idle_s <= TARGET_IDLE_S else f"no: {idle_s / TARGET_IDLE_S:.1f}× the target"],
            [f"{args.due:,} due at once", f"{burst_s:.2f} s",
             f"{counts['breaches']:,} breaches, {recorded:,} recorded ({'exact' if exact else 'NOT exact'})",
             "≤ 5 s", "yes" if burst_s <= TARGET_1000_S and exact else
             f"no: {burst_s / TARGET_1000_S:.1f}× the target" + ("" if exact else ", count wrong")],
        ],
    )  # fmt: skip
    common.record(lines, enabled=not args.no_record)
    if not exact:
        raise SystemExit("the sweep did not record exactly one breach per due deadline")


if __name__ == "__main__":
    main()
