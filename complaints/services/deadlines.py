"""Deadline rows: start a step's timer, meet it, sweep for warnings and breaches, recompute.

The sweep selects by state and due time, works in batches, and records each warning and breach
through a unique constraint (DeadlineAlert), so two sweeps at once, or a sweep repeated after a
worker died, record and notify each exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineAlert, DeadlineKind
from complaints.services.recipients import managers_of, store_role_users
from csat import selectors as csat_selectors
from csat.domain import deadlines as rules
from csat.models import Department, Role
from csat.notifications import notify

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _spec(kind: str, start: dt.datetime, *, urgent: bool, major: bool) -> rules.DeadlineSpec:
    return rules.compute_deadline(
        kind,
        start,
        urgent=urgent,
        major=major,
        office_hours=csat_selectors.office_hours(),
        overrides=csat_selectors.calendar_overrides(),
        tz=_tz(),
    )


def _runs_on_wall_clock(kind: str, complaint: Complaint) -> bool:
    if kind == DeadlineKind.FOLLOW_UP:
        return True  # calendar days
    if kind == DeadlineKind.PROGRESS_REPORT:
        return False  # working days
    return rules.uses_wall_clock(urgent=complaint.urgent, major=complaint.is_major)


def deadline_start(
    *,
    complaint: Complaint,
    kind: str,
    start: dt.datetime,
    department: Department | None,
    sequence: int = 1,
) -> Deadline:
    spec = _spec(kind, start, urgent=complaint.urgent, major=complaint.is_major)
    deadline, _created = Deadline.objects.get_or_create(
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
    return deadline


def deadline_meet(*, complaint: Complaint, kind: str, at: dt.datetime) -> Deadline | None:
    """Mark the open timer of this step as met (late or not: a breach stays recorded)."""
    deadline = (
        Deadline.objects.filter(
            complaint=complaint, kind=kind, met_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("-cycle", "-sequence")
        .first()
    )
    if deadline is not None:
        deadline.met_at = at
        deadline.save(update_fields=["met_at"])
    return deadline


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


def _recipients(deadline: Deadline) -> list:
    """Who hears of a step's timer: the owning department's managers, escalated to the GM."""
    complaint = deadline.complaint
    people = list(managers_of(deadline.department)) if deadline.department else []
    if not people or deadline.kind in (DeadlineKind.HANDOFF, DeadlineKind.FOLLOW_UP, DeadlineKind.DISPATCH):
        people += list(store_role_users(complaint.store_id, Role.CUSTOMER_CARE_MANAGER))
    return people


def deadline_warn(*, deadline_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        deadline = Deadline.objects.select_related("complaint", "department").get(pk=deadline_id)
        if not deadline.is_open or deadline.warned_at is not None:
            return False
        try:
            with transaction.atomic():
                DeadlineAlert.objects.create(deadline=deadline, kind=DeadlineAlert.Kind.WARNING)
        except IntegrityError:
            return False  # another sweep got here first
        Deadline.objects.filter(pk=deadline.pk).update(warned_at=now)
        complaint = deadline.complaint
        local_due = timezone.localtime(deadline.due_at, _tz())
        notify(
            recipients=_recipients(deadline),
            key=f"deadline:{deadline.pk}:warning",
            title=_("即将超时：%(number)s %(step)s") % {"number": complaint.number, "step": _label(deadline)},
            body=_("截止时间 %(due)s") % {"due": f"{local_due:%Y-%m-%d %H:%M}"},
            url=f"/complaints/{complaint.pk}/",
        )
    return True


def deadline_breach(*, deadline_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        deadline = Deadline.objects.select_related("complaint", "department").get(pk=deadline_id)
        if not deadline.is_open or deadline.breached_at is not None or deadline.due_at >= now:
            return False
        try:
            with transaction.atomic():
                DeadlineAlert.objects.create(
                    deadline=deadline, kind=DeadlineAlert.Kind.BREACH, department=deadline.department
                )
        except IntegrityError:
            return False
        Deadline.objects.filter(pk=deadline.pk).update(breached_at=now)
        complaint = deadline.complaint
        ComplaintEvent.objects.create(
            complaint=complaint,
            action="deadline_breached",
            from_status=complaint.status,
            to_status=complaint.status,
            note=_label(deadline),
            data={"deadline": deadline.pk, "kind": deadline.kind, "department": deadline.department_id},
        )
        # A breach escalates one level: the step owner's managers, and the GM above them.
        recipients = _recipients(deadline) + list(store_role_users(complaint.store_id, Role.GENERAL_MANAGER))
        notify(
            recipients=recipients,
            key=f"deadline:{deadline.pk}:breach",
            title=_("已超时：%(number)s %(step)s") % {"number": complaint.number, "step": _label(deadline)},
            body=_("责任部门：%(dept)s；每次超时扣 2 分。")
            % {"dept": deadline.department.name if deadline.department else "-"},
            url=f"/complaints/{complaint.pk}/",
            departments=[deadline.department] if deadline.department else [],
        )
    return True


def enforce_deadlines(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One sweep: warnings first, then breaches. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    base = Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True)
    counts = {"warnings": 0, "breaches": 0}
    warn_ids = list(
        base.filter(warned_at__isnull=True, warn_at__lte=now)
        .order_by("warn_at")
        .values_list("id", flat=True)[: SWEEP_BATCH * 10]
    )
    for deadline_id in warn_ids:
        counts["warnings"] += deadline_warn(deadline_id=deadline_id, now=now)
    breach_ids = list(
        base.filter(breached_at__isnull=True, due_at__lt=now)
        .order_by("due_at")
        .values_list("id", flat=True)[: SWEEP_BATCH * 10]
    )
    for deadline_id in breach_ids:
        counts["breaches"] += deadline_breach(deadline_id=deadline_id, now=now)
    return counts


def deadlines_recompute(*, since: dt.date | None = None) -> int:
    """After a holiday/workday override changes: recompute open working-time timers it may move."""
    qs = Deadline.objects.filter(
        met_at__isnull=True, cancelled_at__isnull=True, breached_at__isnull=True
    ).select_related("complaint")
    qs = qs.filter(wall_clock=False)
    if since is not None:
        # A changed day can only move timers that are due on or after it.
        qs = qs.filter(due_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=_tz()))
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
            changed += 1
    return changed
