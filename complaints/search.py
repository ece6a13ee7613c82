"""A ticket by its number in the header's search box (csat.search)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.selectors import complaint_list
from csat.search import Hit, register_lookup

# TSSZ01-20261203-00015, also typed without "TS" or in lower case.
NUMBER = re.compile(r"^(?:TS)?([A-Z0-9]+-\d{8}-\d+)$")


def ticket_hits(user: Any, query: str) -> list[Hit]:
    match = NUMBER.match(re.sub(r"\s", "", query or "").upper())
    if not match:
        return []
    ticket = complaint_list(user=user).filter(number=f"TS{match.group(1)}").first()
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
