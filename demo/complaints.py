"""Demo complaints in every state, walked through the real workflow services (idempotent)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from complaints.models import CauseCode, Complaint
from complaints.services import workflow
from csat.domain.routing import suggested_department_kind
from csat.models import Customer, Department, DepartmentKind, Store

# (what the customer said, category, target status, compensation, urgent)
STORIES = [
    ("交车时说好的脚垫和贴膜都没有给，销售顾问电话也不接。", "sales", "received", None, False),
    ("保养后发动机故障灯亮了，回店检查说没问题，第二天又亮。", "repair", "registered", None, False),
    ("配件等了一个多星期还没到，车一直停在店里，影响上班。", "parts", "dispatched", None, True),
    ("维修结算多收了工时费，问了三次没人给解释。", "finance", "in_progress", None, False),
    (
        "钣喷后车门颜色明显不一样，要求重新喷漆并赔偿误工费。",
        "repair",
        "awaiting_approval",
        Decimal("800"),
        False,
    ),
    ("前台接待态度很差，等了四十分钟没人理。", "staff", "resolved", None, False),
    ("空调异响修了两次才修好，希望以后一次修好。", "repair", "closed", None, False),
    ("刹车有异响，担心安全，要求检查并给个说法，不然就去12315投诉。", "repair", "in_progress", None, True),
]


def seed_complaints(*, store: Store, seed: int) -> int:
    rng = random.Random(seed)
    User = get_user_model()
    agent = User.objects.filter(username="agent").first()
    gm = User.objects.filter(username="gm").first()
    if agent is None or gm is None:
        return 0
    care = Department.objects.get(store=store, kind=DepartmentKind.CUSTOMER_CARE)
    customers = list(
        Customer.objects.filter(store=store, do_not_contact=False, identity_flags=[]).order_by("pk")[:200]
    )
    created = 0
    for index, (content, category, target, compensation, urgent) in enumerate(STORIES):
        if Complaint.objects.filter(store=store, content=content).exists():
            continue
        customer = customers[(index * 17 + rng.randint(0, 5)) % len(customers)]
        complaint = workflow.complaint_create(
            actor=agent,
            customer=customer,
            content=content,
            received_by_department=care if target != "received" else _department(store, DepartmentKind.SALES),
            category=category,
            urgent=urgent,
        )
        _walk(complaint, target=target, agent=agent, gm=gm, compensation=compensation)
        created += 1
    return created


def _department(store: Store, kind: str) -> Department:
    return Department.objects.get(store=store, kind=kind)


def _manager(department: Department) -> Any:
    return (
        get_user_model()
        .objects.filter(
            profile__department=department, profile__role__in=["department_manager", "admin_assessor"]
        )
        .first()
    )


def _walk(complaint: Complaint, *, target: str, agent: Any, gm: Any, compensation: Decimal | None) -> None:
    order = ["registered", "dispatched", "in_progress", "awaiting_approval", "resolved", "closed"]
    if target == "received":
        return
    reached = order.index(target)
    if reached >= 1:
        kind = suggested_department_kind(category=complaint.category, major=complaint.is_major)
        department = _department(complaint.store, kind)
        complaint = workflow.complaint_dispatch(complaint=complaint, actor=agent, department=department)
        manager = _manager(department) or gm
    if reached >= 2:
        complaint = workflow.complaint_contact(
            complaint=complaint, actor=manager, cause="已核实", expectation="尽快解决", note="已电话联系客户"
        )
    if reached >= 3 or compensation:
        complaint = workflow.complaint_propose(
            complaint=complaint, actor=manager, solution="免费返工并致歉", compensation_amount=compensation
        )
    if reached >= 4:
        if compensation:
            complaint = workflow.complaint_approve(complaint=complaint, actor=gm, comment="同意")
        cause = CauseCode.objects.filter(category=complaint.category).first()
        complaint = workflow.complaint_resolve(
            complaint=complaint, actor=manager, result="已处理，客户认可", cause_code=cause
        )
    if reached >= 5:
        # The follow-up window opens on day 5; the demo records the call as if made then.
        complaint.deadlines.filter(kind="follow_up").update(opens_at=complaint.resolved_at)
        workflow.complaint_follow_up(complaint=complaint, actor=agent, outcome="satisfied", note="客户满意")
