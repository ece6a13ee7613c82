"""Issue #21 item 9, the authorization matrix of the monthly report's records (DOMAIN §7: everyone
gets the report; the records behind the figures follow the ticket's and the survey's access rules).

The shared world plus, in store A, tickets in two more departments (business, and one received by
the front-line employee) and an unhappy survey with a remark, then this month's report. For every
user: the API's version data, the version's xlsx (API), the month's xlsx (API) and the page download
hold exactly the ticket rows that user may open (``complaint_list``) and the survey records only
for survey readers; every figure stays. A forbidden customer's name or the remark anywhere in the
xlsx or the JSON fails the test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from callbacks import permissions as callback_permissions
from callbacks.services.surveys import SurveyInput, survey_submit
from complaints.models import Complaint
from complaints.selectors import complaint_list
from complaints.services import workflow
from csat.models import DepartmentKind
from reports.models import MonthlyReport, Trigger
from reports.services import report_build
from tests.factories import CustomerFactory
from tests.security.world import STORE_ROLES, World, world_fixture

pytestmark = pytest.mark.django_db

REMARK = "客户说接待冷淡，等了两个小时没人理"
SURVEY_CUSTOMER = "回访客户丙"
READERS = (*STORE_ROLES, "viewer", "superuser")


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    yield from world_fixture(django_db_blocker)


@pytest.fixture(scope="module")
def report(world: World, django_db_blocker: Any) -> MonthlyReport:
    with django_db_blocker.unblock():
        own = world.own
        users, depts = own.users, own.departments
        in_business = workflow.complaint_create(
            actor=users["agent"],
            customer=_customer(own.store, "业务部客户甲"),
            content="保险理赔太慢。",
            received_by_department=depts[DepartmentKind.CUSTOMER_CARE],
            category="repair",
        )
        workflow.complaint_dispatch(complaint=in_business, actor=users["agent"], department=depts["business"])
        workflow.complaint_create(
            actor=users["staff"],
            customer=_customer(own.store, "前台接待客户乙"),
            content="洗车没洗干净。",
            received_by_department=depts[DepartmentKind.SERVICE],
            category="repair",
        )
        survey_submit(
            actor=users["agent"],
            data=SurveyInput(type="sales", score=40, remarks=REMARK, items=_items()),
            customer=_customer(own.store, SURVEY_CUSTOMER),
            ticket_department=depts["sales"],
        )
        return report_build(
            month=timezone.localdate().replace(day=1), store=own.store, trigger=Trigger.COMMAND
        )


def _customer(store: Any, name: str) -> Any:
    return CustomerFactory(store=store, name=name)


def _items() -> dict[str, str]:
    from tests.security.world import SALES_ITEMS

    return dict(SALES_ITEMS)


def _tickets(report: MonthlyReport) -> dict[str, str]:
    """Number → customer name of every ticket in the stored file's ticket list."""
    sheet = load_workbook(io.BytesIO(report.xlsx), read_only=True)["投诉清单"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return {row[0]: row[3] for row in rows if row[0]}


def _sheet_rows(book: Any, title: str) -> list[tuple[Any, ...]]:
    return [row for row in book[title].iter_rows(min_row=2, values_only=True) if any(row)]


def _text(book: Any) -> str:
    return "\n".join(
        str(value)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value
    )


def _downloads(user: Any, report: MonthlyReport) -> dict[str, bytes]:
    api, web = APIClient(), Client()
    api.force_authenticate(user=user)
    web.force_login(user)
    month = f"{report.month:%Y-%m}"
    responses = {
        "api version xlsx": api.get(f"/api/reports/monthly/{report.pk}/xlsx/"),
        "api month xlsx": api.get(f"/api/reports/monthly/{month}/xlsx", {"store": str(report.store_id)}),
        "page download": web.get(f"/reports/{report.pk}/xlsx"),
    }
    out = {}
    response: Any
    for name, response in responses.items():
        assert response.status_code == 200, (name, response.status_code)
        out[name] = b"".join(response.streaming_content)
    return out


def test_the_stored_file_holds_every_record_of_the_scope(world: World, report: MonthlyReport) -> None:
    """The premise: the version (built by beat or a manager) keeps every ticket and survey record."""
    numbers = set(Complaint.objects.filter(store=world.own.store).values_list("number", flat=True))
    assert set(_tickets(report)) == numbers and len(numbers) >= 4
    assert REMARK in _text(load_workbook(io.BytesIO(report.xlsx), read_only=True))


@pytest.mark.parametrize("who", READERS)
def test_report_records_follow_the_ticket_and_survey_access_rules(
    who: str, world: World, report: MonthlyReport
) -> None:
    """DOMAIN §7 + issue #21 item 9: every reader gets the figures; the ticket rows are exactly the
    tickets the reader may open, survey records only for survey readers — in the API's JSON and in
    each xlsx download."""
    user = world.users[who]
    stored = _tickets(report)
    visible = set(complaint_list(user=user).filter(number__in=stored).values_list("number", flat=True))
    forbidden = {number: name for number, name in stored.items() if number not in visible}
    reads_surveys = callback_permissions.can_read(user)
    if who in ("sales_mgr", "business_mgr", "staff", "assessor", "finance_mgr"):
        assert forbidden, "the department roles must be denied some ticket here"
    if who in ("agent", "ccm", "gm", "viewer", "superuser"):
        assert not forbidden

    # The API's version data: the same figures, the lists filtered.
    api = APIClient()
    api.force_authenticate(user=user)
    response = api.get(f"/api/reports/monthly/{report.pk}/")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["complaints"]["total"] == report.data["complaints"]["total"]
    assert data["feedback"]["counts"] == report.data["feedback"]["counts"]
    lists = ("items", "open_past_three_days", "reopened")
    listed = {row["number"] for key in lists for row in data["complaints"][key]}
    stored_listed = {row["number"] for key in lists for row in report.data["complaints"][key]}
    assert listed == stored_listed & visible
    body = json.dumps(data, ensure_ascii=False)
    for number, name in forbidden.items():
        # A survey reader reads the survey's customer in the survey record (not the ticket row);
        # ticket numbers also name the department assessment events, open to every employee.
        if not (reads_surveys and name == SURVEY_CUSTOMER):
            assert name not in body, (who, number, name)
    assert (REMARK in body) == reads_surveys
    if not reads_surveys:
        assert all(
            data["feedback"][key] == [] for key in ("dissatisfied", "grievances", "opinions", "not_rated")
        )

    # Every download of the version: the ticket list is exactly the visible tickets.
    for name, content in _downloads(user, report).items():
        book = load_workbook(io.BytesIO(content), read_only=True)
        numbers = {row[0] for row in _sheet_rows(book, "投诉清单")}
        assert numbers == visible, (who, name)
        text = _text(book)
        for number, customer in forbidden.items():
            if not (reads_surveys and customer == SURVEY_CUSTOMER):
                assert customer not in text, (who, name, number)
        assert (REMARK in text) == reads_surveys, (who, name)
        assert bool(_sheet_rows(book, "客户反馈")) == reads_surveys, (who, name)
        # The figures are the version's for everyone.
        summary = {
            row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if len(row) > 1 and row[0]
        }
        # 投诉总数 counts complaints only (DOMAIN §9; fd543f7), the other tickets on their own row.
        assert summary["投诉总数"] == report.data["complaints"]["complaints"], (who, name)
        assert (
            summary["投诉总数"] + summary["回访不满意、抱怨工单数（不计入投诉）"]
            == report.data["complaints"]["total"]
        ), (who, name)
        if forbidden or not reads_surveys:
            assert "明细范围" in summary, (who, name)
        else:
            assert content == report.xlsx, (who, name)  # the stored file itself
