"""/api/preventive-measures/: propose, list and read (store-scoped), and POST /{id}/{step}/ with
403 for the wrong role or department, 409 with a Chinese message for the wrong state, 404 for
another store's measure; head office reads and changes nothing; the effect figures; query count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from complaints.models import CauseCode, Complaint
from csat.models import DepartmentKind, Notification
from prevention import services as prevention
from prevention.models import MeasureEvent, MeasureStatus, PreventiveMeasure
from tests.factories import DepartmentFactory
from tests.fixtures import CHINESE, T0
from tests.prevention.conftest import ALLOWED, ROLES, SOURCE, TARGET, WRONG_STATES

pytestmark = pytest.mark.django_db

LIST = "/api/preventive-measures/"


def url(measure: PreventiveMeasure, action: str = "") -> str:
    return f"{LIST}{measure.pk}/{action + '/' if action else ''}"


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content
    return response.json()


def payload(business: Any, cause: CauseCode, **extra: Any) -> dict[str, Any]:
    return {
        "category": "repair",
        "cause": cause.pk,
        "problem": "同一车辆三个月内返修三次",
        "root_cause": "完工后未路试",
        "measure": "完工路试并由质检签字",
        "owner_department": business.pk,
        "due_date": (T0.date() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }


# --- proposing ------------------------------------------------------------------------------------


def test_customer_care_proposes_through_the_api(
    clock: Any,
    api: Callable[[Any], APIClient],
    recorded: Callable[..., Complaint],
    agent: Any,
    gm: Any,
    store: Any,
    business: Any,
    cause: CauseCode,
) -> None:
    tickets = [recorded(when=T0 - dt.timedelta(days=d), cause=cause) for d in (1, 2, 3)]
    body = ok(
        api(agent).post(LIST, payload(business, cause, complaints=[t.pk for t in tickets]), format="json"),
        201,
    )
    assert body["status"] == "awaiting_approval"
    assert (body["store"], body["owner_department"], body["cause"]) == (store.pk, business.pk, cause.pk)
    assert sorted(body["complaints"]) == sorted(t.pk for t in tickets)
    assert body["effect"] is None
    measure = PreventiveMeasure.objects.get(pk=body["id"])
    assert measure.created_by == agent
    assert Notification.objects.filter(recipient=gm, key__startswith=f"measure:{measure.pk}:submit").exists()


@pytest.mark.parametrize("who", ["gm", "business_mgr", "assessor", "viewer"])
def test_only_customer_care_may_propose(
    clock: Any,
    who: str,
    everyone: dict[str, Any],
    api: Callable[[Any], APIClient],
    business: Any,
    cause: CauseCode,
) -> None:
    response = api(everyone[who]).post(LIST, payload(business, cause), format="json")
    assert response.status_code == 403
    assert CHINESE.search(response.json()["detail"])
    assert not PreventiveMeasure.objects.exists()


def test_proposing_for_another_stores_department_or_complaint_is_a_400(
    clock: Any,
    api: Callable[[Any], APIClient],
    recorded: Callable[..., Complaint],
    agent: Any,
    other_store: Any,
    business: Any,
    cause: CauseCode,
) -> None:
    elsewhere = DepartmentFactory(store=other_store, kind=DepartmentKind.BUSINESS)
    response = api(agent).post(LIST, payload(elsewhere, cause), format="json")
    assert response.status_code == 400 and "owner_department" in response.json()
    theirs = recorded(when=T0, cause=cause, store=other_store)
    response = api(agent).post(LIST, payload(business, cause, complaints=[theirs.pk]), format="json")
    assert response.status_code == 400 and "complaints" in response.json()
    assert not PreventiveMeasure.objects.exists()


@pytest.mark.parametrize("missing", ["category", "problem", "measure", "owner_department", "due_date"])
def test_a_proposal_missing_a_field_is_a_400(
    clock: Any, missing: str, api: Callable[[Any], APIClient], agent: Any, business: Any, cause: CauseCode
) -> None:
    data = payload(business, cause)
    del data[missing]
    response = api(agent).post(LIST, data, format="json")
    assert response.status_code == 400 and missing in response.json()


def test_a_past_due_date_is_a_409_in_chinese(
    clock: Any, api: Callable[[Any], APIClient], agent: Any, business: Any, cause: CauseCode
) -> None:
    data = payload(business, cause, due_date=(T0.date() - dt.timedelta(days=1)).isoformat())
    response = api(agent).post(LIST, data, format="json")
    assert response.status_code == 409 and CHINESE.search(response.json()["detail"])


def test_anonymous_gets_nothing(clock: Any, drive: Callable[..., PreventiveMeasure]) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    assert APIClient().get(LIST).status_code in (401, 403)
    assert APIClient().post(url(measure, "approve"), {}, format="json").status_code in (401, 403)


# --- reading, per store ---------------------------------------------------------------------------


def test_lists_and_reads_are_scoped_to_the_store(
    clock: Any,
    api: Callable[[Any], APIClient],
    drive: Callable[..., PreventiveMeasure],
    propose: Callable[..., PreventiveMeasure],
    agent: Any,
    other_agent: Any,
    other_gm: Any,
    viewer: Any,
    other_store: Any,
) -> None:
    mine = drive(MeasureStatus.AWAITING_APPROVAL)
    theirs = propose(
        actor=other_agent,
        store=other_store,
        owner_department=DepartmentFactory(store=other_store, kind=DepartmentKind.BUSINESS),
    )
    assert [m["id"] for m in ok(api(agent).get(LIST))["results"]] == [mine.pk]
    assert [m["id"] for m in ok(api(other_gm).get(LIST))["results"]] == [theirs.pk]
    assert {m["id"] for m in ok(api(viewer).get(LIST))["results"]} == {mine.pk, theirs.pk}
    assert api(agent).get(url(theirs)).status_code == 404
    assert ok(api(viewer).get(url(theirs)))["id"] == theirs.pk


def test_the_list_filters_by_status(
    clock: Any, api: Callable[[Any], APIClient], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    waiting = drive(MeasureStatus.AWAITING_APPROVAL)
    drive(MeasureStatus.APPROVED)
    body = ok(api(gm).get(LIST, {"status": "awaiting_approval"}))
    assert [m["id"] for m in body["results"]] == [waiting.pk]


def test_the_list_is_a_fixed_number_of_queries(
    clock: Any, api: Callable[[Any], APIClient], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    drive(MeasureStatus.AWAITING_APPROVAL)
    client = api(gm)
    with CaptureQueriesContext(connection) as one:
        ok(client.get(LIST))
    for status in (MeasureStatus.APPROVED, MeasureStatus.IN_PROGRESS, MeasureStatus.REJECTED):
        drive(status)
    with CaptureQueriesContext(connection) as four:
        assert len(ok(client.get(LIST))["results"]) == 4
    assert len(four) == len(one)


# --- steps: role, department and store ------------------------------------------------------------


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("who", ROLES)
def test_each_step_endpoint_allows_only_its_roles(
    clock: Any,
    action: str,
    who: str,
    everyone: dict[str, Any],
    api: Callable[[Any], APIClient],
    drive: Callable[..., PreventiveMeasure],
) -> None:
    measure = drive(SOURCE[action])
    response = api(everyone[who]).post(url(measure, action), {"comment": "请补充细节"}, format="json")
    measure.refresh_from_db()
    if who in ALLOWED[action]:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == TARGET[action] == measure.status
    else:
        assert response.status_code == 403, response.content
        assert CHINESE.search(response.json()["detail"])
        assert measure.status == SOURCE[action]


@pytest.mark.parametrize("action", list(ALLOWED))
def test_another_stores_measure_is_a_404_for_every_step(
    clock: Any,
    action: str,
    api: Callable[[Any], APIClient],
    drive: Callable[..., PreventiveMeasure],
    other_gm: Any,
) -> None:
    measure = drive(SOURCE[action])
    response = api(other_gm).post(url(measure, action), {"comment": "意见"}, format="json")
    assert response.status_code == 404
    measure.refresh_from_db()
    assert measure.status == SOURCE[action]


@pytest.mark.parametrize(("action", "status"), WRONG_STATES)
def test_a_step_in_the_wrong_state_is_a_409_in_chinese(
    clock: Any,
    action: str,
    status: str,
    request: pytest.FixtureRequest,
    api: Callable[[Any], APIClient],
    drive: Callable[..., PreventiveMeasure],
) -> None:
    measure = drive(status)
    actor = request.getfixturevalue(sorted(ALLOWED[action])[0])
    response = api(actor).post(url(measure, action), {"comment": "意见"}, format="json")
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert CHINESE.search(detail) and str(MeasureStatus(status).label) in detail
    measure.refresh_from_db()
    assert measure.status == status


def test_reject_needs_a_comment_and_a_resubmission_goes_back_to_the_gm(
    clock: Any, api: Callable[[Any], APIClient], drive: Callable[..., PreventiveMeasure], gm: Any, ccm: Any
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    response = api(gm).post(url(measure, "reject"), {}, format="json")
    assert response.status_code == 409 and "意见" in response.json()["detail"]
    response = api(gm).post(url(measure, "reject"), {"comment": "   "}, format="json")
    assert response.status_code == 409
    body = ok(api(gm).post(url(measure, "reject"), {"comment": "请写明谁负责路试"}, format="json"))
    assert (body["status"], body["comment"]) == ("rejected", "请写明谁负责路试")
    body = ok(api(ccm).post(url(measure, "submit"), {}, format="json"))
    assert body["status"] == "awaiting_approval"
    body = ok(api(gm).post(url(measure, "approve"), {"comment": "同意"}, format="json"))
    assert body["status"] == "approved" and body["decided_at"]
    assert list(MeasureEvent.objects.filter(measure=measure).values_list("action", flat=True)) == [
        "create",
        "submit",
        "reject",
        "submit",
        "approve",
    ]


def test_the_whole_path_through_the_api(
    clock: Any,
    api: Callable[[Any], APIClient],
    agent: Any,
    gm: Any,
    business_mgr: Any,
    assessor: Any,
    business: Any,
    cause: CauseCode,
) -> None:
    measure_id = ok(api(agent).post(LIST, payload(business, cause), format="json"), 201)["id"]
    measure = PreventiveMeasure.objects.get(pk=measure_id)
    for actor, action, status in [
        (gm, "approve", "approved"),
        (business_mgr, "start", "in_progress"),
        (business_mgr, "complete", "done"),
        (assessor, "verify", "verified"),
    ]:
        assert ok(api(actor).post(url(measure, action), {}, format="json"))["status"] == status
    body = ok(api(agent).get(url(measure)))
    assert body["completed_at"] and body["verified_at"]
    assert body["effect"] == {"days": 0, "before": 0, "after": 0}


# --- head office reads only -----------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ALLOWED))
def test_head_office_reads_but_takes_no_step(
    clock: Any,
    action: str,
    api: Callable[[Any], APIClient],
    drive: Callable[..., PreventiveMeasure],
    viewer: Any,
) -> None:
    measure = drive(SOURCE[action])
    client = api(viewer)
    assert ok(client.get(url(measure)))["status"] == SOURCE[action]
    response = client.post(url(measure, action), {"comment": "意见"}, format="json")
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.status == SOURCE[action]


# --- effect ---------------------------------------------------------------------------------------


def test_the_api_shows_the_effect_after_verification(
    clock: Any,
    api: Callable[[Any], APIClient],
    recorded: Callable[..., Complaint],
    drive: Callable[..., PreventiveMeasure],
    assessor: Any,
    agent: Any,
    cause: CauseCode,
) -> None:
    for days in (3, 10, 40):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause)
    measure = drive(MeasureStatus.DONE)
    assert ok(api(agent).get(url(measure)))["effect"] is None
    prevention.measure_step(measure=measure, actor=assessor, action="verify")
    recorded(when=T0 + dt.timedelta(days=5), cause=cause)
    with time_machine.travel(T0 + dt.timedelta(days=20), tick=False):
        # 20 days each side: 3 and 10 days before (not 40), 5 days after.
        assert ok(api(agent).get(url(measure)))["effect"] == {"days": 20, "before": 2, "after": 1}


# --- linked complaints: only those the reader may open (hostile-input audit) ----------------------


@pytest.mark.parametrize(
    ("who", "opens"),
    [
        ("finance_mgr", set()),
        ("assessor", set()),
        ("sales_mgr", {"sales"}),
        ("business_mgr", {"business"}),
        ("gm", {"business", "sales"}),
        ("ccm", {"business", "sales"}),
    ],
)
def test_complaints_names_only_the_linked_tickets_the_reader_may_open(
    clock: Any,
    who: str,
    opens: set[str],
    request: pytest.FixtureRequest,
    api: Callable[[Any], APIClient],
    split_measure: PreventiveMeasure,
    split_tickets: dict[str, Complaint],
) -> None:
    """``complaints`` stays (the contract's "linked complaints") but lists only the tickets the
    reader may open: the detail, the list and the filtered list agree."""
    client = api(request.getfixturevalue(who))
    expected = sorted(split_tickets[key].pk for key in opens)
    for key, ticket in split_tickets.items():
        assert (client.get(f"/api/complaints/{ticket.pk}/").status_code == 200) == (key in opens), key
    assert sorted(ok(client.get(url(split_measure)))["complaints"]) == expected
    for query in ("", "?status=awaiting_approval"):
        rows = [r for r in ok(client.get(LIST + query))["results"] if r["id"] == split_measure.pk]
        assert len(rows) == 1 and sorted(rows[0]["complaints"]) == expected, query


def test_a_steps_answer_names_only_the_tickets_the_actor_may_open(
    clock: Any,
    api: Callable[[Any], APIClient],
    split_measure: PreventiveMeasure,
    split_tickets: dict[str, Complaint],
    gm: Any,
    business_mgr: Any,
) -> None:
    assert sorted(
        ok(api(gm).post(url(split_measure, "approve"), {"comment": "同意"}))["complaints"]
    ) == sorted(t.pk for t in split_tickets.values())
    assert ok(api(business_mgr).post(url(split_measure, "start")))["complaints"] == [
        split_tickets["business"].pk
    ]
