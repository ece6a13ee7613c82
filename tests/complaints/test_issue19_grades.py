"""Issue #19, a grade on every case (DOMAIN §9 "Grades on every case"; customer-grades-A-G source:
D "一个月内首次投诉…", "因维修技师技术原因…超过一周", "缺件…超过 3 天"; E "1 个月内因质量问题进站维修
2 次及以上…月行驶里程 300–500 公里", "超过 20 天没有得到妥善解决"; F "重大财产损失或人身伤亡"; G 危机事件).

Complaint intake suggests a grade from the facts the database holds, with the criteria that fired;
one test per criterion the database can feed, each with a row that fires it and one just below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from callbacks.selectors import grades as survey_grades
from complaints.models import Complaint, Kind, Status
from complaints.services import grading, workflow
from complaints.tasks import refresh_grades
from csat.models import Customer, ServiceKind
from tests.factories import ServiceVisitFactory, VehicleFactory
from tests.fixtures import T0

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def car(customer: Any) -> Any:
    return VehicleFactory(customer=customer)


def _visit(car: Any, *, days_ago: float, **fields: Any) -> Any:
    opened = T0 - dt.timedelta(days=days_ago)
    fields.setdefault("handed_back_at", opened + dt.timedelta(hours=4))
    return ServiceVisitFactory(vehicle=car, opened_at=opened, **fields)


def _grade(ticket: Complaint) -> tuple[str, str, list[str]]:
    return ticket.grade, ticket.suggested_grade, ticket.grade_criteria


# --- one test per criterion the database feeds --------------------------------------------------


@pytest.mark.parametrize(("days", "fires"), [(21, True), (20, False)])
def test_rule_e_unsolved_over_20_days_fires_from_the_customers_open_ticket(
    make_complaint: Callable[..., Complaint], days: int, fires: bool
) -> None:
    """E: "超过 20 天没有得到妥善解决" — the customer's oldest unsolved ticket, in days."""
    with time_machine.travel(T0 - days * DAY, tick=False):
        make_complaint()
    with time_machine.travel(T0, tick=False):
        ticket = make_complaint(content="问题还是没有解决")
    assert ticket.grade_facts["days_open_unsolved"] == days
    assert ("days_open_unsolved" in ticket.grade_criteria) is fires
    assert ticket.suggested_grade == ("E" if fires else "C")
    assert ticket.grade == ticket.suggested_grade  # confirmed by default: never "未定级"


def test_rule_e_a_resolved_old_ticket_does_not_count_as_unsolved(
    make_complaint: Callable[..., Complaint],
) -> None:
    with time_machine.travel(T0 - 25 * DAY, tick=False):
        old = make_complaint()
    Complaint.objects.filter(pk=old.pk).update(status=Status.RESOLVED)
    with time_machine.travel(T0, tick=False):
        ticket = make_complaint()
    assert "days_open_unsolved" not in ticket.grade_facts
    assert ticket.suggested_grade == "C"


@pytest.mark.parametrize(("quality_visits", "fires"), [(2, True), (1, False)])
def test_rule_e_two_quality_repairs_in_30_days(
    clock: Any, make_complaint: Callable[..., Complaint], car: Any, quality_visits: int, fires: bool
) -> None:
    """E: "1 个月内因质量问题进站维修 2 次及以上"."""
    for n in range(quality_visits):
        _visit(car, days_ago=5 + n, quality_related=True, kind=ServiceKind.REPAIR)
    _visit(car, days_ago=31, quality_related=True, kind=ServiceKind.REPAIR)  # outside the month
    ticket = make_complaint(category="other")
    assert ticket.grade_facts["quality_repairs_30d"] == quality_visits
    assert ("quality_repairs_30d" in ticket.grade_criteria) is fires
    assert ticket.suggested_grade == ("E" if fires else "C")


