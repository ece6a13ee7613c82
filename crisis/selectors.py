"""Reads of crisis cases: scoped lists, the GM's board, the case page, banners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from callbacks import permissions as callback_permissions
from complaints.selectors import complaint_list, sees_every_ticket
from crisis.models import CrisisAction, CrisisCase, CrisisEvent, Phase, TeamMember, WarningSignal
from crisis.permissions import can_open, can_read_all
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


def signals_for_complaint(*, complaint: Any, user: Any) -> list[WarningSignal]:
    """Signs on this ticket and on its customer's other records that ``user`` may read (a sign
    quotes its record: another department's ticket or a survey the reader may not open stays out,
    ``readable_signals``), newest first."""
    return list(
        readable_signals(
            WarningSignal.objects.filter(
                Q(source=WarningSignal.Source.COMPLAINT, record_id=complaint.pk)
                | Q(customer_id=complaint.customer_id)
            ),
            user=user,
        ).order_by("-created_at")[:20]
    )


@dataclass(frozen=True)
class SignalRow:
    """One row of the board's latent-crisis warnings: a customer's pending signals, newest first
    (a store-wide pattern without a customer is a row of its own)."""

    signals: list[WarningSignal]

    @property
    def newest(self) -> WarningSignal:
        return self.signals[0]

    @property
    def customer(self) -> Any:
        return self.newest.customer

    @property
    def count(self) -> int:
        """How many times a sign was seen (a signal repeated within the week counts each time)."""
        return sum(s.occurrences for s in self.signals)

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(s.code for s in self.signals))

    @property
    def suggested_grade(self) -> str:
        return max(s.suggested_grade for s in self.signals)


PENDING_SIGNALS_SHOWN = 200
# How many earlier verdicts the board reads to tell a warning's precedents (the newest first).
PRECEDENTS_READ = 1000


@dataclass(frozen=True)
class Precedent:
    """The same words judged before in the store: for how many customers they were dismissed (and
    the latest reason), and for how many a crisis case was opened."""

    dismissed: int
    reason: str
    opened: int


def _mark_precedents(signals: list[WarningSignal]) -> None:
    """Set ``precedent`` on each signal whose quoted words were judged before in its store (any
    customer): the routine words agents write again and again (修完第二天故障灯又亮了) are then
    dismissed at a glance and alike, and words that once became a crisis say so (issue 23, alert
    fatigue). One query."""
    quoted = [s for s in signals if isinstance(s.values, dict) and s.values.get("quote")]
    for signal in signals:
        signal.precedent = None  # type: ignore[attr-defined]
    if not quoted:
        return
    earlier = (
        WarningSignal.objects.filter(
            Q(dismissed_at__isnull=False) | Q(crisis__isnull=False),
            store_id__in={s.store_id for s in quoted},
            values__quote__in=list({s.values["quote"] for s in quoted}),
        )  # the index warning_signal_judged_words
        .annotate(quote=KT("values__quote"))
        .order_by("-pk")
        .values_list("store_id", "quote", "customer_id", "pk", "crisis_id", "dismissed_at", "dismiss_reason")[
            :PRECEDENTS_READ
        ]
    )
    # A row is judged with all its codes at once: count the customers, not the signals.
    dismissed: dict[tuple[int, str], set[int]] = {}
    opened: dict[tuple[int, str], set[int]] = {}
    latest: dict[tuple[int, str], tuple[Any, str]] = {}  # the latest dismissal's time and reason
    for store_id, text, customer_id, pk, crisis_id, dismissed_at, reason in earlier:
        key, who = (store_id, text), customer_id if customer_id is not None else -pk
        if crisis_id is not None:
            opened.setdefault(key, set()).add(who)
        else:
            dismissed.setdefault(key, set()).add(who)
            if key not in latest or dismissed_at > latest[key][0]:
                latest[key] = (dismissed_at, reason)
    for signal in quoted:
        key = (signal.store_id, signal.values["quote"])
        if key in dismissed or key in opened:
            signal.precedent = Precedent(  # type: ignore[attr-defined]
                len(dismissed.get(key, ())), latest[key][1] if key in latest else "", len(opened.get(key, ()))
            )


# The board's ``grade`` for the signals no grade was suggested for (the GM's home links it).
UNGRADED = "none"


def board_grade(value: str) -> str | None:
    """The board's ``?grade=``: a grade letter, "" for the ungraded (``UNGRADED``), None for all."""
    value = value.strip()
    return "" if value.lower() == UNGRADED else (value[:1].upper() or None)


