"""DOMAIN §9 "Off hours" and on-site handling (source: complaint-handling-procedure.zh.txt —
非工作时间 紧急 → 联系领导，领导立即指定处理人，次日补填反馈单; 现场投诉由业务经理直接处理，仍须记录).

Office hours are the default OFFICE_START/OFFICE_END 08:30–17:30: the handoff of an urgent complaint
received on Saturday night is due Monday 09:00 (30 minutes after working time resumes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings
from rest_framework.test import APIClient

from complaints.models import Complaint, Deadline, DeadlineAlert, DeadlineKind, Status
from complaints.services import workflow
from complaints.services.deadlines import enforce_deadlines
from csat.models import DutyRoster, Notification
from tests.fixtures import at

pytestmark = pytest.mark.django_db

SATURDAY_NIGHT = at(2026, 3, 14, 22, 0)


def offhours_alerts(user: Any) -> int:
    return Notification.objects.filter(recipient=user, key__contains=":off_hours_urgent:").count()


@pytest.fixture
def urgent_saturday_night(
    make_complaint: Callable[..., Complaint], front_line: Any, service_dept: Any
) -> Callable[..., Complaint]:
    def make(**kwargs: Any) -> Complaint:
        kwargs = {"actor": front_line, "received_by_department": service_dept, "category": "repair", **kwargs}
        with time_machine.travel(SATURDAY_NIGHT, tick=False):
            return make_complaint(urgent=True, **kwargs)

    return make


def test_default_office_hours_are_0830_to_1730() -> None:
    assert tuple(settings.CSAT["OFFICE_HOURS"]) == ("08:30", "17:30")


def test_urgent_saturday_night_alerts_gm_and_department_manager_once_each(
    urgent_saturday_night: Callable[..., Complaint], gm: Any, business_mgr: Any, sales_mgr: Any, agent: Any
) -> None:
    ticket = urgent_saturday_night()
    assert offhours_alerts(gm) == 1
    assert offhours_alerts(business_mgr) == 1  # repair → the business department answers
    assert offhours_alerts(sales_mgr) == 0
    assert offhours_alerts(agent) == 0
    enforce_deadlines(now=at(2026, 3, 16, 9, 0))
    assert offhours_alerts(gm) == 1 and offhours_alerts(business_mgr) == 1
    assert ticket.status == Status.RECEIVED


def test_no_handoff_breach_before_monday_0900_and_a_breach_at_0901(
    urgent_saturday_night: Callable[..., Complaint], gm: Any
) -> None:
    ticket = urgent_saturday_night()
    handoff = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.HANDOFF)
    assert handoff.due_at == at(2026, 3, 16, 9, 0)
    enforce_deadlines(now=at(2026, 3, 15, 3, 0))  # the night and Sunday
    enforce_deadlines(now=at(2026, 3, 16, 9, 0))
    assert not DeadlineAlert.objects.filter(deadline=handoff, kind="breach").exists()
    enforce_deadlines(now=at(2026, 3, 16, 9, 1))
    assert DeadlineAlert.objects.filter(deadline=handoff, kind="breach").exists()


def test_not_urgent_off_hours_alerts_nobody(
    make_complaint: Callable[..., Complaint], front_line: Any, service_dept: Any, gm: Any
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        make_complaint(actor=front_line, received_by_department=service_dept, category="repair")
    assert offhours_alerts(gm) == 0


def test_urgent_in_working_time_alerts_no_duty_leader(
    make_complaint: Callable[..., Complaint], front_line: Any, service_dept: Any, gm: Any
) -> None:
    with time_machine.travel(at(2026, 3, 16, 10, 0), tick=False):
        make_complaint(actor=front_line, received_by_department=service_dept, category="repair", urgent=True)
    assert offhours_alerts(gm) == 0


def test_a_leaders_direct_dispatch_starts_the_2_hour_clock(
    urgent_saturday_night: Callable[..., Complaint], gm: Any, business: Any
) -> None:
    ticket = urgent_saturday_night()
    with time_machine.travel(at(2026, 3, 14, 22, 20), tick=False):
        ticket = workflow.complaint_dispatch(complaint=ticket, actor=gm, department=business)
    assert ticket.status == Status.DISPATCHED
    contact = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.FIRST_CONTACT)
    assert contact.due_at == at(2026, 3, 15, 0, 20)  # on the clock from the leader's dispatch
    handoff = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.HANDOFF)
    assert handoff.met_at == at(2026, 3, 14, 22, 20)
    enforce_deadlines(now=at(2026, 3, 16, 9, 1))
    assert not DeadlineAlert.objects.filter(deadline__complaint=ticket, deadline__kind="handoff").exists()


def test_duty_roster_names_another_leader_who_is_alerted_and_may_dispatch(
    urgent_saturday_night: Callable[..., Complaint], store: Any, sales_mgr: Any, business: Any
) -> None:
    DutyRoster.objects.create(
        store=store, user=sales_mgr, starts_on=dt.date(2026, 3, 14), ends_on=dt.date(2026, 3, 15)
    )
    ticket = urgent_saturday_night()
    assert offhours_alerts(sales_mgr) == 1
    with time_machine.travel(at(2026, 3, 14, 22, 5), tick=False):
        ticket = workflow.complaint_dispatch(complaint=ticket, actor=sales_mgr, department=business)
    assert ticket.status == Status.DISPATCHED


def test_off_duty_department_manager_may_not_dispatch(
    urgent_saturday_night: Callable[..., Complaint], sales_mgr: Any, business: Any
) -> None:
    from csat.exceptions import NotAllowedError

    ticket = urgent_saturday_night()
    with time_machine.travel(at(2026, 3, 14, 22, 5), tick=False), pytest.raises(NotAllowedError):
        workflow.complaint_dispatch(complaint=ticket, actor=sales_mgr, department=business)


# --- on site -----------------------------------------------------------------------------------


def test_handled_on_site_has_no_handoff_dispatch_or_callback_step_and_is_followed_up(
    make_complaint: Callable[..., Complaint], business_mgr: Any, business: Any
) -> None:
    with time_machine.travel(at(2026, 3, 11, 10, 0), tick=False):
        ticket = make_complaint(actor=business_mgr, received_by_department=business, handled_on_site=True)
    assert ticket.handled_on_site is True
    assert ticket.status == Status.RESOLVED
    assert ticket.department == business
    kinds = set(Deadline.objects.filter(complaint=ticket).values_list("kind", flat=True))
    assert kinds == {DeadlineKind.FOLLOW_UP}  # no handoff row, no dispatch, no 2-hour step
    follow_up = Deadline.objects.get(complaint=ticket)
    assert follow_up.opens_at == at(2026, 3, 16, 0, 0)  # day 5
    assert ticket.events.filter(action="resolve").exists()  # recorded


def test_handled_on_site_only_for_the_business_department(
    make_complaint: Callable[..., Complaint], agent: Any, care: Any
) -> None:
    from csat.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        make_complaint(actor=agent, received_by_department=care, handled_on_site=True)


def test_handled_on_site_through_the_api(business_mgr: Any, business: Any, customer: Any) -> None:
    client = APIClient()
    client.force_authenticate(business_mgr)
    response = client.post(
        "/api/complaints/",
        {
            "customer": customer.pk,
            "content": "保养等待时间过长，经理当场道歉并赠送洗车。",
            "received_by_department": business.pk,
            "category": "repair",
            "handled_on_site": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["handled_on_site"] is True
    assert body["status"] == "resolved"
    assert [d["kind"] for d in body["deadlines"]] == ["follow_up"]


def test_receiving_department_passes_straight_to_the_responsible_department(
    make_complaint: Callable[..., Complaint],
    service_mgr: Any,
    service_dept: Any,
    business: Any,
    ccmanager: Any,
) -> None:
    # DOMAIN §9: a department that receives a complaint may pass it straight to the responsible one;
    # customer care is told to complete the form.
    with time_machine.travel(at(2026, 3, 11, 10, 0), tick=False):
        ticket = make_complaint(actor=service_mgr, received_by_department=service_dept, category="repair")
        ticket = workflow.complaint_dispatch(complaint=ticket, actor=service_mgr, department=business)
    assert ticket.status == Status.DISPATCHED and ticket.department == business
    assert Deadline.objects.get(complaint=ticket, kind=DeadlineKind.HANDOFF).met_at == at(2026, 3, 11, 10, 0)
    assert Deadline.objects.get(complaint=ticket, kind=DeadlineKind.FIRST_CONTACT).due_at == at(
        2026, 3, 11, 12, 0
    )
    assert Notification.objects.filter(recipient=ccmanager, key__contains=":passed_directly:").count() == 1
