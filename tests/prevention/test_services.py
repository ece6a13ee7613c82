"""Preventive measure services: proposing, who may take each step (role, department, store), what
each state allows, the reject comment and resubmission, events and notifications, and the overdue
sweep that marks and notifies exactly once (also with two sweeps racing on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from complaints.models import CauseCode, Complaint
from csat.domain.transitions import MEASURE_TRANSITIONS
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import DepartmentKind, Notification, Role
from prevention import services as prevention
from prevention.models import MeasureEvent, MeasureOverdue, MeasureStatus, PreventiveMeasure
from prevention.tasks import sweep_preventive_measures
from tests.factories import DepartmentFactory
from tests.prevention.conftest import (
    ALLOWED,
    CHINESE,
    PATH_TO,
    ROLES,
    SOURCE,
    T0,
    TARGET,
    WRONG_STATES,
    make_staff,
)

pytestmark = pytest.mark.django_db


def recipients(prefix: str) -> list[int]:
    """Recipient ids of the notifications whose key starts with ``prefix``, one entry per row."""
    return sorted(Notification.objects.filter(key__startswith=prefix).values_list("recipient_id", flat=True))


def ids(*users: Any) -> list[int]:
    return sorted(u.pk for u in users)


def events(measure: PreventiveMeasure) -> list[tuple[str, str, str]]:
    return [(e.action, e.from_status, e.to_status) for e in MeasureEvent.objects.filter(measure=measure)]


# --- proposing ------------------------------------------------------------------------------------


def test_the_transition_table_is_the_documented_one() -> None:
    table = {a: (set(t.sources), t.target) for a, t in MEASURE_TRANSITIONS.items()}
    assert table == {
        "submit": ({"draft", "rejected"}, "awaiting_approval"),
        "approve": ({"awaiting_approval"}, "approved"),
        "reject": ({"awaiting_approval"}, "rejected"),
        "start": ({"approved"}, "in_progress"),
        "complete": ({"in_progress"}, "done"),
        "verify": ({"done"}, "verified"),
    }


def test_proposing_links_own_store_complaints_and_submits_to_the_gm(
    clock: Any,
    propose: Callable[..., PreventiveMeasure],
    recorded: Callable[..., Complaint],
    agent: Any,
    gm: Any,
    other_gm: Any,
    business: Any,
    other_store: Any,
    cause: CauseCode,
) -> None:
    mine = [recorded(when=T0 - dt.timedelta(days=d), cause=cause) for d in (1, 2)]
    theirs = recorded(when=T0 - dt.timedelta(days=1), cause=cause, store=other_store)
    measure = propose(complaints=[*mine, theirs], problem="  重复返修  ", measure="  路试签字  ")
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL
    assert (measure.problem, measure.measure) == ("重复返修", "路试签字")
    assert measure.created_by == agent and measure.owner_department == business
    assert set(measure.complaints.all()) == set(mine)
    assert events(measure) == [("create", "", "draft"), ("submit", "draft", "awaiting_approval")]
    assert recipients(f"measure:{measure.pk}:submit") == ids(gm)  # not the other store's GM
    note = Notification.objects.get(recipient=gm, key__startswith=f"measure:{measure.pk}:submit")
    assert CHINESE.search(note.title) and note.url == f"/complaints/measures/{measure.pk}/"


def test_a_draft_is_not_sent_to_the_gm(
    clock: Any, propose: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    measure = propose(submit=False)
    assert measure.status == MeasureStatus.DRAFT
    assert events(measure) == [("create", "", "draft")]
    assert recipients(f"measure:{measure.pk}:") == []


@pytest.mark.parametrize("who", ["ccm"])
def test_the_customer_care_manager_proposes_too(
    clock: Any, who: str, everyone: dict[str, Any], propose: Callable[..., PreventiveMeasure]
) -> None:
    assert propose(actor=everyone[who]).status == MeasureStatus.AWAITING_APPROVAL


@pytest.mark.parametrize("who", ["gm", "business_mgr", "business_staff", "sales_mgr", "assessor", "viewer"])
def test_only_customer_care_proposes(
    clock: Any, who: str, everyone: dict[str, Any], propose: Callable[..., PreventiveMeasure]
) -> None:
    with pytest.raises(NotAllowedError) as caught:
        propose(actor=everyone[who])
    assert caught.value.status_code == 403 and CHINESE.search(caught.value.message)
    assert not PreventiveMeasure.objects.exists()


def test_the_owner_department_must_belong_to_the_store(
    clock: Any, propose: Callable[..., PreventiveMeasure], other_store: Any
) -> None:
    elsewhere = DepartmentFactory(store=other_store, kind=DepartmentKind.BUSINESS)
    with pytest.raises(ApplicationError) as caught:
        propose(owner_department=elsewhere)
    assert caught.value.status_code == 409 and "本门店" in caught.value.message
    assert not PreventiveMeasure.objects.exists()


def test_the_due_date_cannot_be_in_the_past(clock: Any, propose: Callable[..., PreventiveMeasure]) -> None:
    with pytest.raises(ApplicationError) as caught:
        propose(due_date=T0.date() - dt.timedelta(days=1))
    assert caught.value.status_code == 409 and CHINESE.search(caught.value.message)
    assert propose(due_date=T0.date()).due_date == T0.date()  # today is fine


# --- who may take each step -----------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("who", ROLES)
def test_each_step_is_taken_only_by_its_roles(
    clock: Any,
    action: str,
    who: str,
    everyone: dict[str, Any],
    drive: Callable[..., PreventiveMeasure],
) -> None:
    measure = drive(SOURCE[action])
    before = events(measure)
    comment = "请补充" if action == "reject" else ""
    if who in ALLOWED[action]:
        done = prevention.measure_step(measure=measure, actor=everyone[who], action=action, comment=comment)
        assert done.status == TARGET[action]
        event = MeasureEvent.objects.filter(measure=measure).last()
        assert (event.action, event.actor, event.from_status, event.to_status) == (
            action,
            everyone[who],
            SOURCE[action],
            TARGET[action],
        )
    else:
        with pytest.raises(NotAllowedError) as caught:
            prevention.measure_step(measure=measure, actor=everyone[who], action=action, comment=comment)
        assert caught.value.status_code == 403 and CHINESE.search(caught.value.message)
        measure.refresh_from_db()
        assert measure.status == SOURCE[action]
        assert events(measure) == before


@pytest.mark.parametrize("action", list(ALLOWED))
def test_another_stores_gm_or_agent_takes_no_step(
    clock: Any, action: str, drive: Callable[..., PreventiveMeasure], other_gm: Any, other_agent: Any
) -> None:
    measure = drive(SOURCE[action])
    for outsider in (other_gm, other_agent):
        with pytest.raises(NotAllowedError):
            prevention.measure_step(measure=measure, actor=outsider, action=action, comment="意见")
    measure.refresh_from_db()
    assert measure.status == SOURCE[action]


def test_the_owner_is_the_measures_department_not_a_fixed_one(
    clock: Any, drive: Callable[..., PreventiveMeasure], sales: Any, sales_mgr: Any, business_mgr: Any
) -> None:
    measure = drive(MeasureStatus.APPROVED, owner_department=sales)
    with pytest.raises(NotAllowedError):
        prevention.measure_step(measure=measure, actor=business_mgr, action="start")
    measure = prevention.measure_step(measure=measure, actor=sales_mgr, action="start")
    measure = prevention.measure_step(measure=measure, actor=sales_mgr, action="complete")
    assert measure.status == MeasureStatus.DONE


# --- what each state allows -----------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), WRONG_STATES)
def test_a_step_the_state_forbids_is_a_409_in_chinese(
    clock: Any,
    action: str,
    status: str,
    request: pytest.FixtureRequest,
    drive: Callable[..., PreventiveMeasure],
) -> None:
    measure = drive(status)
    actor = request.getfixturevalue(sorted(ALLOWED[action])[0])
    before = events(measure)
    with pytest.raises(ApplicationError) as caught:
        prevention.measure_step(measure=measure, actor=actor, action=action, comment="意见")
    error = caught.value
    assert error.status_code == 409 and not isinstance(error, NotAllowedError)
    assert str(MeasureStatus(status).label) in error.message and CHINESE.search(error.message)
    measure.refresh_from_db()
    assert measure.status == status and events(measure) == before


# --- reject, resubmit, approve and the rest of the path -------------------------------------------


@pytest.mark.parametrize("comment", ["", "   "])
def test_rejecting_needs_a_comment(
    clock: Any, comment: str, drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    with pytest.raises(ApplicationError) as caught:
        prevention.measure_step(measure=measure, actor=gm, action="reject", comment=comment)
    assert caught.value.status_code == 409 and "意见" in caught.value.message
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL and measure.decided_by is None


def test_rejected_then_resubmitted_then_approved(
    clock: Any,
    drive: Callable[..., PreventiveMeasure],
    agent: Any,
    ccm: Any,
    gm: Any,
    business_mgr: Any,
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    measure = prevention.measure_step(
        measure=measure, actor=gm, action="reject", comment="  请写明由谁路试。 "
    )
    assert measure.status == MeasureStatus.REJECTED
    assert (measure.comment, measure.decided_by, measure.decided_at) == ("请写明由谁路试。", gm, T0)
    assert recipients(f"measure:{measure.pk}:reject") == ids(ccm)
    assert recipients(f"measure:{measure.pk}:approve") == []
    clock.shift(dt.timedelta(hours=2))
    measure = prevention.measure_step(measure=measure, actor=agent, action="submit")
    assert measure.status == MeasureStatus.AWAITING_APPROVAL
    # The GM hears about the resubmission as a new request, not deduplicated into the first one.
    assert recipients(f"measure:{measure.pk}:submit") == ids(gm, gm)
    measure = prevention.measure_step(measure=measure, actor=gm, action="approve", comment="同意")
    assert measure.status == MeasureStatus.APPROVED
    assert measure.comment == "同意" and measure.decided_at == T0 + dt.timedelta(hours=2)
    assert recipients(f"measure:{measure.pk}:approve") == ids(business_mgr)
    assert events(measure) == [
        ("create", "", "draft"),
        ("submit", "draft", "awaiting_approval"),
        ("reject", "awaiting_approval", "rejected"),
        ("submit", "rejected", "awaiting_approval"),
        ("approve", "awaiting_approval", "approved"),
    ]
    assert MeasureEvent.objects.get(measure=measure, action="reject").note.strip() == "请写明由谁路试。"


def test_the_whole_path_stamps_who_and_when(
    clock: Any,
    drive: Callable[..., PreventiveMeasure],
    gm: Any,
    business_mgr: Any,
    business_staff: Any,
    assessor: Any,
) -> None:
    measure = drive(MeasureStatus.APPROVED)
    clock.shift(dt.timedelta(days=1))
    measure = prevention.measure_step(measure=measure, actor=business_mgr, action="start")
    clock.shift(dt.timedelta(days=1))
    measure = prevention.measure_step(measure=measure, actor=business_mgr, action="complete")
    assert measure.completed_at == T0 + dt.timedelta(days=2)
    # The admin department is told there is something to verify; nobody else.
    assert recipients(f"measure:{measure.pk}:complete") == ids(assessor)
    clock.shift(dt.timedelta(days=1))
    measure = prevention.measure_step(measure=measure, actor=assessor, action="verify")
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.VERIFIED
    assert (measure.verified_by, measure.verified_at) == (assessor, T0 + dt.timedelta(days=3))
    assert measure.decided_by == gm
    assert [e.action for e in MeasureEvent.objects.filter(measure=measure)] == [
        "create",
        "submit",
        "approve",
        "start",
        "complete",
        "verify",
    ]
    assert business_staff.pk not in recipients(f"measure:{measure.pk}:")


def test_step_accepts_an_id(clock: Any, drive: Callable[..., PreventiveMeasure], gm: Any) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    assert prevention.measure_step(measure=measure.pk, actor=gm, action="approve").status == "approved"


# --- the overdue sweep ----------------------------------------------------------------------------


def test_a_measure_is_overdue_only_after_its_due_date(
    clock: Any, drive: Callable[..., PreventiveMeasure]
) -> None:
    measure = drive(MeasureStatus.APPROVED, due_date=T0.date() + dt.timedelta(days=7))
    assert prevention.measures_sweep() == 0
    with time_machine.travel(T0 + dt.timedelta(days=7, hours=13), tick=False):  # the due day, 23:00
        assert prevention.measures_sweep() == 0
    with time_machine.travel(T0 + dt.timedelta(days=7, hours=14), tick=False):  # the next day, 00:00
        assert prevention.measures_sweep() == 1
        measure.refresh_from_db()
        assert measure.overdue_at == T0 + dt.timedelta(days=7, hours=14)
    assert MeasureOverdue.objects.filter(measure=measure).count() == 1


def test_the_sweep_marks_and_notifies_exactly_once(
    clock: Any,
    drive: Callable[..., PreventiveMeasure],
    business_mgr: Any,
    business_staff: Any,
    assessor: Any,
    gm: Any,
    other_store: Any,
) -> None:
    # An admin assessor of another store must not hear about this store's measure.
    make_staff(
        "admin_gz",
        Role.ADMIN_ASSESSOR,
        other_store,
        DepartmentFactory(store=other_store, kind=DepartmentKind.ADMIN),
    )
    measure = drive(MeasureStatus.IN_PROGRESS, due_date=T0.date())
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert prevention.measures_sweep() == 1
        assert prevention.measures_sweep() == 0
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        assert prevention.measures_sweep() == 0
    assert MeasureOverdue.objects.filter(measure=measure).count() == 1
    # One notification per recipient: the owner department's manager and the admin assessor.
    assert recipients(f"measure:{measure.pk}:overdue") == ids(business_mgr, assessor)
    note = Notification.objects.filter(key=f"measure:{measure.pk}:overdue").first()
    assert CHINESE.search(note.title) and note.url == f"/complaints/measures/{measure.pk}/"


def test_the_beat_task_sweeps_exactly_once(
    clock: Any, drive: Callable[..., PreventiveMeasure], business_mgr: Any, assessor: Any
) -> None:
    measure = drive(MeasureStatus.APPROVED, due_date=T0.date())
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        sweep_preventive_measures.delay()
        sweep_preventive_measures.delay()
    assert MeasureOverdue.objects.count() == 1
    assert recipients(f"measure:{measure.pk}:overdue") == ids(business_mgr, assessor)
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("sweep_preventive_measures")
    )
    assert entry["task"] == "complaints.tasks.sweep_preventive_measures"


@pytest.mark.parametrize(
    "status",
    [
        MeasureStatus.DRAFT,
        MeasureStatus.AWAITING_APPROVAL,
        MeasureStatus.REJECTED,
        MeasureStatus.DONE,
        MeasureStatus.VERIFIED,
    ],
)
def test_only_approved_or_running_measures_become_overdue(
    clock: Any, status: str, drive: Callable[..., PreventiveMeasure]
) -> None:
    drive(status, due_date=T0.date())
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        assert prevention.measures_sweep() == 0
    assert not MeasureOverdue.objects.exists()
    assert not Notification.objects.filter(key__endswith=":overdue").exists()


def test_the_sweep_handles_every_overdue_measure_in_one_run(
    clock: Any, drive: Callable[..., PreventiveMeasure]
) -> None:
    late = [drive(MeasureStatus.APPROVED, due_date=T0.date()) for _ in range(3)]
    on_time = drive(MeasureStatus.IN_PROGRESS, due_date=T0.date() + dt.timedelta(days=10))
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert prevention.measures_sweep() == 3
    assert set(MeasureOverdue.objects.values_list("measure_id", flat=True)) == {m.pk for m in late}
    on_time.refresh_from_db()
    assert on_time.overdue_at is None


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_mark_and_notify_once(
    drive: Callable[..., PreventiveMeasure], business_mgr: Any, assessor: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sweeps need PostgreSQL (run with DATABASE_URL=postgres://…)")
    with time_machine.travel(T0, tick=False):
        measures = [drive(MeasureStatus.APPROVED, due_date=T0.date()) for _ in range(5)]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(prevention.measures_sweep(today=T0.date() + dt.timedelta(days=1)))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(o, int) for o in outcomes) and len(outcomes) == 2, outcomes
    assert sum(outcomes) == len(measures)
    assert MeasureOverdue.objects.count() == len(measures)
    for measure in measures:
        assert recipients(f"measure:{measure.pk}:overdue") == ids(business_mgr, assessor)
    assert PreventiveMeasure.objects.filter(overdue_at__isnull=True).count() == 0


def test_path_to_covers_every_status() -> None:
    assert set(PATH_TO) == set(MeasureStatus.values)
