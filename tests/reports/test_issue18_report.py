"""Issue #18 in the monthly report: who is responsible on the complaint sheet, the approved penalty
among the assessment events (DOMAIN §9 "Who is responsible", "What counts against a department")."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from complaints.models import Complaint, PenaltyDecision, PenaltyRequest
from reports import selectors
from reports.models import Trigger
from reports.services import report_build
from tests.reports.builders import MONTH

pytestmark = pytest.mark.django_db


def _rows(ws: Any) -> list[dict[str, Any]]:
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)]


def test_rule_complaint_sheet_shows_assignee_responsible_staff_measure_and_accountability(march: Any) -> None:
    ticket = march.complaints["c1"]
    Complaint.objects.filter(pk=ticket.pk).update(
        assignee=march.users["ccm"],
        responsible_staff="技师 李强",
        internal_measure="返工并扣绩效",
        accountability="服务经理书面检讨",
    )
    report = report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=march.users["ccm"])
    rows = {r["编号"]: r for r in _rows(openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))["投诉清单"])}
    row = rows["TS-1"]
    assert (row["直接责任人"], row["内部处理措施"], row["内部责任追究"]) == (
        "技师 李强",
        "返工并扣绩效",
        "服务经理书面检讨",
    )
    assert row["处理人"]


def test_rule_approved_penalty_is_an_assessment_event_of_the_report(march: Any) -> None:
    ticket = march.complaints["c2"]  # dissatisfied, sales
    PenaltyRequest.objects.create(
        complaint=ticket,
        reason="部门怠慢",
        requested_by=march.users["ccm"],
        requested_at=ticket.received_at,
        decision=PenaltyDecision.APPROVED,
        points=-1,
        department=ticket.department,
        decided_by=march.users["ccm"],
        decided_at=ticket.received_at,
    )
    rows = {r["department"]: r for r in selectors.assessment(month=MONTH, store_ids=[march.store.pk])}
    sales = rows["销售部"]
    penalties = [e for e in sales["events"] if e["kind"] == "penalty"]
    assert [(e["points"], e["complaint"]) for e in penalties] == [(-1.0, "TS-2")]
    assert penalties[0]["kind_label"] == "考核申请（总经理批准）"
    assert sales["total"] == 0.0  # the +1 adjustment and the −1 penalty


def test_rule_report_shows_disputes_and_their_outcomes(march: Any) -> None:
    from complaints.models import AssessmentDispute

    ticket = march.complaints["c1"]  # major complaint, service: −5
    AssessmentDispute.objects.create(
        department=ticket.department,
        month=MONTH,
        event=f"complaint:{ticket.pk}",
        event_kind="major_complaint",
        points=-5,
        complaint=ticket,
        reason="客户撤诉",
        raised_by=march.users["ccm"],
        status="rejected",
        comment="证据不足",
    )
    report = report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=march.users["ccm"])
    rows = _rows(openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))["考核明细"])
    disputed = [r for r in rows if r["申诉及结果"]]
    assert [(r["工单号"], r["申诉及结果"], r["申诉处理意见"]) for r in disputed] == [
        ("TS-1", "申诉驳回：客户撤诉", "证据不足")
    ]
