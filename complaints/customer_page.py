"""The customer page's complaint panel (csat.customer_page): the customer's tickets the user may see,
with status, severity and grade, and 登记投诉 (the form pre-filled with this customer)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from complaints import permissions, selectors
from csat.customer_page import CustomerAction, CustomerPanel, register_customer_panel

ROWS = 20


def complaint_panel(user: Any, customer: Any) -> CustomerPanel | None:
    tickets = list(
        selectors.complaint_list(user=user)
        .select_related(None)
        .select_related("department", "vehicle")
        .filter(customer=customer)
        .order_by("-received_at", "-pk")[:ROWS]
    )
    actions = []
    if permissions.can_create(user):
        actions.append(
            CustomerAction(
                "new-complaint", _("登记投诉"), f"{reverse('complaints:create')}?customer={customer.pk}"
            )
        )
    return CustomerPanel(
        key="complaints",
        template="complaints/partials/_customer_page_panel.html",
        context={"tickets": tickets},
        actions=actions,
        order=10,
    )


def register() -> None:
    register_customer_panel(complaint_panel)
