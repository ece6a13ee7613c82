"""Bulk transfer / assign from the complaint list (issue #22): the customer-care manager moves many
tickets at once through the same services as the ticket page, one transaction per ticket, and hears
which tickets failed and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from complaints import selectors
from complaints.actions import ACTIONS
from complaints.models import Complaint
from csat.exceptions import ApplicationError

# The list's bulk actions (each a row of complaints.actions.ACTIONS).
BULK_ACTIONS = ("transfer", "assign")
# Tickets one bulk action takes at most (a page of the list is 50).
BULK_LIMIT = 100


@dataclass
class BulkOutcome:
    done: list[Complaint] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (ticket number or id, why)


def complaints_bulk_act(
    *, actor: Any, action: str, ids: Iterable[int], data: Mapping[str, Any]
) -> BulkOutcome:
    """Run ``action`` on each of the tickets ``ids`` the actor may see: the ticket's own permission
    check (``complaints.permissions.can_act``, as on its page), then the step's service in its own
    transaction, so one refused ticket leaves the others done. Unknown or invisible ids fail as
    "not found" (no hint whether they exist)."""
    if action not in BULK_ACTIONS:
        raise ApplicationError(_("不支持的批量操作。"))
    step = ACTIONS[action]
    wanted = list(dict.fromkeys(ids))[:BULK_LIMIT]
    tickets = selectors.complaint_list(user=actor).in_bulk(wanted)
    outcome = BulkOutcome()
    for pk in wanted:
        ticket = tickets.get(pk)
        if ticket is None:
            outcome.failed.append((f"#{pk}", _("找不到该投诉，或您无权查看。")))
            continue
        if not step.allowed(actor, ticket):
            outcome.failed.append((ticket.number, _("您的角色或部门不能对该投诉执行此操作。")))
            continue
        try:
            with transaction.atomic():
                outcome.done.append(step.run(complaint=ticket, actor=actor, data=data))
        except ApplicationError as exc:
            outcome.failed.append((ticket.number, exc.message))
    return outcome
