"""Head office works the ticket list by store (the help-desk parity audit): a user who sees several
stores filters by store and by department type across stores (销售部 in every store), sees each
row's store (table, phone card, export), and picks an assignee of the chosen store from people
grouped by department; a user of one store keeps the department filter and cannot reach another
store by crafting the query string (a 400, never a wider list). Saved views and the export take the
new filters; the list's query count stays fixed at group scope.

Rules pinned here and their sources: head office reads every store (csat.access.sees_all_stores,
DOMAIN §9 roles); an assignee is a person of the ticket's department, never the GM
(complaints.services.accountability.complaint_assign; DOMAIN §9 "Who is responsible").
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from complaints import filters, rows, selectors
from complaints.models import Complaint, SavedView, Status
from complaints.services import workflow
from complaints.services.deadlines import enforce_deadlines
from csat.models import DepartmentKind, Role
from tests.factories import CustomerFactory, DepartmentFactory
from tests.fixtures import T0, make_staff
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _numbers(html: str) -> set[str]:
    start = html.index('data-testid="ticket-list"')
    table = html[start : html.index("</table>", start)]
    return set(re.findall(r'href="/complaints/\d+/">([^<]+)</a>', table))


@pytest.fixture
def group(
    clock: Any,
    customer: Any,
    store: Any,
    other_store: Any,
    sales: Any,
    business: Any,
    agent: Any,
    ccm: Any,
    sales_mgr: Any,
    business_mgr: Any,
    gm: Any,
    hq: Any,
    other_agent: Any,
) -> dict[str, Any]:
    """Two stores (深圳福田店 A, 广州天河店 B), a dispatched ticket of each store's sales and business
    departments; ``a_sales`` assigned to A's sales manager. B has a sales manager too."""
    b_care = other_agent.profile.department
    b_sales = DepartmentFactory(store=other_store, kind=DepartmentKind.SALES)
    b_biz = DepartmentFactory(store=other_store, kind=DepartmentKind.BUSINESS)
    b_mgr = make_staff("sales_mgr_gz", Role.DEPARTMENT_MANAGER, other_store, b_sales)
    b_customer = CustomerFactory(store=other_store, name="赵先生")

    def ticket(actor: Any, customer: Any, care: Any, department: Any) -> Complaint:
        made = workflow.complaint_create(
            actor=actor,
            customer=customer,
            content="车辆异响。",
            received_by_department=care,
            category="sales",
        )
        return workflow.complaint_dispatch(complaint=made, actor=actor, department=department)

    care = agent.profile.department
    tickets = {
        "a_sales": ticket(agent, customer, care, sales),
        "a_business": ticket(agent, customer, care, business),
        "b_sales": ticket(other_agent, b_customer, b_care, b_sales),
        "b_business": ticket(other_agent, b_customer, b_care, b_biz),
    }
    Complaint.objects.filter(pk=tickets["a_sales"].pk).update(assignee=sales_mgr)
    for t in tickets.values():
        t.refresh_from_db()
    return {
        **tickets,
        "a": store,
        "b": other_store,
        "b_sales_dept": b_sales,
        "b_mgr": b_mgr,
    }


def _listed(client: Client, query: str, status: int = 200) -> set[str]:
    response = client.get(f"/complaints/list/?{query}")
    assert response.status_code == status, (query, response.status_code)
    return _numbers(response.content.decode())


def _names(group: dict[str, Any], *keys: str) -> set[str]:
    return {group[k].number for k in keys}


# --- head office: store and department type ------------------------------------------------------


def test_head_office_filters_by_store_and_by_department_type_across_stores(
    group: dict[str, Any], hq: Any
) -> None:
    client = _client(hq)
    a, b = group["a"].pk, group["b"].pk
    assert _listed(client, "") == _names(group, "a_sales", "a_business", "b_sales", "b_business")
    assert _listed(client, f"store={b}") == _names(group, "b_sales", "b_business")
    assert _listed(client, "department_kind=sales") == _names(group, "a_sales", "b_sales")
    assert _listed(client, f"store={a}&department_kind=business") == _names(group, "a_business")
    # A link naming one store's department (a report's drill) still lists it.
    assert _listed(client, f"department={group['b_sales_dept'].pk}") == _names(group, "b_sales")


