"""Deadline rows: start a step's timer, meet it, sweep for warnings and breaches, recompute.

The sweep selects by state and due time, works in batches, and records each warning and breach
through a unique constraint (DeadlineAlert), so two sweeps at once, or a sweep repeated after a
worker died, record and notify each exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineAlert, DeadlineKind
from csat import selectors as csat_selectors
from csat.access import MANAGER_ROLES
from csat.business_time import business_tz
from csat.domain import deadlines as rules
from csat.i18n import lazy_format
from csat.models import Department, Role
from csat.notifications import Message, notify_many

log = logging.getLogger(__name__)
SWEEP_BATCH = 500
SWEEP_ROUNDS = 10


def _spec(kind: str, start: dt.datetime, *, urgent: bool, major: bool) -> rules.DeadlineSpec:
    return rules.compute_deadline(
        kind,
        start,
        urgent=urgent,
        major=major,
        office_hours=csat_selectors.office_hours(),
        overrides=csat_selectors.calendar_overrides(),
        tz=business_tz(),
    )


def _runs_on_wall_clock(kind: str, complaint: Complaint) -> bool:
    if kind == DeadlineKind.FOLLOW_UP:
        return True  # calendar days
    if kind in (DeadlineKind.PROGRESS_REPORT, DeadlineKind.RESULT_REPORT):
        return False  # working days / the end of a working day
    return rules.uses_wall_clock(urgent=complaint.urgent, major=complaint.is_major)


def next_due_sync(complaints: Complaint | models.QuerySet[Complaint] | Iterable[int]) -> None:
    """Store each ticket's soonest open deadline on the ticket (``next_due_at``/``next_due_kind``).

    Called in the transaction of every deadline change, with the ticket being worked on (its
    in-memory copy is updated too) or a queryset/list of ids (bulk, after a calendar change)."""
    tickets: models.QuerySet[Complaint]
    if isinstance(complaints, Complaint):
        tickets = Complaint.objects.filter(pk=complaints.pk)
    elif isinstance(complaints, models.QuerySet):
        tickets = complaints
    else:
        tickets = Complaint.objects.filter(pk__in=list(complaints))
    soonest = Deadline.objects.filter(
        complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    ).order_by("due_at", "id")
    tickets.update(
        next_due_at=Subquery(soonest.values("due_at")[:1]),
        next_due_kind=Coalesce(Subquery(soonest.values("kind")[:1]), Value("")),
    )
    if isinstance(complaints, Complaint):
        complaints.refresh_from_db(fields=["next_due_at", "next_due_kind"])


def deadline_start(
    *,
    complaint: Complaint,
    kind: str,
    start: dt.datetime,
    department: Department | None,
    sequence: int = 1,
) -> Deadline:
    spec = _spec(kind, start, urgent=complaint.urgent, major=complaint.is_major)
    deadline, created = Deadline.objects.get_or_create(
        complaint=complaint,
        kind=kind,
        cycle=complaint.reopen_count,
        sequence=sequence,
        defaults={
            "department": department,
            "started_at": start,
            "wall_clock": _runs_on_wall_clock(kind, complaint),
            "opens_at": spec.opens_at,
            "warn_at": spec.warn_at,
            "due_at": spec.due_at,
        },
    )
    if created:
        next_due_sync(complaint)
    return deadline


def deadline_meet(*, complaint: Complaint, kind: str, at: dt.datetime) -> Deadline | None:
    """Mark the open timer of this step as met (late or not: a breach stays recorded). Met after its
    due time before the sweep recorded the breach (within the sweep's minute, beat down, a form
    back-filled), the breach is recorded now as the sweep records it: the −2 (DOMAIN §5) and the
    report's "missed" count the same steps."""
    # The caller holds the ticket's lock (ticket.lock), so a sweep cannot hold this timer (it takes
    # the ticket first and skips one a step holds); a sweep that held the ticket has committed or
    # rolled back by now, and breached_at read here is the truth.
    deadline = (
        Deadline.objects.filter(
            complaint=complaint, kind=kind, met_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("-cycle", "-sequence")
        .select_for_update()
        .first()
    )
    if deadline is not None:
        if at > deadline.due_at and deadline.breached_at is None:
            _alert_batch(DeadlineAlert.Kind.BREACH, now=at, ids=[deadline.pk])
        deadline.met_at = at
        deadline.save(update_fields=["met_at"])
        next_due_sync(complaint)
    return deadline


def next_sequence(complaint: Complaint, kind: str) -> int:
    """The sequence a new timer of this step takes in the ticket's current cycle (1 for the first;
    a transfer or a return starts the step again for another department)."""
    last = (
        Deadline.objects.filter(complaint=complaint, kind=kind, cycle=complaint.reopen_count)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return (last or 0) + 1


def deadline_cancel(*, complaint: Complaint, kinds: Iterable[str], at: dt.datetime) -> list[Deadline]:
    """Stop the open timers of these steps (the ticket left the department that owned them). A breach
    already recorded stays charged to that department (DeadlineAlert.department)."""
    rows = list(
        Deadline.objects.filter(
            complaint=complaint, kind__in=list(kinds), met_at__isnull=True, cancelled_at__isnull=True
        ).select_for_update()
    )
    if rows:
        Deadline.objects.filter(pk__in=[d.pk for d in rows]).update(cancelled_at=at)
        next_due_sync(complaint)
    return rows


def open_deadline(complaint: Complaint, kind: str) -> Deadline | None:
    return (
        Deadline.objects.filter(
            complaint=complaint, kind=kind, met_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("-cycle", "-sequence")
        .first()
    )


def _label(deadline: Deadline) -> str:
    return str(DeadlineKind(deadline.kind).label)


ESCALATE_TO_CARE = (DeadlineKind.HANDOFF, DeadlineKind.FOLLOW_UP, DeadlineKind.DISPATCH)


class _People:
    """The managers, customer-care managers and GMs of a batch of deadlines, read in one query."""

    def __init__(self, deadlines: list[Deadline]) -> None:
        departments = {d.department_id for d in deadlines if d.department_id}
        stores = {d.complaint.store_id for d in deadlines}
        # The person the department manager assigned hears of the ticket's timers too (issue #18).
        assignees = {d.complaint.assignee_id for d in deadlines if d.complaint.assignee_id}
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(
                Q(profile__department_id__in=departments, profile__role__in=MANAGER_ROLES)
                | Q(
                    profile__store_id__in=stores,
                    profile__role__in=(Role.CUSTOMER_CARE_MANAGER, Role.GENERAL_MANAGER),
                )
                | Q(pk__in=assignees)
            )
            .select_related("profile")
        )
        self.managers: dict[int, list[Any]] = defaultdict(list)
        self.by_store_role: dict[tuple[int | None, str], list[Any]] = defaultdict(list)
        self.by_pk: dict[int, Any] = {}
        for user in users:
            self.by_pk[user.pk] = user
            profile = user.profile
            if profile.department_id in departments and profile.role in MANAGER_ROLES:
                self.managers[profile.department_id].append(user)
            self.by_store_role[(profile.store_id, profile.role)].append(user)

    def of(self, deadline: Deadline, *, breach: bool) -> list[Any]:
        """Who hears of a step's timer: the owning department's managers, customer care for the steps
        it owns (or when the department has no manager); a breach escalates to the GM as well."""
        store_id = deadline.complaint.store_id
        people = list(self.managers.get(deadline.department_id or 0, []))
        if not people or deadline.kind in ESCALATE_TO_CARE:
            people += self.by_store_role.get((store_id, Role.CUSTOMER_CARE_MANAGER), [])
        if breach:
            people += self.by_store_role.get((store_id, Role.GENERAL_MANAGER), [])
        assignee = self.by_pk.get(deadline.complaint.assignee_id or 0)
        if (
            assignee is not None
            and deadline.department_id == deadline.complaint.department_id
            and assignee not in people
        ):
            people.append(assignee)
        return people


def _due(kind: str, now: dt.datetime) -> Any:
    base = Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True)
    if kind == DeadlineAlert.Kind.WARNING:
        return base.filter(warned_at__isnull=True, warn_at__lte=now).order_by("warn_at", "id")
    return base.filter(breached_at__isnull=True, due_at__lt=now).order_by("due_at", "id")


def _alert_batch(kind: str, *, now: dt.datetime, ids: list[int] | None = None) -> tuple[int, int]:
    """Record up to SWEEP_BATCH warnings or breaches in one transaction, in bulk.

    The due rows are locked (SKIP LOCKED: a concurrent sweep takes the next ones), so each alert is
    written by exactly one sweep; the unique DeadlineAlert constraint stays as the last guard. Either
    the whole batch commits (alerts, stamps, events, notifications) or none of it does.
    Returns (rows taken, alerts recorded).

    Locks are taken in the steps' order, the ticket before its timers: taking the timer first
    deadlocked a sweep against a step on the same ticket. A ticket a step is holding is left for the
    next sweep; that step meets its timer, and records the breach itself when it is late.
    """
    breach = kind == DeadlineAlert.Kind.BREACH
    with transaction.atomic():
        qs = _due(kind, now)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        held = list(
            Complaint.objects.filter(pk__in=qs.values("complaint_id")[:SWEEP_BATCH])
            .order_by()
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not held:
            return 0, 0
        rows = list(
            qs.filter(complaint_id__in=held)
            .select_related("complaint", "department")
            .select_for_update(skip_locked=True, of=("self",))[:SWEEP_BATCH]
        )
        if not rows:
            return 0, 0
        pks = [d.pk for d in rows]
        done = set(
            DeadlineAlert.objects.filter(deadline_id__in=pks, kind=kind).values_list("deadline_id", flat=True)
        )
        fresh = [d for d in rows if d.pk not in done]
        DeadlineAlert.objects.bulk_create(
            [DeadlineAlert(deadline=d, kind=kind, department=d.department if breach else None) for d in fresh]
        )
        Deadline.objects.filter(pk__in=pks).update(**{"breached_at" if breach else "warned_at": now})
        if not fresh:
            return len(rows), 0
        # A warning first swept after its due time (beat was down overnight, a worker was busy) is
        # recorded but not sent: the breach notice of the same sweep says it, and "即将超时" beside
        # "已超时" for one step only confuses the manager.
        told = fresh if breach else [d for d in fresh if d.due_at > now]
        people = _People(told)
        messages = []
        for d in told:
            complaint = d.complaint
            # The step's label stays lazy: each reader sees the notice in their own language.
            subject = {"number": complaint.number, "step": DeadlineKind(d.kind).label}
            if breach:
                title = lazy_format(gettext_lazy("已超时：%(number)s %(step)s"), subject)
                body = lazy_format(
                    gettext_lazy("责任部门：%(dept)s；每次超时扣 2 分。"),
                    {"dept": d.department.name if d.department else "-"},
                )
            else:
                title = lazy_format(gettext_lazy("即将超时：%(number)s %(step)s"), subject)
                body = lazy_format(
                    gettext_lazy("截止时间 %(due)s"),
                    {"due": f"{timezone.localtime(d.due_at, business_tz()):%Y-%m-%d %H:%M}"},
                )
            messages.append(
                Message(
                    recipients=people.of(d, breach=breach),
                    key=f"deadline:{d.pk}:{kind}",
                    title=title,
                    body=body,
                    url=f"/complaints/{complaint.pk}/",
                    departments=(d.department,) if breach and d.department else (),
                )
            )
        if breach:
            ComplaintEvent.objects.bulk_create(
                [
                    ComplaintEvent(
                        complaint=d.complaint,
                        action="deadline_breached",
                        from_status=d.complaint.status,
                        to_status=d.complaint.status,
                        note=_label(d),
                        data={"deadline": d.pk, "kind": d.kind, "department": d.department_id},
                    )
                    for d in fresh
                ]
            )
        notify_many(messages)
    return len(rows), len(fresh)


def deadline_warn(*, deadline_id: int, now: dt.datetime) -> bool:
    return _alert_batch(DeadlineAlert.Kind.WARNING, now=now, ids=[deadline_id])[1] == 1


def deadline_breach(*, deadline_id: int, now: dt.datetime) -> bool:
    return _alert_batch(DeadlineAlert.Kind.BREACH, now=now, ids=[deadline_id])[1] == 1


def enforce_deadlines(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One sweep: warnings first, then breaches, in batches. Safe to run concurrently and repeatedly.

    Nothing due costs one query on the two partial indexes of open timers; N due cost a few queries per
    batch of SWEEP_BATCH, not per timer. At most SWEEP_ROUNDS batches of each kind per run.
    """
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0}
    # Each branch matches one partial index. As one OR under exists()'s LIMIT 1, PostgreSQL
    # overestimated the due rows and scanned every deadline when none was due (219 ms at 900,000
    # deadlines, the 200-store simulation of issue 25); a UNION (not ALL) is planned for all its
    # rows: two index scans, < 1 ms.
    due = _due(DeadlineAlert.Kind.WARNING, now).order_by()
    if not due.union(_due(DeadlineAlert.Kind.BREACH, now).order_by()).exists():
        return counts
    for kind, name in ((DeadlineAlert.Kind.WARNING, "warnings"), (DeadlineAlert.Kind.BREACH, "breaches")):
        for _round in range(SWEEP_ROUNDS):
            taken, recorded = _alert_batch(kind, now=now)
            counts[name] += recorded
            if taken < SWEEP_BATCH:
                break  # the rest, if any, is locked by a concurrent sweep that records it
    return counts


def deadlines_recompute(*, since: dt.date | None = None) -> int:
    """After a holiday/workday override changes: recompute open working-time timers it may move."""
    qs = Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True, breached_at__isnull=True)
    # Working-time timers, plus the two calendar-day ones a holiday can stretch (DOMAIN §9).
    # Handoff and dispatch on the clock wait for working time to resume when received off hours.
    qs = qs.filter(
        Q(wall_clock=False)
        | Q(
            kind__in=(
                DeadlineKind.FOLLOW_UP,
                DeadlineKind.RESULT_REPORT,
                DeadlineKind.HANDOFF,
                DeadlineKind.DISPATCH,
            )
        )
    )
    if since is not None:
        # A changed day can only move timers that are due on or after it.
        qs = qs.filter(due_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=business_tz()))
    moved: set[int] = set()
    with transaction.atomic():
        # The tickets' row locks first, in one order, then their timers: the order of every step
        # and of the sweep. Saving the timers first and the tickets' next due time after deadlocked
        # with a manager's step on one of them (the step holds its ticket and waits for its timer).
        locked = list(
            Complaint.objects.filter(pk__in=qs.values("complaint_id"))
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        changed = _recompute(qs.filter(complaint_id__in=locked).select_related("complaint"), moved)
        if moved:
            next_due_sync(moved)
    return changed


def _recompute(qs: models.QuerySet[Deadline], moved: set[int]) -> int:
    changed = 0
    for deadline in qs.iterator():
        complaint = deadline.complaint
        spec = _spec(deadline.kind, deadline.started_at, urgent=complaint.urgent, major=complaint.is_major)
        if (spec.due_at, spec.warn_at, spec.opens_at) != (
            deadline.due_at,
            deadline.warn_at,
            deadline.opens_at,
        ):
            deadline.due_at, deadline.warn_at, deadline.opens_at = spec.due_at, spec.warn_at, spec.opens_at
            deadline.save(update_fields=["due_at", "warn_at", "opens_at"])
            moved.add(deadline.complaint_id)
            changed += 1
    return changed


def on_calendar_changed(sender: Any, *, date: Any, **_: Any) -> None:
    """Receiver of ``csat.events.calendar_changed``: the open timers follow the new working days."""
    deadlines_recompute(since=date)
