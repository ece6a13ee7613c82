"""Ticket table rows written in Python (issue #25), markup identical to the templates they replace.

A row through the template engine (an include, a dozen variable lookups and filters, a tag) cost
~0.4 ms; the full list's 50 rows were most of a group page's time after its SQL (bench/RESULTS.md).
These functions write the same ``<tr>`` as ``partials/_list_row.html`` (the full list) and the rows
of ``partials/_ticket_table.html`` (board, queues) did: the same cells, classes, links, badges,
aria labels and countdowns, every value escaped as the template escaped it, every text through
gettext. The markup tests (tests/complaints/test_rows.py) render both ways and compare.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from complaints.models import Complaint, Kind, Severity, Status
from csat.domain.identifiers import display_plate
from csat.durations import Countdowns


def _e(value: Any) -> str:
    """What the template's autoescape does to a value that is not marked safe."""
    return escape(str(value))


def _labels() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The choice labels in the active language (an Enum lookup per cell cost more than the cell)."""
    return (
        {k: str(v) for k, v in Kind.choices},
        {k: str(v) for k, v in Severity.choices},
        {k: str(v) for k, v in Status.choices},
    )


def _when(value: dt.datetime | None, tz: Any) -> str:
    """``value|localtime|date:"m-d H:i"``."""
    return timezone.localtime(value, tz).strftime("%m-%d %H:%M") if value is not None else ""


def _assignee(c: Complaint) -> str:
    """As the template: the last and first name, else the username; "—" when nobody."""
    person = c.assignee if c.assignee_id else None
    if person is None:
        return "—"
    last, first = person.last_name, person.first_name
    text = f"{_e(last)}{_e(first or '')}"
    if not last and not first:
        text += _e(person.username)
    return text


def _none(value: object) -> str:
    """The class of a cell that shows "—": a phone's card leaves it out (static/css/csat.css)."""
    return "" if value else " is-none"


def _danger(c: Complaint) -> str:
    return ' class="table-danger"' if getattr(c, "breaches", 0) else ""


def _left(c: Complaint, overdue: str, countdowns: Countdowns) -> str:
    """The countdown, and the breach badge when the ticket was ever late."""
    text = countdowns.html(c.next_due_at, getattr(c, "next_due_from", None))
    breaches = getattr(c, "breaches", 0)
    if breaches:
        text += f' <span class="badge text-bg-danger">{overdue} {breaches}</span>'
    return text


def _level(c: Complaint, severities: dict[str, str]) -> str:
    """The 级别 cell (Complaint.level_label): none for a dissatisfied callback or a grievance, which
    are not complaints (DOMAIN §9), unless confirmed major."""
    if c.severity == Severity.MAJOR:
        return f'<span class="badge text-bg-danger">{_e(severities.get(c.severity, c.severity))}</span>'
    return _e(severities.get(c.severity, c.severity)) if c.kind == Kind.COMPLAINT else "—"


def list_rows(
    tickets: Iterable[Complaint], *, can_bulk: bool, store_names: dict[int, str] | None = None
) -> SafeString:
    """The full list's rows (``partials/_list_row.html``); with ``store_names`` (a user who sees
    several stores) each row names its ticket's store before its department."""
    kinds, severities, statuses = _labels()
    tz = timezone.get_current_timezone()
    urgent = f' <span class="badge text-bg-warning">{_e(_("紧急"))}</span>'
    overdue = _e(_("已超时"))
    countdowns = Countdowns()
    base = reverse("complaints:index")
    out: list[str] = []
    for c in tickets:
        number = _e(c.number)
        severity = _level(c, severities)
        pick = ""
        if can_bulk:
            label = _("选择 %(n)s") % {"n": number}  # blocktranslate: the number escaped, the text not
            pick = (
                f'<td class="col-check"><input class="form-check-input" type="checkbox" name="ids" '
                f'value="{c.pk}" aria-label="{label}" data-testid="pick"></td>'
            )
        department = c.department.name if c.department_id and c.department is not None else ""
        store = (
            f'  <td class="col-store">{_e(store_names.get(c.store_id, "—"))}</td>\n'
            if store_names is not None
            else ""
        )
        out.append(
            f"<tr{_danger(c)}>\n"
            f"  {pick}\n"
            f'  <td class="col-number"><a href="{base}{c.pk}/">{number}</a>{urgent if c.urgent else ""}</td>\n'
            f'  <td class="col-received">{_when(c.received_at, tz)}</td>\n'
            f'  <td class="col-customer">{_e(c.customer.name)}</td>\n'
            f'  <td class="col-plate">{_e(display_plate(c.plate) if c.plate else "")}</td>\n'
            f'  <td class="col-kind">{_e(kinds.get(c.kind, c.kind))}</td>\n'
            f'  <td class="col-severity{_none(severity != "—")}">{severity}</td>\n'
            f'  <td class="col-grade">{_e(c.grade or "—")}</td>\n'
            f'  <td class="col-status">{_e(statuses.get(c.status, c.status))}</td>\n'
            f"{store}"
            f'  <td class="col-department{_none(department)}">{_e(department or "—")}</td>\n'
            f'  <td class="col-plain{_none(c.assignee_id)}">{_assignee(c)}</td>\n'
            f'  <td class="col-due">{_when(c.next_due_at, tz) or "—"}</td>\n'
            f'  <td class="col-left">{_left(c, overdue, countdowns)}</td>\n'
            "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def table_rows(tickets: Iterable[Complaint], *, status: bool = True, store: bool = False) -> SafeString:
    """The rows of a queue section (``partials/_ticket_table.html``) or of a step of the board
    (``partials/_board.html``, ``status=False``: the step's heading names it); with ``store`` (a
    user who sees every store) each row names its ticket's store before its department: two stores'
    售后服务部 read the same."""
    kinds, severities, statuses = _labels()
    urgent = f' <span class="badge text-bg-warning">{_e(_("紧急"))}</span>'
    overdue = _e(_("已超时"))
    countdowns = Countdowns()
    tz = timezone.get_current_timezone()
    base = reverse("complaints:index")
    out: list[str] = []
    for c in tickets:
        number = _e(c.number)
        severity = _level(c, severities)
        department = c.department.name if c.department_id and c.department is not None else ""
        state = (
            f'      <td class="col-status">{_e(statuses.get(c.status, c.status))}</td>\n' if status else ""
        )
        shop = (
            f'      <td class="col-store">{_e(c.store.name if c.store_id else "—")}</td>\n' if store else ""
        )
        out.append(
            f"    <tr{_danger(c)}>\n"
            f'      <td class="col-number"><a href="{base}{c.pk}/">{number}</a>{urgent if c.urgent else ""}</td>\n'
            f'      <td class="col-customer">{_e(c.customer.name)}</td>\n'
            f'      <td class="col-kind">{_e(kinds.get(c.kind, c.kind))}</td>\n'
            f'      <td class="col-severity{_none(severity != "—")}">{severity}</td>\n'
            f"{state}"
            f"{shop}"
            f'      <td class="col-department{_none(department)}">{_e(department or "—")}</td>\n'
            f'      <td class="col-due">{_when(c.next_due_at, tz) or "—"}</td>\n'
            f'      <td class="col-left">{_left(c, overdue, countdowns)}</td>\n'
            "    </tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
