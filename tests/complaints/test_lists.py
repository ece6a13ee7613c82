"""The complaint lists (issue #22 "Complaint lists"): search, filters, sort, saved views with live
counts, bulk transfer/assign for the customer-care manager, the masked xlsx export, and fixed query
counts. Each filter is tried with a row it must list and a row it must not.

Rules pinned here and their sources: who transfers and assigns (DOMAIN §9 "Who is responsible":
customer care transfers, the responsible department's manager assigns); mobiles masked for the roles
that do not phone customers (csat.access.FULL_MOBILE_ROLES, DOMAIN §5 — customer care and the
department managers call customers); breaches by step (DOMAIN §5 "Steps and deadlines").
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from complaints.models import Complaint, Deadline, SavedView, Status
from complaints.services.deadlines import enforce_deadlines
from csat.exports import ExportKind
from tests.factories import CustomerFactory, VehicleFactory
from tests.fixtures import T0
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _numbers(html: str) -> list[str]:
    start = html.index('data-testid="ticket-list"')
    table = html[start : html.index("</table>", start)]
    return re.findall(r'href="/complaints/\d+/">([^<]+)</a>', table)


@pytest.fixture
def pair(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    store: Any,
    care: Any,
    sales: Any,
    business_staff: Any,
    sales_mgr: Any,
    customer: Any,
) -> dict[str, Complaint]:
    """Two tickets that differ in every filtered field.

    ``a``: 王先生, 粤B12345, "发动机异响", complaint, major, grade F, urgent, dispatched to sales, its
    2-hour contact step breached, assigned to the sales manager, received today.
    ``b``: 李女士, 粤A66789, "销售顾问态度差", grievance, general, grade C, registered (customer care's
    dispatch step), received ten days ago."""
    # Fixed mobile and numbers: the search matches digits anywhere in the number, whose tail is the
    # row's primary key, so a sequence-made mobile's last four digits (…0207) could match b's number.
    customer.mobile = "13812345678"
    customer.save(update_fields=["mobile"])
    a = make_complaint(content="保养后发动机异响，要求说明原因。", urgent=True)
    a = advance(a, Status.DISPATCHED)
    li = CustomerFactory(store=store, name="李女士", mobile="13900001111")
    VehicleFactory(customer=li, plate="粤A66789")
    b = make_complaint(customer=li, content="销售顾问态度差，不理人。", kind="grievance")
    enforce_deadlines(now=T0 + dt.timedelta(hours=3))
    # b's dispatch step breached too at that hour: only a stays breached (the step filter sets its own).
    Deadline.objects.filter(complaint=b).update(breached_at=None)
    Complaint.objects.filter(pk=a.pk).update(
        severity="major", grade="F", assignee=sales_mgr, number=a.number.rsplit("-", 1)[0] + "-00001"
    )
    Complaint.objects.filter(pk=b.pk).update(
        grade="C",
        received_at=T0 - dt.timedelta(days=10),
        department=care,
        number=b.number.rsplit("-", 1)[0] + "-00002",
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.customer.name == "王先生" and a.plate == "粤B12345" and a.phone == "13812345678"
    assert b.status == Status.REGISTERED and b.plate == "粤A66789"
    return {"a": a, "b": b}


def _listed(client: Client, query: str) -> list[str]:
    response = client.get(f"/complaints/list/?{query}")
    assert response.status_code == 200, (query, response.status_code)
    return _numbers(response.content.decode())


# (query matching a only, query matching b only) per filter.
FILTERS = {
    "search-number": ("q={a.number}", "q={b.number}"),
    "search-customer": ("q=王先生", "q=李女"),
    "search-phone-tail": ("q={a_tail}", "q=1111"),
    "search-whole-phone": ("q={a.phone}", "q=13900001111"),
    "search-plate-with-province": ("q=粤B·12345", "q=粤A66789"),
    "search-plate-without-province": ("q=B12345", "q=a66789"),
    "search-words": ("q=发动机 异响", "q=态度"),
    "department": ("department={a.department_id}", "department={care_id}"),
    "kind": ("kind=complaint", "kind=grievance"),
    "severity": ("severity=major", "severity=general"),
    "grade": ("grade=F", "grade=C"),
    "status": ("status=dispatched", "status=registered"),
    "urgent": ("urgent=1", "q=李女士&urgent="),
    "breached": ("breached=1", "q=李女士&breached="),
    "step": ("step=first_contact", "q=李女士&step="),
    "date-range": ("received_from={today}&received_to={today}", "received_from={ten_days_ago}&received_to={ten_days_ago}"),
    "assignee": ("assignee={sales_mgr.pk}", "q=李女士&assignee="),
}  # fmt: skip


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_lists_the_matching_row_and_not_the_other(
    name: str, pair: dict[str, Complaint], ccm: Any, care: Any, sales_mgr: Any
) -> None:
    a, b = pair["a"], pair["b"]
    values = {
        "a": a,
        "b": b,
        "a_tail": a.phone[-4:],
        "care_id": care.pk,
        "sales_mgr": sales_mgr,
        "today": T0.date().isoformat(),
        "ten_days_ago": (T0.date() - dt.timedelta(days=10)).isoformat(),
    }
    client = _client(ccm)
    for query, yes, no in ((FILTERS[name][0], a, b), (FILTERS[name][1], b, a)):
        listed = _listed(client, query.format(**values))
        assert yes.number in listed and no.number not in listed, (name, query, listed)


def test_the_breached_step_filter_is_the_step_of_the_breach(pair: dict[str, Complaint], ccm: Any) -> None:
    """DOMAIN §5: each step is its own timer; ``step`` lists tickets breached at that step only."""
    a, b = pair["a"], pair["b"]
    Deadline.objects.filter(complaint=b, kind="dispatch").update(breached_at=T0 + dt.timedelta(hours=1))
    client = _client(ccm)
    assert _listed(client, "step=dispatch") == [b.number]
    assert _listed(client, "step=first_contact") == [a.number]
    assert _listed(client, "step=handoff") == []


def test_closed_tickets_are_listed_only_when_asked(
    pair: dict[str, Complaint], ccm: Any, advance: Callable[..., Complaint]
) -> None:
    b = pair["b"]
    Complaint.objects.filter(pk=b.pk).update(status=Status.CLOSED)
    client = _client(ccm)
    assert b.number not in _listed(client, "q=李女士")
    assert b.number in _listed(client, "q=李女士&status=all")
    assert b.number in _listed(client, "status=closed")


@pytest.mark.parametrize(
    "query",
    [
        "status=gone",
        "severity=huge",
        "kind=x",
        "grade=Z",
        "department=abc",
        "department=999999",
        "assignee=-1",
        "received_from=2026-13-01",
        "received_from=2026-03-10&received_to=2026-03-01",
        "sort=password",
        "urgent=yes",
        "step=nope",
    ],
)
def test_an_invalid_filter_is_a_400_that_says_which(query: str, ccm: Any, pair: dict[str, Complaint]) -> None:
    """A refused value is a clear message in the filter bar and no rows, never a 500 or a wider list."""
    response = _client(ccm).get(f"/complaints/list/?{query}")
    assert response.status_code == 400, query
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html and "筛选条件有误" in html
    assert _numbers(html) == []
    export = _client(ccm).get(f"/complaints/list/export.xlsx?{query}")
    assert export.status_code == 400 and export["Content-Type"].startswith("text/plain")


def test_column_headers_sort_both_ways_and_keep_the_filters(pair: dict[str, Complaint], ccm: Any) -> None:
    a, b = pair["a"], pair["b"]
    client = _client(ccm)
    by_received = _listed(client, "sort=received")
    assert by_received.index(b.number) < by_received.index(a.number)  # b was received 10 days ago
    newest_first = _listed(client, "sort=-received")
    assert newest_first.index(a.number) < newest_first.index(b.number)
    by_customer = _listed(client, "sort=customer")
    assert by_customer == sorted(by_customer, key=lambda n: {a.number: "王先生", b.number: "李女士"}[n])
    html = client.get("/complaints/list/?kind=complaint&sort=received").content.decode()
    # The header of the sorted column flips it, and every header keeps the filters.
    assert 'href="?kind=complaint&amp;sort=-received" class="text-reset" data-testid="sort-received"' in html
    assert 'aria-sort="ascending"' in html
    assert 'href="?kind=complaint&amp;sort=number"' in html


def test_the_filter_bar_keeps_the_order_and_offers_it_on_a_phone(
    pair: dict[str, Complaint], ccm: Any
) -> None:
    # The column headers are hidden on a phone (each ticket a card): the filter bar's order select
    # offers both ways of each sortable column, holds the current order (so filtering keeps it at
    # the desk too), and gives the default order as "" so that a saved view's query is unchanged.
    client = _client(ccm)
    html = client.get("/complaints/list/?sort=-received").content.decode()
    select = html[
        html.index('data-testid="filter-sort"') : html.index(
            "</select>", html.index('data-testid="filter-sort"')
        )
    ]
    assert '<option value="-received" selected>接收时间 ▼</option>' in select
    assert (
        '<option value="">下一时限 ▲</option>' in select
        and '<option value="-due">下一时限 ▼</option>' in select
    )
    # Each sortable column (the headers' links), each way; the default order first.
    assert select.count("<option") == 2 * 9
    assert select.index('<option value="">') < select.index('<option value="number">')
    assert html.count('name="sort"') == 1
    html = client.get("/complaints/list/").content.decode()
    assert '<option value="" selected>下一时限 ▲</option>' in html
    # Submitted with the default order, the list is the same list and keeps no "sort" in its links.
    a, b = pair["a"], pair["b"]
    assert _listed(client, "kind=&sort=") == _listed(client, "")
    assert "sort=&" not in client.get("/complaints/list/?kind=complaint&sort=").content.decode()
    assert {a.number, b.number} <= set(_listed(client, "sort="))


def test_the_phone_tail_needs_four_digits(pair: dict[str, Complaint], ccm: Any) -> None:
    """Three digits are not a phone search (they would match most numbers); they still search
    ticket numbers and words."""
    listed = _listed(_client(ccm), "q=111")
    assert pair["b"].number not in listed


# --- saved views --------------------------------------------------------------------------------


def _view_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="view-count-([\w-]+)">([^<]+)<', html))


def test_saved_views_count_live_and_belong_to_their_user(
    pair: dict[str, Complaint], ccm: Any, agent: Any
) -> None:
    client = _client(ccm)
    html = client.get("/complaints/list/").content.decode()
    counts = _view_counts(html)
    # customer care's built-in views: to register 0, to dispatch 1 (b), breached 1 (a), all open 2,
    # my to-dos 1 (b, to dispatch)
    assert counts["register"] == "0" and counts["dispatch"] == "1"
    assert counts["breached"] == "1" and counts["open"] == "2" and counts["todo"] == "1"
    assert 'data-testid="view-followup"' in html and 'data-testid="view-approvals"' in html

    # Save the current filters as a view: it lists with its own live count.
    response = client.post("/complaints/list/views/", {"name": "重大投诉", "query": "severity=major&page=3"})
    assert response.status_code == 302 and response["Location"] == "/complaints/list/?severity=major"
    view = SavedView.objects.get(user=ccm)
    assert view.query == "severity=major"  # no page, canonical order
    counts = _view_counts(client.get("/complaints/list/").content.decode())
    assert counts[f"saved-{view.pk}"] == "1"
    Complaint.objects.filter(pk=pair["b"].pk).update(severity="major")
    html = client.get("/complaints/list/?severity=major").content.decode()
    assert _view_counts(html)[f"saved-{view.pk}"] == "2"
    # The list shown is the saved view's: it is marked in the side list.
    assert re.search(rf'class="[^"]*\bactive\b[^"]*" data-testid="view-saved-{view.pk}"', html)
    assert not re.search(r'class="[^"]*\bactive\b[^"]*" data-testid="view-open"', html)

    # Another user neither sees nor deletes it.
    other = _client(agent)
    assert f"saved-{view.pk}" not in _view_counts(other.get("/complaints/list/").content.decode())
    assert other.post(f"/complaints/list/views/{view.pk}/delete/").status_code == 404
    assert client.post(f"/complaints/list/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_a_saved_view_with_invalid_filters_is_refused(ccm: Any) -> None:
    client = _client(ccm)
    client.post("/complaints/list/views/", {"name": "坏的", "query": "status=gone"})
    assert not SavedView.objects.exists()


def test_each_role_has_its_built_in_views(
    pair: dict[str, Complaint], sales_mgr: Any, gm: Any, business_staff: Any
) -> None:
    manager = _view_counts(_client(sales_mgr).get("/complaints/list/").content.decode())
    # the sales manager's to-dos: a (dispatched to sales); new dispatches 1; breached 1
    assert manager["todo"] == "1" and manager["new"] == "1" and manager["breached"] == "1"
    general = _view_counts(_client(gm).get("/complaints/list/").content.decode())
    assert general["approvals"] == "0" and general["major"] == "1" and general["urgent"] == "1"


# --- bulk transfer / assign -----------------------------------------------------------------------


def test_bulk_actions_are_refused_to_an_agent_and_a_department_manager(
    pair: dict[str, Complaint], agent: Any, sales_mgr: Any, business: Any
) -> None:
    """DOMAIN §9: customer care transfers one ticket at a time; the bulk action is the customer-care
    manager's alone (a department manager assigns only in their own department, on the ticket)."""
    a = pair["a"]
    for user in (agent, sales_mgr):
        response = _client(user).post(
            "/complaints/list/bulk/",
            {"action": "transfer", "ids": [a.pk], "department": business.pk, "reason": "应由业务部处理"},
        )
        assert response.status_code == 403
    a.refresh_from_db()
    assert a.department.kind == "sales"


