"""Who reads the board's latent-crisis warnings (潜伏期预警): each quotes the customer's own words from
the record that showed it, so the list is for those who act on a warning (open a case from it or
dismiss it: crisis.permissions.can_open), and of it only the warnings whose record the reader may
read: a ticket they may open (404 otherwise), a survey they may read. The GM's home tiles count the
rows the GM's board shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from crisis.early_warning import scan_text
from crisis.models import WarningSignal
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SALES_WORDS = "提车三天就漏油，再不解决我就找记者曝光"
SERVICE_WORDS = "修完第二天刹车又失灵，我要去消协投诉"
SURVEY_WORDS = "回访时客户说要发抖音曝光你们"


@pytest.fixture
def warnings(
    clock: Any, store: Any, make_complaint: Callable[..., Any], sales: Any, service_dept: Any
) -> dict[str, Any]:
    """Three customers with a pending warning each: from a sales ticket, a service ticket, a survey."""
    customers: list[Any] = [
        CustomerFactory(store=store, name=name) for name in ("张先生", "李女士", "赵先生")
    ]
    zhang, li, zhao = customers
    sales_ticket = make_complaint(customer=zhang, content=SALES_WORDS, dispatch_to=sales)
    service_ticket = make_complaint(customer=li, content=SERVICE_WORDS, dispatch_to=service_dept)
    (survey_signal, *_) = scan_text(
        source=WarningSignal.Source.SURVEY, record_id=zhao.pk, store_id=store.pk, customer_id=zhao.pk,
        text=SURVEY_WORDS,
    )  # fmt: skip
    pending = WarningSignal.objects.filter(crisis__isnull=True, dismissed_at__isnull=True)
    assert {s.source for s in pending} == {WarningSignal.Source.COMPLAINT, WarningSignal.Source.SURVEY}
    found = {
        "sales": pending.filter(source="complaint", record_id=sales_ticket.pk).first(),
        "service": pending.filter(source="complaint", record_id=service_ticket.pk).first(),
        "survey": survey_signal,
        "sales_ticket": sales_ticket,
        "service_ticket": service_ticket,
    }
    assert all(found.values())
    return found


def board(user: Any, query: str = "") -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/crisis/{query}")
    assert response.status_code == 200
    return response.content.decode()


def rows(page: str) -> list[str]:
    return [part.split("</tr>")[0] for part in page.split('data-testid="signal-row"')[1:]]


@pytest.mark.parametrize("who", ["front_line", "business_staff", "viewer"])
def test_who_acts_on_no_warning_sees_no_warning_section(
    request: pytest.FixtureRequest, warnings: dict[str, Any], who: str
) -> None:
    """Front-line staff (and head office, who reads and changes nothing) may not open or dismiss a
    warning (403): the board shows them no section, not the customers' words, not a count."""
    user = request.getfixturevalue(who)
    for query in ("", "?grade=G", "?grade=none"):
        page = board(user, query)
        assert 'data-testid="latent-warnings"' not in page, (who, query)
        assert "潜伏期预警" not in page
        for words in (SALES_WORDS, SERVICE_WORDS, SURVEY_WORDS):
            assert words not in page
        assert "张先生" not in page and "赵先生" not in page
    client = Client()
    client.force_login(user)
    response = client.post(f"/crisis/signals/{warnings['survey'].pk}/dismiss/", {"reason": "非危机"})
    assert response.status_code == 403


def test_a_department_manager_sees_the_warnings_of_their_tickets_and_surveys_only(
    warnings: dict[str, Any], sales_mgr: Any, gm: Any, agent: Any, ccm: Any
) -> None:
    page = board(sales_mgr)
    assert 'data-testid="latent-warnings"' in page
    shown = rows(page)
    assert len(shown) == 2
    assert any("张先生" in row and SALES_WORDS in row for row in shown)  # their department's ticket
    assert any("赵先生" in row and SURVEY_WORDS in row for row in shown)  # a survey (they read surveys)
    assert SERVICE_WORDS not in page and "李女士" not in page  # another department's ticket: 404 for them
    client = Client()
    client.force_login(sales_mgr)
    assert client.get(f"/complaints/{warnings['service_ticket'].pk}/").status_code == 404
    # Customer care and the GM open every ticket of the store: they see every warning.
    for user in (gm, agent, ccm):
        page = board(user)
        assert len(rows(page)) == 3, user.username
        assert all(words in page for words in (SALES_WORDS, SERVICE_WORDS, SURVEY_WORDS)), user.username
    # The GM's home tiles count the rows of the board each opens.
    client.force_login(gm)
    tiles = [tile for tile in client.get("/").context["tiles"] if tile.key.startswith("signals-")]
    assert sum(tile.count for tile in tiles) == 3
    for tile in tiles:
        assert len(rows(board(gm, "?" + tile.url.split("?")[1].split("#")[0]))) == tile.count, tile.key


def test_a_department_manager_with_only_others_warnings_sees_no_section(
    warnings: dict[str, Any], service_mgr: Any
) -> None:
    WarningSignal.objects.exclude(pk=warnings["sales"].pk).update(dismissed_at=warnings["sales"].created_at)
    page = board(service_mgr)
    assert 'data-testid="latent-warnings"' not in page and SALES_WORDS not in page


def test_a_department_manager_may_not_judge_a_warning_they_may_not_read(
    warnings: dict[str, Any], sales_mgr: Any
) -> None:
    client = Client()
    client.force_login(sales_mgr)
    hidden = warnings["service"]
    for what in ("dismiss", "open"):
        response = client.post(f"/crisis/signals/{hidden.pk}/{what}/", {"reason": "客户已和解"})
        assert response.status_code == 404, what
    hidden.refresh_from_db()
    assert hidden.is_pending
    # Their own department's warning they dismiss as before.
    own = warnings["sales"]
    assert client.post(f"/crisis/signals/{own.pk}/dismiss/", {"reason": "客户已和解"}).status_code == 302
    own.refresh_from_db()
    assert own.dismissed_at is not None


def test_the_ticket_page_names_only_the_customers_warnings_its_reader_may_read(
    warnings: dict[str, Any], make_complaint: Callable[..., Any], sales: Any, sales_mgr: Any, ccm: Any
) -> None:
    """The ticket's warning box lists the customer's signs from all their records: a sales manager's
    ticket of a customer with a warning from a service ticket named the service ticket's matched
    words (消协), a ticket the sales manager gets a 404 for."""
    li = warnings["service_ticket"].customer
    own = make_complaint(customer=li, content="交车时少了一把钥匙", dispatch_to=sales)

    def box(user: Any) -> str:
        client = Client()
        client.force_login(user)
        page = client.get(f"/complaints/{own.pk}/").content.decode()
        return (
            page.split('data-testid="signals"')[1].split("</div>")[0]
            if 'data-testid="signals"' in page
            else ""
        )

    service_sign = warnings["service"].explanation_text
    assert service_sign in box(ccm)  # customer care reads every ticket of the store
    assert service_sign not in box(sales_mgr)
