"""Reads of crisis cases: scoped lists, the GM's board, the case page, banners."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from crisis.models import CrisisAction, CrisisCase, CrisisEvent, Phase, TeamMember, WarningSignal
from crisis.permissions import can_read_all
from csat import access
from csat.subqueries import subquery_count


def crisis_list(*, user: Any) -> QuerySet[CrisisCase]:
    """Customer care, the GM, admin and head office read all of their stores'; others their teams'."""
    qs = access.scope_to_user(CrisisCase.objects.select_related("store", "customer", "opened_by"), user)
    if not can_read_all(user):
        qs = qs.filter(Q(team__user=user) | Q(opened_by=user)).distinct()
    return qs.annotate(
        open_actions=subquery_count(CrisisAction.objects.filter(crisis=OuterRef("pk"), done_at__isnull=True)),
        overdue_actions=subquery_count(
            CrisisAction.objects.filter(crisis=OuterRef("pk"), done_at__isnull=True, overdue_at__isnull=False)
        ),
    )


def crisis_board(*, user: Any) -> dict[str, Any]:
    """Open crises by phase, with days open and exposure."""
    now = timezone.now()
    open_cases = list(crisis_list(user=user).filter(closed_at__isnull=True).order_by("opened_at"))
    for case in open_cases:
        case.days_open = (now - case.opened_at).days  # type: ignore[attr-defined]
    return {
        "phases": [
            (phase, label, [c for c in open_cases if c.phase == phase]) for phase, label in Phase.choices
        ],
        "total": len(open_cases),
        "exposed": sum(1 for c in open_cases if c.exposed),
    }


def crisis_detail(*, user: Any, pk: int) -> CrisisCase:
    return (
        crisis_list(user=user)
        .prefetch_related(
            Prefetch("team", queryset=TeamMember.objects.select_related("user__profile__department")),
            Prefetch("events", queryset=CrisisEvent.objects.select_related("actor")),
            Prefetch("actions", queryset=CrisisAction.objects.select_related("owner")),
            "plan_versions__author",
            "logs__author",
            "media_log",
            "complaints",
        )
        .get(pk=pk)
    )


def open_crisis_for_customer(*, customer_id: int | None) -> CrisisCase | None:
    """The banner on every ticket and survey of a customer with an open crisis."""
    if customer_id is None:
        return None
    return (
        CrisisCase.objects.filter(customer_id=customer_id, closed_at__isnull=True)
        .only("pk", "number", "title", "phase")
        .first()
    )


def signals_for_complaint(*, complaint: Any) -> list[WarningSignal]:
    """Signs on this ticket and on its customer's other records, newest first."""
    return list(
        WarningSignal.objects.filter(
            Q(source=WarningSignal.Source.COMPLAINT, record_id=complaint.pk)
            | Q(customer_id=complaint.customer_id)
        ).order_by("-created_at")[:20]
    )


def pending_signals(*, user: Any) -> list[WarningSignal]:
    """Latent-crisis warnings for the GM's board: not yet a crisis, not dismissed."""
    qs = access.scope_to_user(WarningSignal.objects.select_related("customer", "store"), user)
    return list(
        qs.filter(crisis__isnull=True, dismissed_at__isnull=True).order_by("-weight", "-created_at")[:100]
    )


def ticket_crisis_context(complaint: Any) -> dict[str, Any]:
    """The ticket page's crisis banner and early-warning signs (complaints.hooks)."""
    return {
        "open_crisis": open_crisis_for_customer(customer_id=complaint.customer_id),
        "signals": signals_for_complaint(complaint=complaint),
    }
