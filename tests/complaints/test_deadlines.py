"""Stored deadlines of each step, on the real calendar: weekends, the 2026 National Day holiday, the
adjusted working weekends of 2026 (Sun 09-20, Sat 10-10), the year boundary 2026→2027 (no bundled data
for 2027: weekends only, plus admin overrides), off-hours urgent vs not; progress reports every 3
working days; the follow-up window; and calendar overrides moving open working-time deadlines.

Office hours are the default 08:30–17:30.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from complaints.models import Complaint, Deadline, DeadlineKind, Status
from complaints.services import workflow
from csat import services as csat_services
from csat.models import IdentityFlag
from tests.factories import CustomerFactory
from tests.fixtures import at

pytestmark = pytest.mark.django_db

HANDOFF, DISPATCH, CONTACT = DeadlineKind.HANDOFF, DeadlineKind.DISPATCH, DeadlineKind.FIRST_CONTACT
PROGRESS, FOLLOW_UP = DeadlineKind.PROGRESS_REPORT, DeadlineKind.FOLLOW_UP


def deadline(ticket: Complaint, kind: str, *, cycle: int = 0, sequence: int | None = None) -> Deadline:
    qs = Deadline.objects.filter(complaint=ticket, kind=kind, cycle=cycle)
    if sequence is not None:
        return qs.get(sequence=sequence)
    return qs.order_by("-sequence").first()  # type: ignore[return-value]


@pytest.fixture
def received_at(
    make_complaint: Callable[..., Complaint], front_line: Any, service_dept: Any
) -> Callable[..., Complaint]:
    """received_at(moment, by_care=True, **kw): a ticket created at that moment (time frozen there)."""

    def make(moment: dt.datetime, *, by_care: bool = True, **kwargs: Any) -> Complaint:
        if not by_care:
            kwargs.update(actor=front_line, received_by_department=service_dept)
        with time_machine.travel(moment, tick=False):
            return make_complaint(**kwargs)

    return make


@pytest.fixture
def dispatched_at(received_at: Callable[..., Complaint], agent: Any, sales: Any) -> Callable[..., Complaint]:
    def make(moment: dt.datetime, **kwargs: Any) -> Complaint:
        ticket = received_at(moment, **kwargs)
        with time_machine.travel(moment, tick=False):
            return workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)

    return make


@pytest.fixture
def contacted_at(dispatched_at: Callable[..., Complaint], sales_mgr: Any) -> Callable[..., Complaint]:
    def make(moment: dt.datetime, **kwargs: Any) -> Complaint:
        ticket = dispatched_at(moment, **kwargs)
        with time_machine.travel(moment, tick=False):
            return workflow.complaint_contact(complaint=ticket, actor=sales_mgr, note="客户说明情况")

    return make


# --- the 30-minute steps ---------------------------------------------------------------------------


def test_plain_working_day(received_at: Callable[..., Complaint]) -> None:
    ticket = received_at(at(2026, 3, 11, 10, 0), by_care=False)
    handoff = deadline(ticket, HANDOFF)
    assert (handoff.opens_at, handoff.warn_at, handoff.due_at) == (
        at(2026, 3, 11, 10, 0),
        at(2026, 3, 11, 10, 15),
        at(2026, 3, 11, 10, 30),
    )
    assert handoff.wall_clock is False


def test_over_a_weekend_in_working_time_but_on_the_clock_when_urgent_or_major(
    received_at: Callable[..., Complaint], store: Any
) -> None:
    friday_late = at(2026, 3, 13, 17, 15)
    plain = received_at(friday_late)
    dispatch = deadline(plain, DISPATCH)
    assert dispatch.due_at == at(2026, 3, 16, 8, 45)  # 15 min Friday + 15 min Monday
    assert dispatch.warn_at == at(2026, 3, 16, 8, 30)  # 15 minutes before, never before it started
    assert dispatch.wall_clock is False

    urgent = received_at(friday_late, urgent=True)
    assert deadline(urgent, DISPATCH).due_at == at(2026, 3, 13, 17, 45)
    assert deadline(urgent, DISPATCH).wall_clock is True

    major = received_at(friday_late, major_criteria=["safety"])
    assert deadline(major, DISPATCH).due_at == at(2026, 3, 13, 17, 45)

    # Issue #18 (DOMAIN §9): a lawyer customer alone makes no major complaint, so working time.
    lawyer = CustomerFactory(store=store, identity_flags=[IdentityFlag.LAWYER])
    flagged = received_at(friday_late, customer=lawyer)
    assert flagged.severity == "general"
    assert deadline(flagged, DISPATCH).wall_clock is False


def test_handoff_received_on_saturday(received_at: Callable[..., Complaint]) -> None:
    saturday = at(2026, 3, 14, 10, 0)
    assert deadline(received_at(saturday, by_care=False), HANDOFF).due_at == at(2026, 3, 16, 9, 0)
    # Urgent off hours (DOMAIN §9): the duty leaders are alerted now, the handoff is due 30 minutes
    # after working time resumes.
    assert deadline(received_at(saturday, by_care=False, urgent=True), HANDOFF).due_at == at(
        2026, 3, 16, 9, 0
    )


def test_first_contact_two_hours(dispatched_at: Callable[..., Complaint]) -> None:
    friday = at(2026, 3, 13, 16, 30)
    plain = dispatched_at(friday)
    contact = deadline(plain, CONTACT)
    assert contact.due_at == at(2026, 3, 16, 9, 30)  # 1 h Friday + 1 h Monday
    assert contact.warn_at == at(2026, 3, 16, 9, 15)
    assert contact.department.kind == "sales"
    urgent = dispatched_at(friday, urgent=True)
    assert deadline(urgent, CONTACT).due_at == at(2026, 3, 13, 18, 30)
    assert deadline(urgent, CONTACT).warn_at == at(2026, 3, 13, 18, 15)


def test_national_day_holiday(
    received_at: Callable[..., Complaint], dispatched_at: Callable[..., Complaint]
) -> None:
    eve = at(2026, 9, 30, 17, 20)  # Wednesday; 10-01…10-07 are holidays
    assert deadline(received_at(eve), DISPATCH).due_at == at(2026, 10, 8, 8, 50)
    assert deadline(received_at(eve, urgent=True), DISPATCH).due_at == at(2026, 9, 30, 17, 50)
    # 30 minutes on the 30th, 90 on the 8th.
    assert deadline(dispatched_at(at(2026, 9, 30, 17, 0)), CONTACT).due_at == at(2026, 10, 8, 10, 0)
    # Received during the holiday: counts from the first working morning.
    assert deadline(received_at(at(2026, 10, 3, 11, 0), by_care=False), HANDOFF).due_at == at(
        2026, 10, 8, 9, 0
    )


def test_adjusted_working_sunday(
    received_at: Callable[..., Complaint], dispatched_at: Callable[..., Complaint]
) -> None:
    # 2026-09-20 is a Sunday worked in exchange for the National Day holiday.
    saturday = at(2026, 9, 19, 11, 0)
    assert deadline(received_at(saturday, by_care=False), HANDOFF).due_at == at(2026, 9, 20, 9, 0)
    friday = at(2026, 9, 18, 17, 0)
    assert deadline(dispatched_at(friday), CONTACT).due_at == at(2026, 9, 20, 10, 0)
    # An ordinary Sunday is not worked.
    assert deadline(received_at(at(2026, 9, 12, 11, 0), by_care=False), HANDOFF).due_at == at(
        2026, 9, 14, 9, 0
    )


def test_off_hours_urgent_and_not(received_at: Callable[..., Complaint], store: Any) -> None:
    night = at(2026, 3, 10, 22, 0)  # Tuesday night
    urgent = received_at(night, by_care=False, urgent=True)
    assert deadline(urgent, HANDOFF).due_at == at(2026, 3, 11, 9, 0)  # DOMAIN §9: not in the night
    plain = received_at(night, by_care=False)
    assert deadline(plain, HANDOFF).due_at == at(2026, 3, 11, 9, 0)  # normal procedure from 08:30
    assert deadline(plain, HANDOFF).warn_at == at(2026, 3, 11, 8, 45)
    early = received_at(at(2026, 3, 11, 6, 0), by_care=False)
    assert deadline(early, HANDOFF).due_at == at(2026, 3, 11, 9, 0)


def test_urgent_night_ticket_runs_every_step_on_the_clock(
    received_at: Callable[..., Complaint], agent: Any, sales: Any
) -> None:
    night = at(2026, 3, 10, 22, 0)
    ticket = received_at(night, urgent=True)
    with time_machine.travel(at(2026, 3, 10, 22, 10), tick=False):
        ticket = workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)
    assert deadline(ticket, CONTACT).due_at == at(2026, 3, 11, 0, 10)


# --- the year boundary -----------------------------------------------------------------------------


def test_year_boundary_2026_to_2027(
    received_at: Callable[..., Complaint],
    dispatched_at: Callable[..., Complaint],
    contacted_at: Callable[..., Complaint],
) -> None:
    new_years_eve = at(2026, 12, 31, 17, 10)  # Thursday; the bundled calendar stops at 2026
    # Fri 2027-01-01 is New Year's Day computed by rule (DOMAIN §9), no admin entry needed.
    assert deadline(received_at(new_years_eve), DISPATCH).due_at == at(2027, 1, 4, 8, 40)
    assert deadline(dispatched_at(at(2026, 12, 31, 17, 0)), CONTACT).due_at == at(2027, 1, 4, 10, 0)
    # Three working days from Thursday: Mon 01-04, Tue 01-05, Wed 01-06.
    assert deadline(contacted_at(at(2026, 12, 31, 10, 0)), PROGRESS).due_at == at(2027, 1, 6, 10, 0)
    # Inside 2027 weekends still count as weekends.
    friday = at(2027, 1, 8, 17, 20)
    assert deadline(received_at(friday), DISPATCH).due_at == at(2027, 1, 11, 8, 50)


def test_year_boundary_with_an_admin_entered_holiday(received_at: Callable[..., Complaint]) -> None:
    csat_services.calendar_override_set(date=dt.date(2027, 1, 1), is_working_day=False, note="元旦")
    ticket = received_at(at(2026, 12, 31, 17, 10))
    assert deadline(ticket, DISPATCH).due_at == at(2027, 1, 4, 8, 40)


# --- progress reports and the follow-up window --------------------------------------------------


def test_progress_report_every_three_working_days_while_open(
    contacted_at: Callable[..., Complaint], sales_mgr: Any, gm: Any
) -> None:
    ticket = contacted_at(at(2026, 3, 11, 10, 0), urgent=True)  # urgent: still working days
    first = deadline(ticket, PROGRESS, sequence=1)
    assert (first.opens_at, first.warn_at, first.due_at) == (
        at(2026, 3, 11, 10, 0),
        at(2026, 3, 13, 10, 0),  # the working day before
        at(2026, 3, 16, 10, 0),  # Thu, Fri, Mon
    )
    assert first.wall_clock is False
    with time_machine.travel(at(2026, 3, 16, 9, 0), tick=False):
        ticket = workflow.complaint_progress(complaint=ticket, actor=sales_mgr, note="等配件")
    first.refresh_from_db()
    assert first.met_at == at(2026, 3, 16, 9, 0)
    assert deadline(ticket, PROGRESS, sequence=2).due_at == at(2026, 3, 19, 9, 0)
    # Still owed while the GM has a proposal on the desk…
    with time_machine.travel(at(2026, 3, 17, 9, 0), tick=False):
        ticket = workflow.complaint_propose(
            complaint=ticket, actor=sales_mgr, solution="赔偿", compensation_amount=100
        )
        ticket = workflow.complaint_progress(complaint=ticket, actor=sales_mgr, note="等待总经理审批")
    assert ticket.status == Status.AWAITING_APPROVAL
    assert deadline(ticket, PROGRESS, sequence=3).due_at == at(2026, 3, 20, 9, 0)
    # …and no longer once resolved.
    with time_machine.travel(at(2026, 3, 18, 9, 0), tick=False):
        ticket = workflow.complaint_approve(complaint=ticket, actor=gm)
        ticket = workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="已赔偿")
    assert not Deadline.objects.filter(
        complaint=ticket, kind=PROGRESS, met_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    assert Deadline.objects.filter(complaint=ticket, kind=PROGRESS).count() == 3
    # The third, due on the 20th, was no longer needed: stopped at the resolution, not met.
    third = deadline(ticket, PROGRESS, sequence=3)
    assert third.met_at is None and third.cancelled_at == at(2026, 3, 18, 9, 0)


def test_progress_report_over_the_national_day_and_an_adjusted_saturday(
    contacted_at: Callable[..., Complaint],
) -> None:
    ticket = contacted_at(at(2026, 9, 30, 10, 0))
    # 10-08 (Thu), 10-09 (Fri), 10-10 (Saturday, worked).
    progress = deadline(ticket, PROGRESS)
    assert progress.due_at == at(2026, 10, 10, 10, 0)
    assert progress.warn_at == at(2026, 10, 9, 10, 0)


def test_follow_up_window_is_day_5_to_7_in_calendar_days(
    contacted_at: Callable[..., Complaint], sales_mgr: Any
) -> None:
    ticket = contacted_at(at(2026, 9, 28, 9, 0))
    with time_machine.travel(at(2026, 9, 28, 15, 0), tick=False):
        ticket = workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="已处理")
    window = deadline(ticket, FOLLOW_UP)
    assert window.opens_at == at(2026, 10, 3, 0, 0)  # calendar days
    assert window.warn_at == window.opens_at
    # Days 5–7 (10-03…10-05) are all National Day holidays: DOMAIN §9 reaches to the end of the
    # first working day after the window, Thu 10-08.
    assert window.due_at == at(2026, 10, 8, 17, 30)
    assert window.wall_clock is True
    assert window.department.kind == "customer_care"


# --- calendar overrides ----------------------------------------------------------------------------


def test_calendar_override_moves_open_working_time_deadlines(
    received_at: Callable[..., Complaint], contacted_at: Callable[..., Complaint]
) -> None:
    friday = at(2026, 3, 13, 17, 15)
    plain = received_at(friday)  # dispatch due Mon 03-16 08:45 (working time)
    urgent = received_at(friday, urgent=True)  # due Fri 17:45 (clock)
    working = contacted_at(at(2026, 3, 11, 10, 0))  # progress due Mon 03-16 10:00
    met_before = deadline(plain, HANDOFF).due_at

    with time_machine.travel(at(2026, 3, 13, 17, 20), tick=False):
        csat_services.calendar_override_set(date=dt.date(2026, 3, 16), is_working_day=False, note="门店停电")
    assert deadline(plain, DISPATCH).due_at == at(2026, 3, 17, 8, 45)
    assert deadline(plain, DISPATCH).warn_at == at(2026, 3, 17, 8, 30)
    assert deadline(working, PROGRESS).due_at == at(2026, 3, 17, 10, 0)
    assert deadline(urgent, DISPATCH).due_at == at(2026, 3, 13, 17, 45)  # wall clock: unchanged
    assert deadline(plain, HANDOFF).due_at == met_before  # met: unchanged

    # A Saturday made a working day pulls them earlier again.
    csat_services.calendar_override_set(date=dt.date(2026, 3, 14), is_working_day=True, note="加班")
    assert deadline(plain, DISPATCH).due_at == at(2026, 3, 14, 8, 45)
    assert deadline(working, PROGRESS).due_at == at(2026, 3, 14, 10, 0)

    # Deleting the overrides restores the official calendar.
    from csat.models import CalendarOverride

    for override in CalendarOverride.objects.all():
        csat_services.calendar_override_delete(override=override)
    assert deadline(plain, DISPATCH).due_at == at(2026, 3, 16, 8, 45)


def test_calendar_override_leaves_breached_deadlines_alone(received_at: Callable[..., Complaint]) -> None:
    from complaints.services.deadlines import enforce_deadlines

    ticket = received_at(at(2026, 3, 13, 17, 15))
    enforce_deadlines(now=at(2026, 3, 16, 9, 0))
    breached = deadline(ticket, DISPATCH)
    assert breached.breached_at is not None
    csat_services.calendar_override_set(date=dt.date(2026, 3, 16), is_working_day=False)
    breached.refresh_from_db()
    assert breached.due_at == at(2026, 3, 16, 8, 45)  # the breach (and its −2) stands