def test_head_office_sees_a_store_select_a_type_select_and_each_rows_store(
    group: dict[str, Any], hq: Any
) -> None:
    html = _client(hq).get(f"/complaints/list/?department={group['b_sales_dept'].pk}").content.decode()
    assert 'data-testid="filter-store"' in html and 'data-testid="filter-department_kind"' in html
    # One store's department is no select of theirs (400 options at group scale): kept hidden.
    assert 'data-testid="filter-department"' not in html
    assert f'<input type="hidden" name="department" value="{group["b_sales_dept"].pk}">' in html
    # The chip names the store of the department.
    assert "广州天河店 · 销售部" in html
    # The type select: each department type once, not each store's department.
    kinds = re.search(r'<select name="department_kind".*?</select>', html, re.S)
    assert kinds is not None and kinds.group(0).count("<option") == len(DepartmentKind.values) + 1
    # The store column: its header and the row's store before its department.
    assert re.search(r'<th scope="col" class="col-store"><a [^>]*data-testid="sort-store">门店</a>', html)
    assert '<td class="col-store">广州天河店</td>' in html
    assert "with-store" in html


def test_one_stores_users_keep_the_department_filter_and_no_store_column(
    group: dict[str, Any], ccm: Any, sales_mgr: Any
) -> None:
    for user in (ccm, sales_mgr):
        html = _client(user).get("/complaints/list/").content.decode()
        assert 'data-testid="filter-department"' in html
        assert 'data-testid="filter-store"' not in html and 'data-testid="filter-department_kind"' not in html
        assert "col-store" not in html and "with-store" not in html
        assert "广州天河店" not in html


@pytest.mark.parametrize("who", ["ccm", "sales_mgr"])
@pytest.mark.parametrize(
    "query",
    [
        "store={b}",
        "store={b}&department_kind=sales",
        "department={b_sales}",
        "assignee={b_mgr}",
        "store={b}&assignee={b_mgr}",
    ],
)
def test_a_store_manager_cannot_reach_another_store_by_the_query_string(
    group: dict[str, Any], request: pytest.FixtureRequest, who: str, query: str
) -> None:
    user = request.getfixturevalue(who)
    values = {"b": group["b"].pk, "b_sales": group["b_sales_dept"].pk, "b_mgr": group["b_mgr"].pk}
    client = _client(user)
    response = client.get("/complaints/list/?" + query.format(**values))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    assert not _numbers(html)
    # The export refuses it the same way; a saved view of it is refused.
    assert client.get("/complaints/list/export.xlsx?" + query.format(**values)).status_code == 400
    client.post("/complaints/list/views/", {"name": "别店", "query": query.format(**values)})
    assert not SavedView.objects.filter(user=user).exists()


def test_a_store_managers_own_store_and_type_narrow_only_their_tickets(
    group: dict[str, Any], ccm: Any
) -> None:
    client = _client(ccm)
    assert _listed(client, f"store={group['a'].pk}") == _names(group, "a_sales", "a_business")
    # The type is their store's department of that type: never the other store's.
    assert _listed(client, "department_kind=sales") == _names(group, "a_sales")


# --- assignees ---------------------------------------------------------------------------------