@pytest.mark.parametrize(("km", "fires"), [(400, True), (300, True), (500, True), (299, False), (501, False)])
def test_rule_e_300_to_500_km_a_month_from_odometer_readings(
    clock: Any, make_complaint: Callable[..., Complaint], car: Any, km: int, fires: bool
) -> None:
    """E: "投诉期间月行驶里程 300–500 公里" — km per 30 days between the car's last two readings."""
    _visit(car, days_ago=35, mileage=10000)
    _visit(car, days_ago=5, mileage=10000 + km)
    ticket = make_complaint(category="other", vehicle=car)
    assert ticket.grade_facts["monthly_km_during_complaint"] == km
    assert ("low_mileage_during_complaint" in ticket.grade_criteria) is fires


def test_rule_e_km_needs_a_recent_reading(
    clock: Any, make_complaint: Callable[..., Complaint], car: Any
) -> None:
    _visit(car, days_ago=90, mileage=10000)
    _visit(car, days_ago=60, mileage=10400)  # 400 km/month, but two months ago: not "during the complaint"
    ticket = make_complaint(category="other", vehicle=car)
    assert "monthly_km_during_complaint" not in ticket.grade_facts
    assert ticket.suggested_grade == "C"


@pytest.mark.parametrize(("backorder", "fires"), [(4, True), (3, False)])
def test_rule_d_parts_back_order_over_3_days(
    clock: Any, make_complaint: Callable[..., Complaint], car: Any, backorder: int, fires: bool
) -> None:
    """D: "缺件…供应周期超过 3 天"."""
    _visit(car, days_ago=10, parts_backorder_days=backorder)
    ticket = make_complaint(category="parts")
    assert ticket.grade_facts["parts_backorder_days"] == backorder
    assert ("parts_backorder" in ticket.grade_criteria) is fires
    assert ticket.suggested_grade == ("D" if fires else "C")


@pytest.mark.parametrize(
    ("days_in_shop", "backorder", "fires"), [(8, 0, True), (7, 0, False), (11, 4, False), (12, 4, True)]
)
def test_rule_d_technician_delay_over_a_week(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    car: Any,
    days_in_shop: int,
    backorder: int,
    fires: bool,
) -> None:
    """D: "因维修技师技术原因导致问题解决周期超过一周" — days in the shop less the days waiting for parts."""
    opened = 20
    _visit(
        car,
        days_ago=opened,
        kind=ServiceKind.REPAIR,
        handed_back_at=T0 - (opened - days_in_shop) * DAY,
        parts_backorder_days=backorder,
    )
    ticket = make_complaint(category="other")
    assert ticket.grade_facts["skill_delay_days"] == days_in_shop - backorder
    assert ("skill_delay" in ticket.grade_criteria) is fires


def test_rule_d_technician_delay_ignores_maintenance_and_sales_tickets(
    clock: Any, make_complaint: Callable[..., Complaint], car: Any
) -> None:
    _visit(car, days_ago=20, kind=ServiceKind.MAINTENANCE, handed_back_at=T0 - 5 * DAY)
    assert make_complaint(category="other").grade_facts["skill_delay_days"] == 0
    _visit(car, days_ago=20, kind=ServiceKind.REPAIR, handed_back_at=T0 - 5 * DAY)
    assert "skill_delay_days" not in make_complaint(category="sales").grade_facts


@pytest.mark.parametrize(("quality_visits", "fires"), [(1, True), (0, False)])
def test_rule_d_first_minor_quality_complaint_in_a_month(
    clock: Any, make_complaint: Callable[..., Complaint], car: Any, quality_visits: int, fires: bool
) -> None:
    """D: "质量问题不影响使用，一个月内首次投诉" — a repair ticket, one quality repair, no other ticket."""
    for _n in range(quality_visits):
        _visit(car, days_ago=3, quality_related=True, kind=ServiceKind.REPAIR)
    ticket = make_complaint(category="repair")
    assert ("first_minor_quality" in ticket.grade_criteria) is fires
    assert ticket.suggested_grade == ("D" if fires else "C")