def readable_signals(qs: QuerySet[WarningSignal], *, user: Any) -> QuerySet[WarningSignal]:
    """``qs`` kept to the user's stores and to the signals whose record the user may read: a signal
    quotes its record (the customer's words, 客户原话), so one from a ticket the user may not open
    (404 for them: complaints.selectors.complaint_list, as openable_ticket_ids) or from a survey or
    call they may not read (403, callbacks.permissions.can_read) is left out. No query of its own:
    the tickets are a subquery."""
    qs = access.scope_to_user(qs, user)
    if not callback_permissions.can_read(user):
        qs = qs.exclude(source__in=[WarningSignal.Source.SURVEY, WarningSignal.Source.CALL])
    if not sees_every_ticket(user):  # a department's tickets, or one's own: those of complaint_list
        openable = complaint_list(user=user).values("pk")
        qs = qs.filter(~Q(source=WarningSignal.Source.COMPLAINT) | Q(record_id__in=openable))
    return qs


def _pending(user: Any) -> QuerySet[WarningSignal]:
    """The board's warnings (not yet a crisis, not dismissed): only for those who act on them (open a
    case from one or dismiss it: crisis.permissions.can_open, as ``views.signal_act``), and of those
    only the ones whose record the user may read (``readable_signals``)."""
    if not can_open(user):
        return WarningSignal.objects.none()
    return readable_signals(
        WarningSignal.objects.filter(crisis__isnull=True, dismissed_at__isnull=True), user=user
    )


def pending_rows_by_grade(*, user: Any) -> dict[str, int]:
    """How many board rows ``pending_signals`` lists for each grade (the GM's home tiles): a row is a
    customer (or a store-wide signal), counted once however many signals it has of that grade. One
    query, a row per grade and store."""
    counts: dict[str, int] = {}
    rows = (
        _pending(user)
        .order_by()
        .values_list("suggested_grade", "store_id")
        .annotate(
            customers=Count("customer_id", distinct=True),
            storewide=Count("pk", filter=Q(customer__isnull=True)),
        )
    )
    for grade, _store, customers, storewide in rows:
        counts[grade] = counts.get(grade, 0) + customers + storewide
    return counts


def pending_signals(*, user: Any, grade: str | None = None) -> list[SignalRow]:
    """Latent-crisis warnings for the GM's board (not yet a crisis, not dismissed): one row per
    customer, the most severe first, in one query; ``grade`` keeps the signals suggesting that grade,
    "" the ungraded ones (the GM's home links each severity here)."""
    pending = _pending(user).select_related("customer", "store").order_by("-last_seen_at", "-pk")
    if grade is not None:
        pending = pending.filter(suggested_grade=grade)
    shown = list(pending[:PENDING_SIGNALS_SHOWN])
    _mark_precedents(shown)
    rows: dict[tuple[int, int], list[WarningSignal]] = {}
    for signal in shown:
        key = (signal.store_id, signal.customer_id) if signal.customer_id else (signal.store_id, -signal.pk)
        rows.setdefault(key, []).append(signal)
    # The most severe first (the suggested grade, G highest), then the most recent (issue #22).
    grouped = [SignalRow(signals) for signals in rows.values()]
    grouped.sort(key=lambda row: row.newest.last_seen_at, reverse=True)
    grouped.sort(key=lambda row: row.suggested_grade or "", reverse=True)
    return grouped


def ticket_crisis_context(complaint: Any, user: Any) -> dict[str, Any]:
    """The ticket page's crisis banner, early-warning signs and its crisis cases (complaints.hooks).

    The banner's case (the customer's open one, newest first) and the ticket's own cases (open or
    closed: the ticket links back to them, issue #22) are read in one query (issue #25)."""
    linked = CrisisCase.complaints.through.objects.filter(
        complaint_id=complaint.pk, crisiscase_id=OuterRef("pk")
    )
    wanted = Q(on_ticket=True)
    if complaint.customer_id is not None:
        wanted |= Q(customer_id=complaint.customer_id, closed_at__isnull=True)
    cases = list(
        CrisisCase.objects.annotate(on_ticket=Exists(linked))
        .filter(wanted)
        .only("pk", "number", "title", "phase", "closed_at", "opened_at", "customer_id")
        .order_by("opened_at", "pk")
    )
    banner = [c for c in cases if c.customer_id == complaint.customer_id and c.closed_at is None]
    return {
        "open_crisis": max(banner, key=lambda c: c.opened_at) if banner else None,
        "signals": signals_for_complaint(complaint=complaint, user=user),
        "ticket_crises": [c for c in cases if c.on_ticket],
    }