def test_bulk_transfer_moves_each_ticket_and_reports_each_failure(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    ccm: Any,
    business: Any,
    other_agent: Any,
    other_store: Any,
) -> None:
    """Each ticket through the transfer service in its own transaction (DOMAIN §9: a new 2-hour step
    for the receiving department); a ticket in the wrong state fails alone, with its reason."""
    one = advance(make_complaint(), Status.DISPATCHED)
    two = advance(make_complaint(), Status.DISPATCHED)
    registered = make_complaint()  # not dispatched yet: nothing to transfer
    other_customer = CustomerFactory(store=other_store, name="外店客户")
    from complaints.services import workflow

    other = workflow.complaint_create(
        actor=other_agent,
        customer=other_customer,
        content="外店投诉",
        received_by_department=other_agent.profile.department,
    )
    client = _client(ccm)
    response = client.post(
        "/complaints/list/bulk/",
        {
            "action": "transfer",
            "ids": [one.pk, two.pk, registered.pk, other.pk],
            "department": business.pk,
            "reason": "应由业务部处理",
            "back": "status=dispatched",
        },
        follow=True,
    )
    assert response.redirect_chain[0] == ("/complaints/list/?status=dispatched", 302)
    html = response.content.decode()
    for ticket in (one, two):
        ticket.refresh_from_db()
        assert ticket.department_id == business.pk
        assert ticket.deadlines.filter(kind="first_contact", department=business, met_at=None).exists()
    assert "已转派 2 件投诉" in html
    assert f"{registered.number} 未处理" in html
    assert f"#{other.pk} 未处理" in html  # the other store's ticket: not found, no hint it exists
    registered.refresh_from_db()
    other.refresh_from_db()
    assert registered.status == Status.REGISTERED and other.department_id != business.pk