def _options(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert found is not None, name
    return found.group(0)


def test_assignee_options_are_grouped_by_department_without_the_gm(
    group: dict[str, Any], ccm: Any, sales_mgr: Any, business_mgr: Any, agent: Any, gm: Any, hq: Any
) -> None:
    select = _options(_client(ccm).get("/complaints/list/").content.decode(), "assignee")
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    by_group = {label: re.findall(r'<option value="(\d+)"', body) for label, body in groups}
    assert by_group["销售部"] == [str(sales_mgr.pk)]
    assert by_group["业务部"] == [str(business_mgr.pk)]
    assert str(agent.pk) in by_group["客户部"] and str(ccm.pk) in by_group["客户部"]
    offered = {pk for pks in by_group.values() for pk in pks}
    assert str(gm.pk) not in offered and str(hq.pk) not in offered
    assert str(group["b_mgr"].pk) not in offered  # the other store's people
    # Each department's group in the departments' order, after "全部".
    assert select.index("全部") < select.index("<optgroup")


def test_head_office_picks_an_assignee_of_the_chosen_store(
    group: dict[str, Any], hq: Any, sales_mgr: Any
) -> None:
    client = _client(hq)
    a, b = group["a"].pk, group["b"].pk
    # No store chosen: the select says to choose one first, and an assignee alone is refused.
    select = _options(client.get("/complaints/list/").content.decode(), "assignee")
    assert "disabled" in select and "先选择门店" in select and "<optgroup" not in select
    response = client.get(f"/complaints/list/?assignee={sales_mgr.pk}")
    assert response.status_code == 400 and "请先选择门店" in response.content.decode()
    # A store chosen: that store's people, grouped; the list by one of them.
    html = client.get(f"/complaints/list/?store={a}").content.decode()
    select = _options(html, "assignee")
    assert "disabled" not in select and '<optgroup label="销售部">' in select
    assert f'value="{sales_mgr.pk}"' in select and f'value="{group["b_mgr"].pk}"' not in select
    assert _listed(client, f"store={a}&assignee={sales_mgr.pk}") == _names(group, "a_sales")
    # A person of another store than the one chosen is no choice.
    _listed(client, f"store={b}&assignee={sales_mgr.pk}", status=400)


def test_assignable_people_are_active_people_of_a_department_not_the_gm(
    group: dict[str, Any], store: Any, sales_mgr: Any, gm: Any, hq: Any, agent: Any
) -> None:
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    found = set(selectors.assignable_people(store_ids=[store.pk]))
    assert sales_mgr in found
    assert gm not in found and hq not in found and agent not in found
    assert group["b_mgr"] not in found


# --- saved views and the export ----------------------------------------------------------------


def test_head_office_saves_a_view_by_store_and_type_and_it_counts_its_tickets(
    group: dict[str, Any], hq: Any, sales_mgr: Any
) -> None:
    client = _client(hq)
    b = group["b"].pk
    query = f"department_kind=sales&store={b}"
    response = client.post("/complaints/list/views/", {"name": "广州销售", "query": query})
    assert response.status_code == 302
    view = SavedView.objects.get(user=hq, name="广州销售")
    assert view.query == f"store={b}&department_kind=sales"  # the canonical order
    SavedView.objects.create(user=hq, name="福田张强", query=f"store={group['a'].pk}&assignee={sales_mgr.pk}")
    html = client.get(f"/complaints/list/?{view.query}").content.decode()
    counts = dict(re.findall(r'data-testid="view-count-(saved-\d+)">([^<]+)<', html))
    assert counts[f"saved-{view.pk}"] == "1"
    other = SavedView.objects.get(name="福田张强")
    assert counts[f"saved-{other.pk}"] == "1"  # a view naming another store's person counts too
    assert _numbers(html) == _names(group, "b_sales")
    assert 'aria-current="page">广州销售' in html


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))


