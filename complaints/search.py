"""A ticket by its number or the end of it in the header's search box (csat.search)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.selectors import complaint_list
from complaints.ticket_numbers import ticket_number_q
from csat.search import Hit, register_lookup


def ticket_hits(user: Any, query: str) -> list[Hit]:
    """TSSZ01-20261203-00015, also typed without "TS", in lower case, or only its end (20261203-00015,
    00015, 015): the ticket if the user may open it (``complaint_list``), else nothing."""
    number = ticket_number_q(query)
    if number is None:
        return []
    ticket = complaint_list(user=user).filter(number).first()
    if ticket is None:
        return []
    detail = " · ".join(
        part
        for part in (
            ticket.customer.name if ticket.customer is not None else "",
            ticket.get_kind_display(),
            ticket.get_status_display(),
            ticket.department.name if ticket.department is not None else "",
        )
        if part
    )
    return [
        Hit(
            kind=_("投诉工单"),
            label=ticket.number,
            detail=detail,
            url=reverse("complaints:detail", args=[ticket.pk]),
        )
    ]


def register() -> None:
    register_lookup(ticket_hits)