def test_bulk_assign_names_a_person_of_the_care_department(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    ccm: Any,
    agent: Any,
    care: Any,
) -> None:
    """The customer-care manager is the manager of the care department: the tickets transferred to it
    may be assigned to an agent in bulk (the assign service checks the department per ticket)."""
    a = advance(make_complaint(), Status.DISPATCHED)
    b = advance(make_complaint(), Status.DISPATCHED)
    client = _client(ccm)
    client.post(
        "/complaints/list/bulk/",
        {"action": "transfer", "ids": [a.pk], "department": care.pk, "reason": "客户部跟进"},
    )
    response = client.post(
        "/complaints/list/bulk/", {"action": "assign", "ids": [a.pk, b.pk], "user": agent.pk}, follow=True
    )
    html = response.content.decode()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.assignee_id == agent.pk and b.assignee_id is None
    assert "已指派 1 件投诉" in html and f"{b.number} 未处理" in html


def test_bulk_without_what_the_step_needs_changes_nothing(pair: dict[str, Complaint], ccm: Any) -> None:
    a = pair["a"]
    response = _client(ccm).post("/complaints/list/bulk/", {"action": "transfer", "ids": [a.pk]}, follow=True)
    html = response.content.decode()
    assert "请选择责任部门" in html and "请填写转派原因" in html
    a.refresh_from_db()
    assert a.department.kind == "sales"