def test_the_export_takes_the_store_and_type_and_names_each_rows_store(
    group: dict[str, Any], hq: Any, ccm: Any
) -> None:
    sheet = _sheet(
        _client(hq).get(f"/complaints/list/export.xlsx?store={group['b'].pk}&department_kind=sales")
    )
    header, body = sheet[0], sheet[1:]
    assert [r[0] for r in body] == [group["b_sales"].number]
    store_col = header.index("门店")
    assert header[store_col + 1] == "责任部门"
    assert body[0][store_col] == "广州天河店" and body[0][store_col + 1] == "销售部"
    # One store's export: as before, no store column.
    header = _sheet(_client(ccm).get("/complaints/list/export.xlsx?department_kind=sales"))[0]
    assert "门店" not in header


# --- rows and query counts -----------------------------------------------------------------------


def test_the_rows_store_cell_is_the_markup_of_the_row_template(group: dict[str, Any], hq: Any) -> None:
    from django.template.loader import render_to_string
    from django.test.html import parse_html

    shown = selectors.ticket_rows(user=hq, ids=[group["a_sales"].pk, group["b_business"].pk])
    names = {group["a"].pk: "深圳福田店", group["b"].pk: "广州天河店"}
    python = rows.list_rows(shown, can_bulk=False, store_names=names)
    template = "".join(
        render_to_string(
            "complaints/partials/_list_row.html",
            {"c": c, "can_bulk": False, "tickets_url": "/complaints/", "show_store": True,
             "store_name": names.get(c.store_id)},
        )
        for c in shown
    )  # fmt: skip
    assert parse_html(python) == parse_html(template)
    assert python.count('class="col-store"') == 2 and "广州天河店" in python


def test_choices_read_stores_departments_and_people_in_two_queries_at_most(
    group: dict[str, Any], hq: Any, ccm: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):  # head office, no store asked: no person to offer
        found = filters.choices_for(hq)
    assert found["multi_store"] and found["people"] == []
    assert {name for _pk, name in found["stores"]} == {"深圳福田店", "广州天河店"}
    with django_assert_num_queries(2):
        found = filters.choices_for(hq, stores=[str(group["b"].pk), "x", "999999"])
    assert {p.store_id for p in found["people"]} == {group["b"].pk}
    with django_assert_num_queries(2):
        found = filters.choices_for(ccm, stores=[str(group["b"].pk)])  # one store's: their own
    assert not found["multi_store"] and {p.store_id for p in found["people"]} == {group["a"].pk}


def test_head_offices_list_has_a_fixed_query_count_whatever_the_stores_and_rows(
    group: dict[str, Any],
    hq: Any,
    agent: Any,
    other_agent: Any,
    sales: Any,
    sales_mgr: Any,
) -> None:
    """Whatever the rows, stores and saved views: the stores with their departments (one query), the
    people of the chosen and the saved views' stores (one, only when a store is named), the page of
    ids, that page's rows, the saved views, every view's count and the list's in one aggregate."""
    a, b = group["a"].pk, group["b"].pk
    SavedView.objects.create(user=hq, name="广州", query=f"store={b}&department_kind=sales")
    SavedView.objects.create(user=hq, name="福田张强", query=f"store={a}&assignee={sales_mgr.pk}")
    b_care, b_sales = other_agent.profile.department, group["b_sales_dept"]
    b_customer = group["b_sales"].customer
    care = agent.profile.department
    added = [0]

    def grow(k: int) -> None:
        for i in range(k):
            # Each round another store with its departments, and a ticket in each of A and B.
            extra = DepartmentFactory(store__code=f"X{added[0]:03d}", kind=DepartmentKind.SALES).store
            DepartmentFactory(store=extra, kind=DepartmentKind.SERVICE)
            added[0] += 1
            for actor, customer, received, department in (
                (agent, group["a_sales"].customer, care, sales),
                (other_agent, b_customer, b_care, b_sales),
            ):
                made = workflow.complaint_create(
                    actor=actor, customer=customer, content=f"异响 {i}", received_by_department=received
                )
                workflow.complaint_dispatch(complaint=made, actor=actor, department=department)
            Complaint.objects.filter(status=Status.DISPATCHED, store_id=a, assignee=None).update(
                assignee=sales_mgr
            )
        enforce_deadlines(now=T0 + dt.timedelta(hours=3))

    bodies = assert_flat(
        {
            "all": (hq, "/complaints/list/", False),
            "by store": (
                hq,
                f"/complaints/list/?store={a}&department_kind=sales&assignee={sales_mgr.pk}",
                False,
            ),
            "by type": (hq, "/complaints/list/?department_kind=sales&sort=store", False),
        },
        grow,
        # The saved views, the stores with their departments, the people of the stores named (the
        # list's and the saved views'), the counts' aggregate, the page of ids, its rows; the first
        # page after the writes reads the signed-in user and the unread count again (kept per user).
        pinned={"all": 8, "by store": 6, "by type": 6},
    )
    assert bodies["by type"].count('class="col-store"') > 6


