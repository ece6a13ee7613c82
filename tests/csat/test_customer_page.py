"""The customer page (360°, issue #22): vehicles, visits, purchases, surveys with grades, callback
tasks, complaints and crisis cases with their status, the F identity and its guidance, the actions
登记投诉 and 新建回访; the ticket page's links to the customer, the vehicle and the repair order; who
may see what; and a fixed number of queries whatever the customer's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from callbacks import services as callback_services
from callbacks.models import CallbackTask, SurveyType, TaskStatus
from callbacks.services import SurveyInput
from callbacks.services.manual import callback_task_start_for_customer
from complaints.models import Complaint
from complaints.services import workflow
from crisis import services as crisis_services
from crisis.models import CrisisCase
from csat.domain.grading import IDENTITY_GUIDANCE
from csat.exceptions import ApplicationError
from csat.models import Customer, DepartmentKind
from tests.callbacks.test_services_surveys import AFTER_SALES_ITEMS, SALES_ITEMS
from tests.factories import SalesDeliveryFactory, ServiceVisitFactory, VehicleFactory
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def url(customer: Any) -> str:
    return f"/customers/{customer.pk}/"


def section(html: str, testid: str) -> str:
    assert f'data-testid="{testid}"' in html, testid
    return html.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def sales_task(customer: Any, vehicle: Any) -> CallbackTask:
    sale = SalesDeliveryFactory(vehicle=vehicle, delivered_at=timezone.now() - dt.timedelta(days=4))
    now = timezone.now()
    return CallbackTask.objects.create(
        store=customer.store,
        type=SurveyType.SALES,
        customer=customer,
        vehicle=vehicle,
        sale=sale,
        due_at=now - dt.timedelta(hours=1),
        expires_at=now + dt.timedelta(days=14),
    )


@pytest.fixture
def history(customer: Any, agent: Any, gm: Any, dept: Callable[[str], Any]) -> dict[str, Any]:
    """A customer with a visit, a purchase, a dissatisfied survey (score 60: a ticket to after-sales),
    a complaint of their own and a crisis case."""
    vehicle = customer.vehicles.get()
    visit = ServiceVisitFactory(vehicle=vehicle, repair_order_no="RO20260001")
    task = sales_task(customer, vehicle)
    survey = callback_services.survey_submit(
        actor=agent, data=SurveyInput(type="sales", score=60, items=SALES_ITEMS), callback=task
    )
    ticket = workflow.complaint_create(
        actor=agent,
        customer=customer,
        content="刹车异响，多次维修未解决",
        received_by_department=dept(DepartmentKind.CUSTOMER_CARE),
        category="repair",
        major_criteria=["safety"],
    )
    crisis = crisis_services.crisis_open(
        actor=gm, store=customer.store, type="a", title="刹车安全", customer=customer, complaint=ticket
    )
    Customer.objects.filter(pk=customer.pk).update(identity_flags=["lawyer"])
    return {
        "vehicle": vehicle,
        "visit": visit,
        "task": task,
        "survey": survey,
        "ticket": ticket,
        "crisis": crisis,
    }


def test_the_page_shows_the_customers_whole_history_with_status(
    web: Callable[[Any], Any], customer: Any, gm: Any, history: dict[str, Any]
) -> None:
    html = web(gm).get(url(customer)).content.decode()
    assert "粤B" in section(html, "customer-vehicles") and f'id="vehicle-{history["vehicle"].pk}"' in html
    assert "RO20260001" in section(html, "customer-visits") and f'id="visit-{history["visit"].pk}"' in html
    assert "CX-5" in section(html, "customer-sales")
    surveys = section(html, "customer-surveys")
    survey = history["survey"]
    assert (
        f'href="/callbacks/surveys/{survey.pk}/"' in surveys and f"<strong>{survey.grade}</strong>" in surveys
    )
    assert "60" in surveys and survey.get_classification_display() in surveys
    assert survey.complaint.number in surveys  # the ticket the survey raised
    tasks = section(html, "customer-callbacks")
    assert f'href="/callbacks/{history["task"].pk}/"' in tasks and "已完成" in tasks
    complaints = section(html, "customer-complaints")
    ticket = Complaint.objects.get(pk=history["ticket"].pk)
    assert f'href="/complaints/{ticket.pk}/"' in complaints and ticket.get_status_display() in complaints
    assert survey.complaint.number in complaints and "重大投诉" in complaints
    crises = section(html, "customer-crises")
    assert f'href="/crisis/{history["crisis"].pk}/"' in crises and "潜伏期" in crises
    # The F identity and its guidance.
    assert 'data-testid="vip-banner"' in html and IDENTITY_GUIDANCE["lawyer"].zh in html
    # The GM records a complaint (pre-filled with this customer) but does not call.
    assert f'href="/complaints/new/?customer={customer.pk}" data-testid="new-complaint"' in html
    assert 'data-testid="new-callback"' not in html


def test_a_closed_crisis_reads_closed(
    web: Callable[[Any], Any], customer: Any, gm: Any, history: dict[str, Any]
) -> None:
    CrisisCase.objects.filter(pk=history["crisis"].pk).update(closed_at=timezone.now())
    assert "已结案" in section(web(gm).get(url(customer)).content.decode(), "customer-crises")


def test_a_customer_with_no_history_reads_none_not_empty_tables(
    web: Callable[[Any], Any], customer: Any, gm: Any
) -> None:
    """A new customer's sections each say so in a line: a table of headers over "无" read like a
    page that failed to load (the tickets, surveys, callbacks; an empty change history too)."""
    html = web(gm).get(url(customer)).content.decode()
    for testid, none in (
        ("customer-complaints", "no-customer-complaints"),
        ("customer-surveys", "no-customer-surveys"),
        ("customer-callbacks", "no-customer-callbacks"),
    ):
        part = section(html, testid)
        assert f'data-testid="{none}"' in part and "<th" not in part, testid
    from django.template.loader import render_to_string

    history = render_to_string("audit/partials/_entries.html", {"entries": []})
    assert 'data-testid="no-history"' in history and "<th" not in history


def test_a_survey_that_raised_nothing_reads_as_a_dash_not_none(
    web: Callable[[Any], Any], customer: Any, agent: Any, gm: Any
) -> None:
    """A satisfied survey raises no ticket (classification "无"): the customer page's category shows
    "—" (a column of "无" under "结果" read as "no outcome"), the agent's card leaves it out."""
    vehicle = customer.vehicles.get()
    survey = callback_services.survey_submit(
        actor=agent,
        data=SurveyInput(type="sales", score=95, items=SALES_ITEMS),
        callback=sales_task(customer, vehicle),
    )
    assert survey.classification == "none"
    row = section(web(gm).get(url(customer)).content.decode(), "customer-surveys").split(
        'data-testid="customer-survey-row"'
    )[1]
    assert row.split("</tr>")[0].rstrip().endswith("<td>—</td>")
    task = sales_task(customer, VehicleFactory(customer=customer))
    card = web(agent).get(f"/callbacks/{task.pk}/").content.decode().split('data-testid="earlier-surveys"')[1]
    line = card.split("</li>")[0]
    assert f"<strong>{survey.grade}</strong>" in line and "无" not in line