def test_rule_d_not_the_first_complaint_of_the_month(
    make_complaint: Callable[..., Complaint], car: Any
) -> None:
    with time_machine.travel(T0 - 10 * DAY, tick=False):
        earlier = make_complaint(category="repair")
    Complaint.objects.filter(pk=earlier.pk).update(status=Status.CLOSED)
    _visit(car, days_ago=3, quality_related=True, kind=ServiceKind.REPAIR)
    with time_machine.travel(T0, tick=False):
        ticket = make_complaint(category="repair")
    assert ticket.grade_facts["first_minor_quality_complaint"] is False
    assert ticket.suggested_grade == "C"


@pytest.mark.parametrize(("ticked", "fires"), [(True, True), (False, False)])
def test_rule_f_injury_or_major_loss_ticked_at_intake(
    clock: Any, make_complaint: Callable[..., Complaint], ticked: bool, fires: bool
) -> None:
    """F: "重大财产损失或人身伤亡" — the tick at intake (CONTRACT ``injury_or_major_loss``)."""
    ticket = make_complaint(injury_or_major_loss=ticked)
    assert ticket.injury_or_major_loss is ticked
    assert _grade(ticket) == (("F", "F", ["injury_or_major_loss"]) if fires else ("C", "C", ["no_data"]))


def test_rule_f_identity_flags_of_the_customer(
    clock: Any, make_complaint: Callable[..., Complaint], customer: Any
) -> None:
    customer.identity_flags = ["lawyer"]
    customer.save(update_fields=["identity_flags"])
    assert _grade(make_complaint()) == ("F", "F", ["identity:lawyer"])


# --- confirm or override --------------------------------------------------------------------------


def test_rule_recorder_overrides_the_grade_only_with_a_reason(
    clock: Any, make_complaint: Callable[..., Complaint]
) -> None:
    with pytest.raises(ValidationError) as err:
        make_complaint(grade="E")
    assert "grade_override_reason" in err.value.message_dict
    assert not Complaint.objects.exists()  # nothing saved
    ticket = make_complaint(grade="E", grade_override_reason="客户情绪激动，多次来电")
    assert _grade(ticket) == ("E", "C", ["no_data"])
    assert ticket.grade_override_reason == "客户情绪激动，多次来电"
    created = ticket.events.get(action="create")
    assert created.data["grade"] == "E" and created.data["suggested_grade"] == "C"
    assert created.data["grade_override_reason"] == "客户情绪激动，多次来电"


def test_confirming_the_suggestion_needs_no_reason(
    clock: Any, make_complaint: Callable[..., Complaint]
) -> None:
    ticket = make_complaint(grade="C")
    assert (ticket.grade, ticket.grade_override_reason) == ("C", "")