def test_the_filter_bar_and_the_bulk_bar_each_label_their_own_controls(
    pair: dict[str, Complaint], ccm: Any
) -> None:
    """Both bars have a department select; with one id for both, the bulk bar's label pointed at the
    filter bar's select and the bulk one had no name for a screen reader (found by the e2e journey)."""
    html = _client(ccm).get("/complaints/list/").content.decode()
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for control in (
        "id_department",
        "id_bulk_department",
        "id_bulk_action",
        "id_bulk_reason",
        "id_bulk_user",
    ):
        assert f'id="{control}"' in html and f'for="{control}"' in html, control


# --- export -------------------------------------------------------------------------------------


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return list(ws.iter_rows(values_only=True))


def test_export_is_the_filtered_list_masked_as_the_role_requires(
    pair: dict[str, Complaint], ccm: Any, gm: Any
) -> None:
    """Customer care phones customers and sees the whole number and plate; the GM does not phone them:
    138****5678 and 粤B·***45 in the GM's file (csat.access.FULL_MOBILE_ROLES)."""
    a, b = pair["a"], pair["b"]
    rows = _sheet(_client(ccm).get("/complaints/list/export.xlsx?kind=complaint"))
    header, body = rows[0], rows[1:]
    assert header[:5] == ("编号", "接收时间", "客户", "联系电话", "车牌号")
    assert [r[0] for r in body] == [a.number]
    assert body[0][2] == "王先生" and body[0][3] == a.phone and body[0][4] == "粤B·12345"
    assert body[0][14] >= 1  # breaches
    assert "发动机异响" in body[0][15]

    rows = _sheet(_client(gm).get("/complaints/list/export.xlsx?sort=number"))
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == {a.number, b.number}
    assert by_number[b.number][3] == "139****1111" and by_number[b.number][4] == "粤A·***89"
    assert a.phone not in str(rows)

    from audit.models import ExportRecord

    record = ExportRecord.objects.filter(kind=ExportKind.COMPLAINT_LIST).order_by("pk").first()
    assert record is not None and record.row_count == 1 and record.scope == {"kind": "complaint"}