def test_an_agent_starts_a_callback_from_the_page(
    web: Callable[[Any], Any], customer: Any, agent: Any
) -> None:
    vehicle = customer.vehicles.get()
    visit = ServiceVisitFactory(vehicle=vehicle)
    client = web(agent)
    html = client.get(url(customer)).content.decode()
    assert (
        f'action="/callbacks/customers/{customer.pk}/new/"' in html and 'data-testid="new-callback"' in html
    )
    response = client.post(f"/callbacks/customers/{customer.pk}/new/", follow=True)
    task = CallbackTask.objects.get(customer=customer)
    assert response.redirect_chain[-1][0] == f"/callbacks/{task.pk}/"
    assert (task.type, task.visit, task.assigned_to, task.status) == (
        SurveyType.AFTER_SALES,
        visit,
        agent,
        TaskStatus.PENDING,
    )
    assert "已新建回访任务" in response.content.decode()
    assert task.events.get().action == "create"
    # Again: the open task comes back, no second one.
    response = client.post(f"/callbacks/customers/{customer.pk}/new/", follow=True)
    assert response.redirect_chain[-1][0] == f"/callbacks/{task.pk}/"
    assert CallbackTask.objects.filter(customer=customer).count() == 1


def test_a_new_callback_takes_the_first_free_source(customer: Any, agent: Any, clock: Any) -> None:
    vehicle = customer.vehicles.get()
    sale = SalesDeliveryFactory(vehicle=vehicle)
    first = callback_task_start_for_customer(customer=customer, actor=agent)
    assert first.created and (first.task.type, first.task.sale) == (SurveyType.SALES, sale)
    CallbackTask.objects.filter(pk=first.task.pk).update(status=TaskStatus.DONE)
    second = callback_task_start_for_customer(customer=customer, actor=agent)
    assert second.created and second.task.type == SurveyType.FIVE_DIMENSION and second.task.period
    CallbackTask.objects.filter(pk=second.task.pk).update(status=TaskStatus.DONE)
    with pytest.raises(ApplicationError, match="无需新建回访"):
        callback_task_start_for_customer(customer=customer, actor=agent)


def test_no_callback_for_a_do_not_contact_customer(
    web: Callable[[Any], Any], customer: Any, agent: Any
) -> None:
    Customer.objects.filter(pk=customer.pk).update(do_not_contact=True, do_not_contact_reason="本人要求")
    client = web(agent)
    assert 'data-testid="new-callback"' not in client.get(url(customer)).content.decode()
    response = client.post(f"/callbacks/customers/{customer.pk}/new/", follow=True)
    assert "勿扰客户" in response.content.decode()
    assert not CallbackTask.objects.filter(customer=customer).exists()


