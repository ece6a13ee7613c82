"""The customer page's crisis panel (csat.customer_page): the customer's crisis cases the user may
read, with their phase, or closed."""

from __future__ import annotations

from typing import Any

from crisis import selectors
from csat.customer_page import CustomerPanel, register_customer_panel


def crisis_panel(user: Any, customer: Any) -> CustomerPanel | None:
    cases = list(
        selectors.crisis_list(user=user).filter(customer=customer).order_by("-opened_at", "-pk")[:20]
    )
    if not cases:
        return None
    return CustomerPanel(
        key="crises",
        template="crisis/partials/_customer_page_panel.html",
        context={"cases": cases},
        order=5,
    )


def register() -> None:
    register_customer_panel(crisis_panel)