# --- the board (partials/_ticket_groups.html, _ticket_table.html) --------------------------------


def _board_row(html: str, number: str) -> str:
    """The text of the board's row of ticket ``number``, its cells separated by "|"."""
    row = re.search(rf"<tr[^>]*>\s*<td class=\"col-number\"><a [^>]*>{number}</a>.*?</tr>", html, re.S)
    assert row, number
    return "|".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", row[0], re.S))


def test_head_offices_board_names_each_rows_store_before_its_department(
    group: dict[str, Any], hq: Any, agent: Any
) -> None:
    """Each store has a 销售部: on head office's board the two tickets of "销售部" read the same
    until each row names its store (as the full list does). One store's users see no store column."""
    html = _client(hq).get("/complaints/").content.decode()
    start = html.index('data-testid="board"')
    board = html[start : html.index("</table>", start)]
    assert '<th scope="col" class="col-store">门店</th><th scope="col" class="col-department">' in board
    assert "|深圳福田店|销售部|" in _board_row(board, group["a_sales"].number)
    assert "|广州天河店|销售部|" in _board_row(board, group["b_sales"].number)
    assert "|广州天河店|业务部|" in _board_row(board, group["b_business"].number)
    # The step's heading and its empty-group row span the one column more.
    assert 'colspan="8"' in board and 'colspan="7"' not in board
    own = _client(agent).get("/complaints/").content.decode()
    assert "col-store" not in own and "|销售部|" in _board_row(own, group["a_sales"].number)
    assert "广州天河店" not in _board_row(own, group["a_sales"].number)


def test_head_offices_board_has_a_fixed_query_count_whatever_the_stores_and_rows(
    group: dict[str, Any], hq: Any, agent: Any, other_agent: Any, sales: Any
) -> None:
    """The store of each row comes with the row (a join): no query per row or per store."""
    b_care, b_sales = other_agent.profile.department, group["b_sales_dept"]
    added = [0]

    def grow(k: int) -> None:
        for i in range(k):
            extra = DepartmentFactory(store__code=f"Y{added[0]:03d}", kind=DepartmentKind.SALES).store
            added[0] += 1
            for actor, customer, received, department in (
                (agent, group["a_sales"].customer, agent.profile.department, sales),
                (other_agent, group["b_sales"].customer, b_care, b_sales),
            ):
                made = workflow.complaint_create(
                    actor=actor, customer=customer, content=f"异响 {i}", received_by_department=received
                )
                workflow.complaint_dispatch(complaint=made, actor=actor, department=department)
            assert extra.pk

    bodies = assert_flat(
        {"board": (hq, "/complaints/", False)},
        grow,
        # The signed-in user and the unread count read again after the writes (new stores, new
        # notifications), the ranked ids of every step, then the shown rows with their customers,
        # departments and stores in one query.
        pinned={"board": 4},
    )
    board = bodies["board"]
    shown = board.count('<td class="col-number">')
    assert shown >= 10 and board.count('<td class="col-store">') == shown  # every row names its store
    assert all(f'<td class="col-store">{name}</td>' in board for name in ("广州天河店", "深圳福田店"))