def test_who_may_see_the_page_and_start_a_callback(
    web: Callable[[Any], Any],
    customer: Any,
    history: dict[str, Any],
    other_agent: Any,
    other_gm: Any,
    sales_mgr: Any,
    front_line: Any,
) -> None:
    for outsider in (other_agent, other_gm):
        assert web(outsider).get(url(customer)).status_code == 404
    # Another store's agent: no such customer; another store's GM: not a caller at all.
    assert web(other_agent).post(f"/callbacks/customers/{customer.pk}/new/").status_code == 404
    assert web(other_gm).post(f"/callbacks/customers/{customer.pk}/new/").status_code == 403
    # A department manager of the store: the page, only their department's tickets, no crisis cases
    # (not on the team), no surveys' callback actions.
    client = web(sales_mgr)
    html = client.get(url(customer)).content.decode()
    complaints = section(html, "customer-complaints")
    assert history["ticket"].number not in complaints  # customer care's ticket, not dispatched to sales
    assert 'data-testid="customer-crises"' not in html
    assert 'data-testid="new-callback"' not in html
    assert client.post(f"/callbacks/customers/{customer.pk}/new/").status_code == 403
    # Front-line staff do not browse customers' callbacks: no survey or task panel.
    html = web(front_line).get(url(customer)).content.decode()
    assert 'data-testid="customer-surveys"' not in html and 'data-testid="customer-callbacks"' not in html
    assert not CallbackTask.objects.filter(customer=customer, type=SurveyType.AFTER_SALES).exists()


def test_the_ticket_links_to_the_customer_the_vehicle_and_the_repair_order(
    web: Callable[[Any], Any], customer: Any, agent: Any, history: dict[str, Any]
) -> None:
    client = web(agent)
    # The survey's ticket: its repair order is the one the callback was about.
    vehicle = history["vehicle"]
    visit = ServiceVisitFactory(vehicle=vehicle, repair_order_no="RO20269999")
    task = CallbackTask.objects.create(
        store=customer.store,
        type=SurveyType.AFTER_SALES,
        customer=customer,
        vehicle=vehicle,
        visit=visit,
        due_at=timezone.now() - dt.timedelta(hours=1),
        expires_at=timezone.now() + dt.timedelta(days=14),
    )
    survey = callback_services.survey_submit(
        actor=agent,
        data=SurveyInput(type="after_sales", score=50, items=AFTER_SALES_ITEMS),
        callback=task,
    )
    html = client.get(f"/complaints/{survey.complaint.pk}/").content.decode()
    assert f'href="/customers/{customer.pk}/" data-testid="ticket-customer"' in html
    assert f'href="/customers/{customer.pk}/#vehicle-{vehicle.pk}" data-testid="ticket-vehicle"' in html
    repair = html.split('data-testid="ticket-repair-order"')[0].rsplit("<dt", 1)[1]
    assert "维修工单" in repair and "最近" not in repair
    assert (
        f'href="/customers/{customer.pk}/#visit-{visit.pk}" data-testid="ticket-repair-order">RO20269999'
        in html
    )
    # A ticket recorded directly: the vehicle's latest visit before it, said to be the latest.
    ticket = workflow.complaint_create(
        actor=agent,
        customer=customer,
        vehicle=vehicle,
        content="保养后异响",
        received_by_department=history["ticket"].received_by_department,
        category="repair",
    )
    html = client.get(f"/complaints/{ticket.pk}/").content.decode()
    assert "该车最近维修工单" in html and 'data-testid="ticket-repair-order">RO2026' in html


def test_the_page_has_a_fixed_query_count(
    customer: Any, agent: Any, gm: Any, sales_mgr: Any, dept: Callable[[str], Any]
) -> None:
    vehicle = customer.vehicles.get()
    care = dept(DepartmentKind.CUSTOMER_CARE)
    Customer.objects.filter(pk=customer.pk).update(identity_flags=["media"])

    def grow(k: int) -> None:
        for _ in range(k):
            car = VehicleFactory(customer=customer)
            ServiceVisitFactory(vehicle=car)
            task = sales_task(customer, car)
            callback_services.survey_submit(
                actor=agent, data=SurveyInput(type="sales", score=95, items=SALES_ITEMS), callback=task
            )
            ticket = workflow.complaint_create(
                actor=agent, customer=customer, vehicle=car, content="等太久", received_by_department=care
            )
            crisis_services.crisis_open(
                actor=gm, store=customer.store, type="e", title="危机", customer=customer, complaint=ticket
            )
            CrisisCase.objects.filter(customer=customer).update(
                closed_at=timezone.now()
            )  # one open at a time
        assert vehicle is not None

    assert_flat(
        {
            "customer_page_gm": (gm, url(customer), False),
            "customer_page_agent": (agent, url(customer), False),
            "customer_page_manager": (sales_mgr, url(customer), False),
        },
        grow,
        # The customer card's 8 (session, profile, customer, vehicles, visits, sales, the crisis banner,
        # the unread badge) + one query per panel: surveys, callback tasks, tickets, crisis cases.
        # Issue #25: the session and the signed-in user come from the cache (2 fewer).
        pinned={"customer_page_gm": 10, "customer_page_agent": 10, "customer_page_manager": 10},
    )
