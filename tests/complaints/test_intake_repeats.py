"""The intake form's duplicate warning (help-desk parity: a second major ticket about the same window
film was logged while ticket 00019 was open, and both ran timers). Typing the mobile or plate shows
the customer and their open tickets — the ones the reader may open linked, the others only counted —
and submitting while one is open needs "确认是新的问题", checked by the service under the customer's
lock. The API keeps creating without it (CONTRACT) and answers with the open tickets instead."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from complaints.models import Complaint, Status
from complaints.selectors import openable_ticket_ids
from complaints.services import intake, workflow
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LOOKUP = "/complaints/new/open-tickets/"
FILM = "前挡风玻璃贴膜起泡，要求重新贴膜；客户说上周已经反映过一次，到现在没人联系他处理这件事"


def _form(customer: Any, **extra: Any) -> dict[str, Any]:
    return {
        "mobile": customer.mobile,
        "name": customer.name,
        "kind": "complaint",
        "channel": "phone",
        "category": "repair",
        "content": "贴膜起泡",
        **extra,
    }


@pytest.fixture
def film(make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint]) -> Complaint:
    """The open ticket about the window film, dispatched to sales."""
    return advance(make_complaint(content=FILM), Status.DISPATCHED)


@pytest.fixture
def elsewhere(make_complaint: Callable[..., Complaint], agent: Any, business: Any) -> Complaint:
    """Another open ticket of the same customer, dispatched to the business department."""
    ticket = make_complaint(content="保养时多收了机油费，要求退还差价")
    return workflow.complaint_dispatch(complaint=ticket, actor=agent, department=business)


def test_typing_the_mobile_shows_the_customer_and_their_open_tickets(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    customer: Any,
    film: Complaint,
    make_complaint: Any,
) -> None:
    closed = make_complaint(content="早已处理完的旧问题")
    Complaint.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    m = customer.mobile
    html = browser(agent).get(LOOKUP, {"mobile": f"{m[:3]} {m[3:7]} {m[7:]}"}).content.decode()
    assert 'data-testid="intake-repeats"' in html
    assert "该客户已有未结工单，如是同一问题，请在原工单上补充，不要重复登记" in html
    assert f'href="/customers/{customer.pk}/"' in html and customer.name in html
    row = re.search(r'data-testid="intake-repeat-ticket">(.*?)</li>', html, re.S)
    assert row is not None
    text = " ".join(row[1].split())
    assert f'href="/complaints/{film.pk}/"' in row[1] and film.number in text
    assert "2026-03-11" in text and str(film.department.name) in text and "已派单" in text
    assert FILM[:20] in text and FILM[-10:] not in text  # the first words, not the whole
    assert closed.number not in html  # closed tickets are not repeats
    assert 'name="confirm_new_issue"' in html


def test_a_plate_finds_the_car_owner_and_a_partial_mobile_finds_nothing(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any, film: Complaint
) -> None:
    client = browser(agent)
    html = client.get(LOOKUP, {"mobile": "139", "plate": "粤b·12345"}).content.decode()
    assert film.number in html and customer.name in html
    assert client.get(LOOKUP, {"mobile": customer.mobile[:7]}).content.decode().strip() == ""


def test_a_known_customer_without_open_tickets_is_named_without_a_warning(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any
) -> None:
    html = browser(agent).get(LOOKUP, {"mobile": customer.mobile}).content.decode()
    assert 'data-testid="intake-known-customer"' in html and customer.name in html
    assert 'data-testid="intake-repeats"' not in html and "confirm_new_issue" not in html


def test_another_stores_customer_with_the_same_mobile_is_not_shown(
    clock: Any, browser: Callable[[Any], Client], other_agent: Any, customer: Any, film: Complaint
) -> None:
    html = browser(other_agent).get(LOOKUP, {"mobile": customer.mobile}).content.decode()
    assert html.strip() == ""


def test_a_department_manager_sees_their_tickets_and_only_a_count_of_the_others(
    clock: Any,
    browser: Callable[[Any], Client],
    sales_mgr: Any,
    customer: Any,
    film: Complaint,
    elsewhere: Complaint,
) -> None:
    html = browser(sales_mgr).get(LOOKUP, {"mobile": customer.mobile}).content.decode()
    assert film.number in html and f'href="/complaints/{film.pk}/"' in html
    # The business department's ticket: counted, no number, department, words or link.
    assert elsewhere.number not in html and elsewhere.content[:6] not in html
    assert str(elsewhere.department.name) not in html and f"/complaints/{elsewhere.pk}/" not in html
    assert "另有 1 张未结工单由其他部门处理，您无权查看" in html
    linked = {int(pk) for pk in re.findall(r'href="/complaints/(\d+)/"', html)}
    assert linked and linked <= openable_ticket_ids(sales_mgr, linked)


def test_head_office_and_strangers_get_no_lookup(
    clock: Any, browser: Callable[[Any], Client], viewer: Any, customer: Any, film: Complaint
) -> None:
    assert browser(viewer).get(LOOKUP, {"mobile": customer.mobile}).status_code == 403
    response = Client().get(LOOKUP, {"mobile": customer.mobile})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_form_prefilled_from_the_customer_warns_at_once(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any, film: Complaint
) -> None:
    html = browser(agent).get("/complaints/new/", {"customer": customer.pk}).content.decode()
    assert 'data-testid="intake-repeats"' in html and film.number in html
    # The live lookup is wired to the mobile and plate fields.
    assert 'hx-get="/complaints/new/open-tickets/"' in html and "from:#id_mobile" in html


def test_submitting_while_a_ticket_is_open_needs_the_confirmation(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any, film: Complaint
) -> None:
    client = browser(agent)
    response = client.post("/complaints/new/", _form(customer))
    assert response.status_code == 400
    html = response.content.decode()
    assert "该客户已有 1 张未结工单" in html and film.number in html
    assert Complaint.objects.count() == 1
    response = client.post("/complaints/new/", _form(customer, confirm_new_issue="on"))
    assert response.status_code == 302
    assert Complaint.objects.count() == 2


def test_the_confirmation_is_asked_for_a_ticket_the_recorder_may_not_open_too(
    clock: Any, browser: Callable[[Any], Client], sales_mgr: Any, customer: Any, elsewhere: Complaint
) -> None:
    response = browser(sales_mgr).post("/complaints/new/", _form(customer))
    assert response.status_code == 400
    html = response.content.decode()
    assert "该客户已有 1 张未结工单" in html and elsewhere.number not in html
    assert Complaint.objects.count() == 1


def test_a_plate_of_a_car_with_an_open_ticket_needs_the_confirmation(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any, store: Any, film: Complaint
) -> None:
    """A family member calls about the same car with their own mobile."""
    spouse = CustomerFactory(store=store, name="王太太")
    response = browser(agent).post("/complaints/new/", _form(spouse, plate="粤B12345"))
    assert response.status_code == 400 and Complaint.objects.count() == 1


def test_only_closed_tickets_need_no_confirmation(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any, film: Complaint
) -> None:
    Complaint.objects.filter(pk=film.pk).update(status=Status.CLOSED)
    assert browser(agent).post("/complaints/new/", _form(customer)).status_code == 302
    assert Complaint.objects.count() == 2


def test_the_api_creates_without_the_confirmation(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any, film: Complaint
) -> None:
    payload = {"customer": customer.pk, "kind": "complaint", "content": "贴膜起泡", "category": "repair"}
    response = api(agent).post("/api/complaints/", payload, format="json")
    assert response.status_code == 201, response.content
    assert Complaint.objects.count() == 2


def test_the_service_refuses_only_when_asked_to_check(
    clock: Any, agent: Any, customer: Any, store: Any, film: Complaint
) -> None:
    common = {"actor": agent, "store": store, "mobile": customer.mobile, "content": "贴膜起泡"}
    with pytest.raises(intake.OpenTicketExistsError) as refused:
        intake.complaint_intake(**common, new_issue_confirmed=False)
    assert refused.value.count == 1
    assert intake.complaint_intake(**common, new_issue_confirmed=True).pk != film.pk
    assert intake.complaint_intake(**common).pk != film.pk  # None: the API's call


def test_the_lookup_reads_a_bounded_number_of_queries(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    customer: Any,
    make_complaint: Callable[..., Complaint],
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(8):
        make_complaint(content=f"第 {i} 个问题")
    client = browser(agent)
    client.get(LOOKUP, {"mobile": customer.mobile})  # the session and profile are read once warm
    with django_assert_max_num_queries(9):
        html = client.get(LOOKUP, {"mobile": customer.mobile}).content.decode()
    assert html.count('data-testid="intake-repeat-ticket"') == 5
    assert "另有 3 张未结工单未列出" in html


@pytest.mark.django_db(transaction=True)
def test_two_recorders_at_once_make_one_ticket(agent: Any, agent2: Any, customer: Any) -> None:
    """Two recorders log the same customer's call at the same moment, neither confirming: the
    customer's row lock lets the second see the first one's ticket, so one is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to show")
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def post(user: Any) -> None:
        try:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            barrier.wait(timeout=10)
            codes.append(client.post("/complaints/new/", _form(customer)).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(user,)) for user in (agent, agent2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [302, 400], codes
    assert Complaint.objects.count() == 1


def test_the_warning_reads_in_english(
    clock: Any, agent: Any, sales_mgr: Any, customer: Any, film: Complaint, elsewhere: Complaint
) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(sales_mgr)
    html = client.post("/complaints/new/", _form(customer)).content.decode()
    assert "This customer already has open tickets." in html
    assert "Existing customer: " in html and "1 other open ticket is handled by another department" in html
    assert "Confirm this is a new problem" in html and "This customer has 2 open tickets." in html
    assert "未结工单" not in html


# --- the API: the new ticket's answer names the open tickets it may repeat ------------------------

API_TICKET = {"kind": "complaint", "content": "贴膜又起泡了", "category": "repair"}


def _brief(*tickets: Complaint) -> list[dict[str, Any]]:
    return [{"id": t.pk, "number": t.number, "status": t.status} for t in tickets]


def test_the_api_answers_with_the_customers_other_open_tickets(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    customer: Any,
    film: Complaint,
    elsewhere: Complaint,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """Before: the 201 said nothing of them; the page warns and asks for the confirmation."""
    advance(make_complaint(content="已解决的旧问题"), Status.CLOSED)
    make_complaint(customer=CustomerFactory(store=customer.store), content="另一位客户")
    response = api(agent).post("/api/complaints/", {**API_TICKET, "customer": customer.pk}, format="json")
    assert response.status_code == 201, response.content  # created all the same (CONTRACT)
    body = response.json()
    assert body["status"] == "registered" and body["customer"] == customer.pk
    # Newest first; not the closed one, not another customer's, not the new ticket itself.
    assert body["open_tickets"] == _brief(elsewhere, film)
    assert body["open_tickets_hidden"] == 0
    assert Complaint.objects.count() == 5


def test_another_departments_open_ticket_is_only_counted(
    clock: Any,
    api: Callable[[Any], Any],
    sales_mgr: Any,
    customer: Any,
    film: Complaint,
    elsewhere: Complaint,
) -> None:
    response = api(sales_mgr).post("/api/complaints/", {**API_TICKET, "customer": customer.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["open_tickets"] == _brief(film) and body["open_tickets_hidden"] == 1
    assert elsewhere.number not in response.content.decode()


def test_a_customer_without_open_tickets_gets_an_empty_list(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any
) -> None:
    first = api(agent).post("/api/complaints/", {**API_TICKET, "customer": customer.pk}, format="json")
    assert first.status_code == 201
    assert first.json()["open_tickets"] == [] and first.json()["open_tickets_hidden"] == 0
    # The next one names the first (the same rule as the form's warning).
    second = api(agent).post("/api/complaints/", {**API_TICKET, "customer": customer.pk}, format="json")
    ticket = Complaint.objects.get(pk=first.json()["id"])
    assert second.json()["open_tickets"] == _brief(ticket)


def test_the_schema_documents_the_open_tickets_of_the_answer(api: Callable[[Any], Any], agent: Any) -> None:
    schema = api(agent).get("/api/schema/?format=json").json()
    created = schema["paths"]["/api/complaints/"]["post"]["responses"]["201"]
    name = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][name]["properties"]
    assert fields["open_tickets"]["readOnly"] and fields["open_tickets_hidden"]["readOnly"]
    item = fields["open_tickets"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][item]["properties"]) == {"id", "number", "status"}
    # The request is unchanged: nothing new to send.
    request = schema["paths"]["/api/complaints/"]["post"]["requestBody"]["content"]["application/json"]
    sent = schema["components"]["schemas"][request["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert "open_tickets" not in sent["properties"] and "customer" in sent["required"]
