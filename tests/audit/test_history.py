"""History rows: written by the real services, views and APIs, with the right user and old → new."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.context import audit_context
from audit.selectors import audit_log, record_history
from complaints.models import AssessmentAdjustment, Complaint
from complaints.services import assessment
from crisis.models import CrisisCase, TeamMember
from crisis.services import crisis_change_phase, crisis_open, crisis_team_set
from csat import services
from csat.models import CalendarOverride, Customer, Department, DepartmentKind
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def changes_of(entry: Any) -> dict[str, tuple[str, str]]:
    return {c.name: (c.old, c.new) for c in entry.changes}


def test_customer_update_through_the_api_records_user_and_diff(agent: Any, api: Callable, store: Any) -> None:
    customer = CustomerFactory(store=store, name="王先生", remarks="")
    response = api(agent).patch(
        f"/api/customers/{customer.pk}/", {"name": "王建国", "remarks": "老客户"}, format="json"
    )
    assert response.status_code == 200, response.content
    latest = Customer.history.filter(id=customer.pk).latest("history_id")  # type: ignore[attr-defined]
    assert latest.history_type == "~"
    assert latest.history_user == agent
    assert not latest.history_change_reason  # nobody typed a reason; the request path is not one

    entries = record_history(kind="customer", pk=customer.pk, viewer=agent)
    assert [e.action_label for e in entries] == ["修改", "新增"]
    assert entries[0].user == (agent.get_full_name() or agent.username)
    assert changes_of(entries[0]) == {"name": ("王先生", "王建国"), "remarks": ("—", "老客户")}
    # The factory's row was written outside any request: the system.
    assert entries[1].user == "系统"
    assert ("name", None) not in [(c.name, c.old) for c in entries[1].changes]
    assert changes_of(entries[1])["name"] == ("—", "王先生")


def test_an_unchanged_save_through_the_service_writes_no_version(agent: Any, store: Any) -> None:
    customer = CustomerFactory(store=store, name="王先生")
    services.customer_update(customer=customer, data={"name": "王先生"})
    assert Customer.history.filter(id=customer.pk).count() == 1  # type: ignore[attr-defined]


def test_audit_context_names_the_actor_and_reason_outside_a_request(agent: Any, store: Any) -> None:
    customer = CustomerFactory(store=store)
    with audit_context(user=agent, reason="批量修正"):
        services.customer_update(
            customer=customer, data={"do_not_contact": True, "do_not_contact_reason": "投诉"}
        )
    latest = Customer.history.filter(id=customer.pk).latest("history_id")  # type: ignore[attr-defined]
    assert (latest.history_user, latest.history_change_reason) == (agent, "批量修正")
    entry = record_history(kind="customer", pk=customer.pk, viewer=agent)[0]
    assert changes_of(entry)["do_not_contact"] == ("否", "是")


def test_complaint_intake_and_dispatch_through_the_pages(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any, sales: Department
) -> None:
    client = browser(agent)
    response = client.post(
        "/complaints/new/",
        {
            "mobile": customer.mobile,
            "kind": "complaint",
            "channel": "phone",
            "category": "repair",
            "content": "漏油",
        },
    )
    assert response.status_code == 302
    ticket = Complaint.objects.get()
    assert client.post(f"/complaints/{ticket.pk}/dispatch/", {"department": sales.pk}).status_code == 302

    entries = record_history(kind="complaint", pk=ticket.pk, viewer=agent)
    assert {e.user for e in entries} == {agent.get_full_name() or agent.username}
    assert entries[-1].action_label == "新增"
    dispatch = next(e for e in entries if "department" in changes_of(e))
    assert changes_of(dispatch)["status"] == ("已登记", "已派单")
    assert changes_of(dispatch)["department"] == ("—", str(sales))
    assert dispatch.reason == ""  # no request path ("POST /complaints/…") in people's history
    # Created under its number (no placeholder "TMP-…" and no renumbering entry), the grade's
    # criteria in words, the system's raw grade inputs not at all.
    assert [e.action for e in entries] == ["~", "~", "+"]  # dispatched, registered, created
    assert not any("number" in changes_of(e) for e in entries[:-1])
    created = changes_of(entries[-1])
    assert created["number"] == ("—", ticket.number)
    assert "grade_facts" not in created
    assert not any(code in created["grade_criteria"][1] for code in ticket.grade_criteria)


def test_calendar_override_delete_is_recorded(browser: Callable[[Any], Client], assessor: Any) -> None:
    client = browser(assessor)
    override = services.calendar_override_set(date=dt.date(2031, 10, 8), is_working_day=False, note="国庆")
    assert client.post("/calendar/", {"delete": override.pk}).status_code == 302
    assert not CalendarOverride.objects.exists()
    deleted = CalendarOverride.history.get(id=override.pk, history_type="-")  # type: ignore[attr-defined]
    assert deleted.history_user == assessor
    entries = audit_log(viewer=StaffFactory(role="general_manager"), model_key="calendar")
    assert [e.action_label for e in entries] == ["删除", "新增"]


def test_assessment_adjustment_and_crisis_records(
    clock: Any, assessor: Any, ccm: Any, gm: Any, sales: Any, store: Any
) -> None:
    adjustment = assessment.assessment_adjust(
        actor=assessor, department=sales, month=dt.date(2026, 3, 1), points=Decimal("-2.5"), reason="漏报"
    )
    assert AssessmentAdjustment.history.filter(id=adjustment.pk).count() == 1  # type: ignore[attr-defined]

    crisis = crisis_open(actor=ccm, store=store, type="b", title="车主到店拉横幅", summary="")
    crisis_team_set(crisis=crisis, actor=ccm, user=gm, role="组长", is_leader=True)
    crisis_team_set(crisis=crisis, actor=ccm, user=ccm, role="联络", is_leader=True)
    crisis_change_phase(crisis=crisis, actor=ccm, phase="outbreak", reason="媒体已到场")
    case = CrisisCase.history.filter(id=crisis.pk).latest("history_id")  # type: ignore[attr-defined]
    assert case.history_change_reason == "媒体已到场"
    # The leader handed over: the old leader's row changed (recorded), not a silent bulk update.
    demoted = TeamMember.history.filter(user_id=gm.pk, history_type="~").get()  # type: ignore[attr-defined]
    assert demoted.is_leader is False
    entries = record_history(kind="crisis", pk=crisis.pk, viewer=ccm)
    by_model: dict[str, list[str]] = {}
    for entry in sorted(entries, key=lambda e: e.history_id):
        by_model.setdefault(entry.model_label, []).append(entry.action)
    # The case: opened (numbered in the same breath, not a change of its own), phase; the team: the
    # opener as leader, GM added, the lead handed back.
    assert by_model == {"危机事件": ["+", "~"], "应急小组成员": ["+", "~", "+", "~", "~"]}
    assert all(
        "TMP-" not in c.old + c.new for e in entries for c in e.changes
    )  # never the placeholder number


def test_webhook_url_is_never_shown_and_phones_are_masked_for_managers(
    agent: Any, gm: Any, store: Any
) -> None:
    department = Department.objects.get(store=store, kind=DepartmentKind.MANAGEMENT)
    department.webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET123"
    department.save()
    entry = audit_log(viewer=gm, model_key="department")[0]
    assert changes_of(entry)["webhook_url"] == ("—", "（已设置，内容隐藏）")

    customer = CustomerFactory(store=store, mobile="13800138000")
    services.customer_update(customer=customer, data={"mobile": "13900139000"})
    by_gm = changes_of(record_history(kind="customer", pk=customer.pk, viewer=gm)[0])
    by_agent = changes_of(record_history(kind="customer", pk=customer.pk, viewer=agent)[0])
    assert by_gm["mobile"] == ("138****8000", "139****9000")
    assert by_agent["mobile"] == ("13800138000", "13900139000")


def test_audit_log_filters_and_store_scope(
    agent: Any, gm: Any, store: Any, other_store: Any, other_agent: Any
) -> None:
    mine = CustomerFactory(store=store)
    theirs = CustomerFactory(store=other_store)
    with audit_context(user=agent):
        services.customer_update(customer=mine, data={"name": "甲"})
    with audit_context(user=other_agent):
        services.customer_update(customer=theirs, data={"name": "乙"})
    ids = {e.object_id for e in audit_log(viewer=gm, model_key="customer")}
    assert mine.pk in ids and theirs.pk not in ids
    by_agent = audit_log(viewer=gm, user_id=agent.pk)
    assert [(e.object_id, e.action) for e in by_agent] == [(mine.pk, "~")]
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    assert audit_log(viewer=gm, date_from=tomorrow) == []


# --- in people's words (issue #22) ------------------------------------------------------------


def test_history_reason_is_what_the_person_typed_never_a_request_path(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    ccm: Any,
    customer: Any,
    sales: Department,
    business: Department,
) -> None:
    from complaints.services import workflow

    ticket = workflow.complaint_create(
        actor=agent, customer=customer, content="漏油", received_by_department=agent.profile.department
    )
    workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)
    response = browser(ccm).post(
        f"/complaints/{ticket.pk}/transfer/",
        {"department": business.pk, "reason": "属于维修质量问题，应由业务部处理"},
    )
    assert response.status_code == 302
    entries = record_history(kind="complaint", pk=ticket.pk, viewer=ccm)
    moved = next(
        e
        for e in entries
        if "department" in changes_of(e) and changes_of(e)["department"][1] == str(business)
    )
    assert moved.reason == "属于维修质量问题，应由业务部处理"
    assert all(not e.reason.startswith(("POST ", "GET ")) for e in entries)
    html = browser(ccm).get(f"/audit/history/complaint/{ticket.pk}/").content.decode()
    assert "属于维修质量问题，应由业务部处理" in html and "POST /" not in html


def test_older_rows_with_a_request_path_or_task_as_reason_show_none(agent: Any, store: Any) -> None:
    customer = CustomerFactory(store=store)
    Customer.history.filter(id=customer.pk).update(history_change_reason="POST /callbacks/12/survey/")  # type: ignore[attr-defined]
    assert record_history(kind="customer", pk=customer.pk, viewer=agent)[0].reason == ""
    Customer.history.filter(id=customer.pk).update(
        history_change_reason="task complaints.tasks.enforce_deadlines"
    )  # type: ignore[attr-defined]
    assert record_history(kind="customer", pk=customer.pk, viewer=agent)[0].reason == ""
    Customer.history.filter(id=customer.pk).update(history_change_reason="客户要求更正姓名")  # type: ignore[attr-defined]
    assert record_history(kind="customer", pk=customer.pk, viewer=agent)[0].reason == "客户要求更正姓名"


def test_coded_values_read_as_the_page_shows_them(clock: Any, agent: Any, customer: Any) -> None:
    """ "服务技能：4", not "skill: 4"; criteria and identity flags by their labels."""
    from audit.registry import BY_KEY
    from audit.selectors import _display

    survey = BY_KEY["survey"]
    assert _display(survey, "ratings", {"skill": 4, "attitude": 9}, {}, True) == "服务技能：4、服务态度：9"
    assert _display(survey, "items", {"delivery": "dissatisfied"}, {}, True) == (
        "交车服务（清洁、四项说明、介绍售后）：不满意"
    )
    complaint = BY_KEY["complaint"]
    assert _display(complaint, "major_criteria", ["safety", "compensation"], {}, True) == "涉及安全、要求赔偿"
    person = BY_KEY["customer"]
    assert _display(person, "identity_flags", ["lawyer"], {}, True) == "律师"
    customer.identity_flags = ["lawyer"]
    customer.save()
    entry = record_history(kind="customer", pk=customer.pk, viewer=agent)[0]
    assert changes_of(entry)["identity_flags"] == ("—", "律师")
