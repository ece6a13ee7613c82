"""The customer page's callback panel (csat.customer_page): the customer's surveys with their scores
and grades, the callback tasks with their status, and 新建回访 for customer care; and the ticket
page's link to the repair order (complaints.hooks)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from callbacks import permissions, selectors
from callbacks.models import Survey
from complaints.hooks import register_ticket_context
from complaints.selectors import openable_ticket_ids
from csat.customer_page import CustomerAction, CustomerPanel, register_customer_panel
from csat.models import ServiceVisit

ROWS = 20  # the newest surveys and tasks shown; older ones are in the survey and task lists


def callback_panel(user: Any, customer: Any) -> CustomerPanel | None:
    if not permissions.can_read(user):
        return None
    surveys = list(
        selectors.survey_list(user=user)
        .select_related(None)
        .select_related("surveyed_by", "vehicle", "complaint")
        .prefetch_related(None)
        .filter(customer=customer)
        .order_by("-surveyed_at", "-pk")[:ROWS]
    )
    tasks = list(
        selectors.callback_task_list(user=user)
        .select_related(None)
        .select_related("vehicle", "visit", "sale", "assigned_to")
        .filter(customer=customer)
        .order_by("-due_at", "-pk")[:ROWS]
    )
    actions = []
    if permissions.can_call(user) and not customer.do_not_contact:
        actions.append(
            CustomerAction(
                "new-callback",
                _("新建回访"),
                reverse("callbacks:customer-start", args=[customer.pk]),
                post=True,
            )
        )
    return CustomerPanel(
        key="callbacks",
        template="callbacks/partials/_customer_page_panel.html",
        context={
            "surveys": surveys,
            "tasks": tasks,
            "openable_tickets": openable_ticket_ids(user, (s.complaint_id for s in surveys)),
        },
        actions=actions,
        order=20,
    )


def ticket_repair_order(complaint: Any, user: Any) -> dict[str, Any]:
    """The ticket page's link to the repair order (complaints.hooks): the service visit of the callback
    whose survey raised the ticket; else the vehicle's latest visit before the ticket was received,
    said to be the latest (a ticket records no repair order of its own)."""
    # Both candidates in one query, each a primary-key lookup (issue #25: two queries before, the
    # first a three-table join): the survey's visit (a ticket has at most one survey) and the
    # vehicle's latest visit before the ticket.
    from_survey = Subquery(Survey.objects.filter(complaint_id=complaint.pk).values("callback__visit_id")[:1])
    wanted = Q(pk=from_survey)
    if complaint.vehicle_id is not None:
        latest = (
            ServiceVisit.objects.filter(vehicle_id=complaint.vehicle_id, opened_at__lte=complaint.received_at)
            .order_by("-opened_at", "-pk")
            .values("pk")[:1]
        )
        wanted |= Q(pk=Subquery(latest))
    visits = list(ServiceVisit.objects.filter(wanted).annotate(survey_visit=from_survey))
    surveyed = next((v for v in visits if v.pk == v.survey_visit), None)
    if surveyed is not None:
        return {"repair_order": surveyed, "repair_order_from_survey": True}
    return {"repair_order": visits[0] if visits else None, "repair_order_from_survey": False}


def register() -> None:
    register_customer_panel(callback_panel)
    register_ticket_context(ticket_repair_order)
