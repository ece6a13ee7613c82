"""Which records of a monthly report a user gets (issue #21 item 9; DOMAIN §7: everyone gets the
report, the records behind its figures follow each record's own access rules).

Decision per role (the figures — counts, rates, breakdowns, assessment points — are everyone's):
- customer care (agent, manager), the GM, head office and the superuser may open every ticket of the
  scope and read surveys: they get the stored version as it is (data and xlsx byte for byte);
- department managers and the admin assessor get the ticket rows of their department only (the
  tickets ``complaints.selectors.complaint_list`` returns: handled or received by it), survey records
  as every survey reader does;
- front-line staff get only the tickets they received or are assigned, and no survey records;
- a user without a profile gets no report at all (403, ``reports.permissions``).

For a restricted user the API's ``data`` is the stored data with the record lists filtered, and the
xlsx is written per request from the stored data (same figures, version, build time) with only the
records the user may see; the record sheets read those records from the database at download time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from callbacks import permissions as callback_permissions
from complaints import selectors as complaint_selectors
from complaints.models import Complaint

__all__ = ["COMPLAINT_LISTS", "FEEDBACK_LISTS", "RecordAccess", "data_for", "record_access"]

# The lists of ticket rows and of survey records kept in a report's data.
COMPLAINT_LISTS = ("items", "open_past_three_days", "reopened")
FEEDBACK_LISTS = ("dissatisfied", "grievances", "opinions", "not_rated")


@dataclass(frozen=True)
class RecordAccess:
    """``tickets``: the tickets the user may open, ``None`` when every ticket of the scope;
    ``surveys``: whether survey records (customer, remarks) are shown."""

    tickets: QuerySet[Complaint] | None
    surveys: bool

    @property
    def full(self) -> bool:
        return self.tickets is None and self.surveys


def record_access(user: Any) -> RecordAccess:
    every = complaint_selectors.sees_every_ticket(user)
    return RecordAccess(
        tickets=None if every else complaint_selectors.complaint_list(user=user),
        surveys=callback_permissions.can_read(user),
    )


def data_for(data: dict[str, Any], rights: RecordAccess) -> dict[str, Any]:
    """The report's data as ``rights`` allow: the same figures, the record lists filtered."""
    if rights.full or not isinstance(data, dict):
        return data
    out = dict(data)
    complaints = data.get("complaints")
    if rights.tickets is not None and isinstance(complaints, dict):
        compensation = complaints.get("compensation")
        in_kind = (compensation.get("in_kind") or []) if isinstance(compensation, dict) else []
        ids = {
            row["id"]
            for key in COMPLAINT_LISTS
            for row in complaints.get(key) or []
            if isinstance(row, dict) and "id" in row
        } | {row["id"] for row in in_kind if isinstance(row, dict) and "id" in row}
        allowed = set(rights.tickets.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        out["complaints"] = {
            **complaints,
            **{
                key: [row for row in complaints.get(key) or [] if row.get("id") in allowed]
                for key in COMPLAINT_LISTS
                if key in complaints
            },
        }
        if in_kind and isinstance(compensation, dict):  # the in-kind list names tickets too (issue #19)
            out["complaints"]["compensation"] = {
                **compensation,
                "in_kind": [row for row in in_kind if row.get("id") in allowed],
            }
    feedback = data.get("feedback")
    if not rights.surveys and isinstance(feedback, dict):
        out["feedback"] = {**feedback, **{key: [] for key in FEEDBACK_LISTS if key in feedback}}
    out["records"] = {"tickets": "all" if rights.tickets is None else "visible", "surveys": rights.surveys}
    return out
