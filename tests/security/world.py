"""One shared fixture world for the cross-cutting security tests.

Two stores, every department kind in each, one user per role (and per department-manager kind) in
each store, head office, a superuser, a user without a profile, and one record of every kind per
store, all made through the real services. Built once per module inside an outer transaction that
is rolled back at the end (each test then runs in a savepoint of its own).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from callbacks.models import CallbackTask
from callbacks.services.surveys import SurveyInput, survey_submit
from complaints.models import AssessmentDispute, SavedView
from complaints.services import workflow
from complaints.services.attachments import complaint_attachment_add
from crisis import services as crisis_services
from crisis.models import WarningSignal
from csat.models import DepartmentKind, Notification, Role
from intake import services as intake_services
from prevention import services as prevention
from reports.models import Trigger
from reports.services import report_build
from surveylinks.services import survey_link_invite
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    ServiceVisitFactory,
    StaffFactory,
    StoreFactory,
    VehicleFactory,
)

SALES_ITEMS = {
    "consultant_knowledge": "satisfied",
    "consultant_attitude": "satisfied",
    "consultant_follow_up": "yes",
    "vehicle_introduction": "satisfied",
    "delivery": "satisfied",
}

# Users of a store: key → (role, department kind). The department managers of every kind.
STORE_ROLES: dict[str, tuple[str, str]] = {
    "agent": (Role.AGENT, DepartmentKind.CUSTOMER_CARE),
    "ccm": (Role.CUSTOMER_CARE_MANAGER, DepartmentKind.CUSTOMER_CARE),
    "sales_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.SALES),
    "business_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.BUSINESS),
    "service_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.SERVICE),
    "finance_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.FINANCE),
    "parts_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.PARTS),
    "assessor": (Role.ADMIN_ASSESSOR, DepartmentKind.ADMIN),
    "gm": (Role.GENERAL_MANAGER, DepartmentKind.MANAGEMENT),
    "staff": (Role.STAFF, DepartmentKind.SERVICE),
}
# Users of no store.
GLOBAL_USERS = ("viewer", "superuser", "noprofile", "anonymous")
ALL_USERS = (*STORE_ROLES, *GLOBAL_USERS)


@dataclass
class StoreWorld:
    store: Any
    departments: dict[str, Any]
    users: dict[str, Any]
    records: dict[str, int] = field(default_factory=dict)


@dataclass
class World:
    own: StoreWorld  # the acting users' store
    other: StoreWorld
    users: dict[str, Any]  # the acting users: store roles of ``own`` plus the global ones

    def ids(self, scope: str) -> dict[str, int]:
        return (self.own if scope == "own" else self.other).records


def _store_world(code: str, name: str, prefix: str, n: int) -> StoreWorld:
    store = StoreFactory(code=code, name=name, city="深圳")
    departments = {kind: DepartmentFactory(store=store, kind=kind) for kind in DepartmentKind.values}
    users = {
        key: StaffFactory(
            username=f"{prefix}_{key}", role=role, store=store, department=departments[kind], is_staff=False
        )
        for key, (role, kind) in STORE_ROLES.items()
    }
    world = StoreWorld(store=store, departments=departments, users=users)
    _records(world, n)
    return world


def _task(store: Any, customer: Any, vehicle: Any, sale: Any) -> CallbackTask:
    due = timezone.now() - dt.timedelta(hours=1)
    return CallbackTask.objects.create(
        store=store,
        type="sales",
        customer=customer,
        vehicle=vehicle,
        sale=sale,
        due_at=due,
        expires_at=due + dt.timedelta(days=15),
    )


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (90, 90, 90)).save(out, kind)
    return out.getvalue()


_JPEG = _image("JPEG")
_PNG = _image("PNG")


def _records(w: StoreWorld, n: int) -> None:
    store, users, depts = w.store, w.users, w.departments
    customer: Any = CustomerFactory(store=store, name="王先生")
    vehicle: Any = VehicleFactory(customer=customer)
    sale: Any = SalesDeliveryFactory(vehicle=vehicle)
    visit: Any = ServiceVisitFactory(vehicle=vehicle)
    task = _task(store, customer, vehicle, sale)
    surveyed = _task(
        store, customer, vehicle, SalesDeliveryFactory(vehicle=VehicleFactory(customer=customer))
    )
    survey = survey_submit(
        actor=users["agent"], data=SurveyInput(type="sales", score=95, items=SALES_ITEMS), callback=surveyed
    )
    # A WeChat survey link of the open task (issue #24): the advisor's QR page.
    link = survey_link_invite(task=task, actor=users["agent"], channel="wechat")
    complaint = workflow.complaint_create(
        actor=users["agent"],
        customer=customer,
        content="提车后发现车门划痕，要求处理。",
        received_by_department=depts[DepartmentKind.CUSTOMER_CARE],
        category="sales",
    )
    workflow.complaint_dispatch(complaint=complaint, actor=users["agent"], department=depts["sales"])
    workflow.complaint_contact(
        complaint=complaint, actor=users["sales_mgr"], cause="交车检查遗漏", note="客户说交车没检查"
    )
    # A signed agreement on file (served by complaints:agreement); MEDIA_ROOT is the world's temp folder.
    complaint.agreement.save(f"matrix-{n}.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
    type(complaint).objects.filter(pk=complaint.pk).update(agreement=complaint.agreement.name)
    # Issue #22: a photo on the ticket (with its thumbnail) by the agent; a recording on the crisis case.
    complaint_attachment = complaint_attachment_add(
        complaint=complaint,
        actor=users["agent"],
        upload=SimpleUploadedFile("p.jpg", _JPEG),
        description="照片",
    )
    # Issue #18: a dispute of the sales department's −1 for this complaint, awaiting the assessor.
    dispute = AssessmentDispute.objects.create(
        department=depts["sales"],
        month=timezone.localdate().replace(day=1),
        event=f"complaint:{complaint.pk}",
        event_kind="general_complaint",
        points=-1,
        complaint=complaint,
        reason="客户误解，非本部门责任",
        raised_by=users["sales_mgr"],
    )
    measure = prevention.measure_create(
        actor=users["agent"],
        store=store,
        category="sales",
        problem="交车前检查遗漏划痕",
        measure="交车前增加外观检查表",
        owner_department=depts[DepartmentKind.BUSINESS],
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    crisis = crisis_services.crisis_open(
        actor=users["gm"], store=store, type="e", title="客户扬言曝光", summary="情绪激动", customer=customer
    )
    action = crisis_services.crisis_action_add(
        crisis=crisis,
        actor=users["gm"],
        title="上门致歉",
        owner=users["ccm"],
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    crisis_attachment = crisis_services.crisis_attachment_add(
        crisis=crisis, actor=users["gm"], upload=SimpleUploadedFile("p.png", _PNG), description="现场"
    )
    signal = WarningSignal.objects.create(
        store=store,
        customer=customer,
        source=WarningSignal.Source.CUSTOMER,
        record_id=customer.pk,
        code="repeat_complaints",
        explanation="30 天内多次投诉",
    )
    job = intake_services.import_job_create(
        user=users["agent"],
        store=store,
        kind="customers",
        uploaded_file=SimpleUploadedFile("c.csv", "姓名,手机号\n张三,13800000000\n".encode()),
    )
    report = report_build(month=dt.date(2026, 1, 1), store=store, trigger=Trigger.COMMAND)
    notification = Notification.objects.filter(recipient=users["gm"]).first() or Notification.objects.create(
        recipient=users["gm"], key=f"test:{n}", title="测试通知"
    )
    # A saved view of the complaint list (issue #22): its owner alone may delete it.
    saved_view = SavedView.objects.create(user=users["ccm"], name="已超时", query="breached=1")
    w.records = {
        "saved_view": saved_view.pk,
        "customer": customer.pk,
        "vehicle": vehicle.pk,
        "sale": sale.pk,
        "visit": visit.pk,
        "task": task.pk,
        "survey": survey.pk,
        "survey_link": link.pk,
        "complaint": complaint.pk,
        "dispute": dispute.pk,
        "measure": measure.pk,
        "crisis": crisis.pk,
        "crisis_action": action.pk,
        "complaint_attachment": complaint_attachment.pk,
        "crisis_attachment": crisis_attachment.pk,
        "signal": signal.pk,
        "import": job.pk,
        "report": report.pk,
        "notification": notification.pk,
        "store": store.pk,
        "department": depts[DepartmentKind.SALES].pk,
    }


def build_world() -> World:
    own = _store_world("SZ01", "深圳福田店", "a", 1)
    other = _store_world("GZ01", "广州天河店", "b", 2)
    users: dict[str, Any] = dict(own.users)
    users["viewer"] = StaffFactory(username="hq", role=Role.GROUP_VIEWER, store=None, department=None)
    User = get_user_model()
    users["superuser"] = User.objects.create_superuser("root", "root@example.com", "x-pass-2026")
    users["noprofile"] = User.objects.create_user("nobody", "nobody@example.com", "x-pass-2026")
    users["anonymous"] = None
    return World(own=own, other=other, users=users)


def world_fixture(django_db_blocker: Any) -> Iterator[World]:
    """Body of a module-scoped fixture: the world inside a transaction rolled back at the end."""
    with (
        django_db_blocker.unblock(),
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