# --- query counts -------------------------------------------------------------------------------


def test_the_filtered_list_and_the_view_counts_have_a_fixed_query_count(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    ccm: Any,
    sales_mgr: Any,
) -> None:
    """Whatever the rows and the saved views: the user, the filter bar's departments and people, the
    page of ids, that page's rows, the saved views, every view's count and the list's in one
    aggregate."""
    for i in range(3):
        SavedView.objects.create(
            user=ccm, name=f"视图{i}", query=f"q=异响&kind=complaint&urgent={'1' if i else ''}"
        )

    def grow(k: int) -> None:
        for i in range(k):
            ticket = make_complaint(urgent=bool(i % 2), content=f"发动机异响 {i}")
            if i % 2:
                advance(ticket, Status.DISPATCHED)
        enforce_deadlines(now=T0 + dt.timedelta(hours=3))

    query = "q=异响&kind=complaint&severity=general&received_from=2026-03-01&sort=-received"
    assert_flat(
        {
            "filtered": (ccm, f"/complaints/list/?{query}", False),
            "views": (ccm, "/complaints/list/", False),
            "manager": (sales_mgr, "/complaints/list/?breached=1&sort=customer", False),
        },
        grow,
        # Issue #25: the list's own count is one more filter of the views' aggregate (and cached
        # with the views' counts until the next write): one query fewer. Customer care's list asks
        # when the next follow-up window opens (its kept block lasts until then): one more.
        pinned={"filtered": 8, "views": 7, "manager": 7},
    )


def test_view_counts_are_one_aggregate_query(pair: dict[str, Complaint], ccm: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints import filters, ticket_lists

    choices = filters.choices_for(ccm)
    sets = {}
    for i, view in enumerate(filters.builtin_views(ccm)):
        form = filters.TicketFilterForm(filters.parse_query(view.query), **choices)
        assert form.is_valid()
        sets[f"v{i}"] = form.filters()
    sets["search"] = {"search": "王先生 异响"}
    with CaptureQueriesContext(connection) as ctx:
        counts = ticket_lists.view_counts(user=ccm, filter_sets=sets)
    assert len(ctx.captured_queries) == 1
    assert counts["search"] == 1 and len(counts) == len(sets)