def test_api_intake_returns_the_suggested_grade_and_criteria(
    clock: Any, api: Any, agent: Any, customer: Any
) -> None:
    client = api(agent)
    body = {"customer": customer.pk, "content": "车辆事故后车主受伤", "category": "repair"}
    response = client.post("/api/complaints/", {**body, "injury_or_major_loss": True}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["suggested_grade"], data["grade"], data["grade_criteria"]) == (
        "F",
        "F",
        ["injury_or_major_loss"],
    )
    assert data["injury_or_major_loss"] is True
    bad = client.post("/api/complaints/", {**body, "grade": "B"}, format="json")
    assert bad.status_code == 400 and "grade_override_reason" in bad.json()
    assert Complaint.objects.count() == 1
    ok = client.post(
        "/api/complaints/", {**body, "grade": "B", "grade_override_reason": "误报"}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["grade"] == "B"


def test_intake_page_takes_the_tick_and_shows_grade_and_criteria(clock: Any, web: Any, agent: Any) -> None:
    client = web(agent)
    page = client.get("/complaints/new/")
    assert 'name="injury_or_major_loss"' in page.content.decode()
    response = client.post(
        "/complaints/new/",
        {
            "mobile": "13900001111",
            "name": "王先生",
            "content": "车辆起火，家人受伤",
            "kind": "complaint",
            "channel": "phone",
            "category": "repair",
            "injury_or_major_loss": "on",
        },
        follow=True,
    )
    ticket = Complaint.objects.get()
    assert (ticket.grade, ticket.suggested_grade) == ("F", "F")
    html = response.content.decode()
    assert 'data-testid="grade"' in html and "重大财产损失或人身伤亡" in html


# --- recomputed where the facts change --------------------------------------------------------------


def test_rule_a_29_day_old_unsolved_complaint_makes_the_survey_suggest_e_not_b(
    make_complaint: Callable[..., Complaint], customer: Any
) -> None:
    """The issue's finding: a customer with a 29-day-old unsolved complaint still got B from a 90."""
    with time_machine.travel(T0 - 29 * DAY, tick=False):
        make_complaint()
    with time_machine.travel(T0, tick=False):
        facts = survey_grades.grade_facts(customer=customer, survey_type="after_sales")
    assert facts["days_open_unsolved"] == 29
    assert survey_grades.grade_suggestion(facts=facts, score100=90) == ("E", ["days_open_unsolved"])


def test_rule_the_suggestion_follows_the_days_open_and_the_task_is_idempotent(
    make_complaint: Callable[..., Complaint],
) -> None:
    with time_machine.travel(T0 - 21 * DAY, tick=False):
        ticket = make_complaint()
    assert _grade(ticket) == ("C", "C", ["no_data"])
    with time_machine.travel(T0, tick=False):
        assert refresh_grades() == 1
        assert refresh_grades() == 0  # twice = once
    ticket.refresh_from_db()
    assert _grade(ticket) == ("E", "E", ["days_open_unsolved"])
    assert ticket.events.filter(action="grade").count() == 1


def test_refresh_keeps_the_recorders_override_and_leaves_solved_tickets(
    make_complaint: Callable[..., Complaint],
) -> None:
    with time_machine.travel(T0 - 21 * DAY, tick=False):
        overridden = make_complaint(grade="B", grade_override_reason="老客户，态度良好")
        solved = make_complaint(content="已解决")
    Complaint.objects.filter(pk=solved.pk).update(status=Status.RESOLVED)
    with time_machine.travel(T0, tick=False):
        grading.complaint_grades_refresh()
    overridden.refresh_from_db()
    solved.refresh_from_db()
    assert (overridden.grade, overridden.suggested_grade) == ("B", "E")
    assert solved.suggested_grade == "C"


# --- escalation and callbacks -------------------------------------------------------------------


def test_rule_escalation_sets_g_on_the_ticket_and_the_customer(
    clock: Any, make_complaint: Callable[..., Complaint], ccm: Any, gm: Any, customer: Any
) -> None:
    """DOMAIN §9: "Escalation to a crisis sets grade G on the ticket and the customer"."""
    ticket = workflow.complaint_escalate(complaint=make_complaint(major_criteria=["safety"]), actor=ccm)
    ticket.refresh_from_db()
    assert (ticket.grade, ticket.suggested_grade, ticket.grade_criteria) == ("G", "G", ["crisis_type:a"])
    assert Customer.objects.get(pk=customer.pk).grade == "G"
    assert ticket.events.filter(action="grade").count() == 1
    with time_machine.travel(T0 + 30 * DAY, tick=False):
        grading.complaint_grades_refresh()
    ticket.refresh_from_db()
    assert ticket.grade == "G"  # the refresh keeps the crisis


def test_ticket_from_a_callback_carries_the_surveys_grade(
    clock: Any, make_complaint: Any, customer: Any
) -> None:
    ticket = make_complaint(
        kind=Kind.DISSATISFIED,
        grade="D",
        grade_suggestion=("D", ["score100"], {"identity": [], "quality_repairs_30d": 0}),
    )
    assert _grade(ticket) == ("D", "D", ["score100"])
    assert ticket.grade_facts == {"identity": [], "quality_repairs_30d": 0}
