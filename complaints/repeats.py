"""Open tickets a new one may repeat (the intake form's duplicate warning, issue: help-desk parity).

A recorder types the customer's mobile or plate; the customer's open tickets (of the store the new
ticket is recorded in) are shown while they type, and submitting anyway needs an explicit "this is
a new problem" (``complaints.services.intake``). One matching rule, ``open_repeats``, serves the
warning and the service's check, so what the form warns about is what the service refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from complaints.models import Complaint
from complaints.selectors import OPEN_STATUSES, openable_ticket_ids
from csat import access
from csat import selectors as csat_selectors
from csat.domain import identifiers
from csat.models import Customer, Vehicle

# Tickets listed in the warning; more are counted.
ROWS = 5


def normalized(*, mobile: str = "", plate: str = "") -> tuple[str, str]:
    """The mobile and plate as stored, or "" for each that is not (yet) a whole one: the warning
    waits for an 11-digit mobile or a complete plate while the recorder types."""
    try:
        mobile = identifiers.normalize_mobile(mobile) if mobile else ""
    except ValueError:
        mobile = ""
    try:
        plate = identifiers.normalize_plate(plate) if plate else ""
    except ValueError:
        plate = ""
    return mobile, plate


def _customer_ids(*, store_id: int, mobile: str, plate: str) -> list[QuerySet[Any]]:
    """The ids (as subqueries, each an indexed read) of the store's customer with this mobile (the
    one a new ticket is recorded for) and of the owners of the store's car with this plate."""
    ids: list[QuerySet[Any]] = []
    if mobile:
        ids.append(Customer.objects.filter(store_id=store_id, mobile=mobile).values("pk"))
    if plate:
        ids.append(Vehicle.objects.filter(store_id=store_id, plate=plate).values("customer_id"))
    return ids


def _any_of(field_name: str, subqueries: list[QuerySet[Any]]) -> Q:
    match = Q(pk__in=[])
    for ids in subqueries:
        match |= Q(**{f"{field_name}__in": ids})
    return match


def open_repeats(*, store_id: int, mobile: str, plate: str) -> QuerySet[Complaint]:
    """The store's open tickets of the customer with this (normalized) mobile, of the owners of the
    car with this plate, and about that plate: what a new ticket may repeat. Every department's,
    whoever reads: callers that show them keep to ``openable_ticket_ids``."""
    customers = _customer_ids(store_id=store_id, mobile=mobile, plate=plate)
    if not customers:
        return Complaint.objects.none()
    match = _any_of("customer_id", customers)
    if plate:
        match |= Q(plate=plate)
    return Complaint.objects.filter(match, store_id=store_id, status__in=OPEN_STATUSES)


@dataclass(frozen=True)
class IntakeRepeats:
    """What the intake form shows about the customer being typed: the matching customers, the open
    tickets the reader may open (newest first, at most ``ROWS``; ``more`` of them not listed), and
    how many others there are (``hidden``: another department's, only counted — no number,
    department or words of them)."""

    customers: list[Customer] = field(default_factory=list)
    tickets: list[Complaint] = field(default_factory=list)
    more: int = 0
    hidden: int = 0

    @property
    def total(self) -> int:
        """Every open ticket the new one may repeat: the service asks for a confirmation when > 0."""
        return len(self.tickets) + self.more + self.hidden


def intake_repeats(*, user: Any, mobile: str = "", plate: str = "") -> IntakeRepeats:
    """The customer a recorder is typing (``mobile``/``plate`` as typed) in the store the new ticket
    is recorded in (the user's, as ``complaints.views.create``), and their open tickets. Three short
    queries: the customers, the open tickets' ids (a customer has a handful), the rows listed."""
    profile = access.profile_of(user)
    if profile is None or profile.store_id is None:
        return IntakeRepeats()
    mobile, plate = normalized(mobile=mobile, plate=plate)
    customer_ids = _customer_ids(store_id=profile.store_id, mobile=mobile, plate=plate)
    if not customer_ids:
        return IntakeRepeats()
    customers = list(
        csat_selectors.customer_list(user=user)
        .filter(_any_of("pk", customer_ids), store_id=profile.store_id)
        .order_by("-pk")[:ROWS]
    )
    openable, hidden = _split(user, open_repeats(store_id=profile.store_id, mobile=mobile, plate=plate))
    shown = openable[:ROWS]
    rows = {t.pk: t for t in Complaint.objects.filter(pk__in=shown).select_related("department")}
    return IntakeRepeats(
        customers=customers,
        tickets=[rows[pk] for pk in shown if pk in rows],
        more=len(openable) - len(shown),
        hidden=hidden,
    )


def _split(user: Any, repeats: QuerySet[Complaint]) -> tuple[list[int], int]:
    """The ids of ``repeats`` the user may open, newest first, and how many others there are."""
    ids = list(repeats.order_by("-received_at", "-pk").values_list("pk", flat=True))
    may_open = openable_ticket_ids(user, ids)
    openable = [pk for pk in ids if pk in may_open]
    return openable, len(ids) - len(openable)


@dataclass(frozen=True)
class OpenTickets:
    """The open tickets a new one may repeat, as the API answers: those the reader may open
    (newest first), and how many others (another department's: counted only)."""

    tickets: list[Complaint] = field(default_factory=list)
    hidden: int = 0


def open_tickets_besides(*, user: Any, complaint: Complaint) -> OpenTickets:
    """The open tickets a just-recorded one may repeat, itself excluded: the rule of the intake
    form's warning and of its check (``open_repeats`` of the customer's mobile and the ticket's
    plate, in the ticket's store). The API creates without the confirmation (CONTRACT) and answers
    with these instead. Three short queries; a customer has a handful."""
    mobile = Customer.objects.filter(pk=complaint.customer_id).values_list("mobile", flat=True).first()
    repeats = open_repeats(store_id=complaint.store_id, mobile=mobile or "", plate=complaint.plate)
    openable, hidden = _split(user, repeats.exclude(pk=complaint.pk))
    rows = Complaint.objects.only("pk", "number", "status").in_bulk(openable)
    return OpenTickets(tickets=[rows[pk] for pk in openable if pk in rows], hidden=hidden)
