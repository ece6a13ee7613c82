"""/api/crises/ (CONTRACT): creation, the action endpoints, the 409/403/404 rules, and the list's
query count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from crisis import services
from crisis.models import CrisisCase, CrisisEvent, Phase, PlanVersion, Review, TeamMember
from csat.models import Notification
from tests.factories import CustomerFactory, UserFactory
from tests.fixtures import CHINESE, T0

pytestmark = pytest.mark.django_db


def ok(response: Any, code: int = 200) -> dict[str, Any]:
    assert response.status_code == code, response.content
    return response.json()


def url(crisis: CrisisCase, action: str = "") -> str:
    return f"/api/crises/{crisis.pk}/{action + '/' if action else ''}"


def test_open_a_case_through_the_api(
    clock: Any, api: Callable[[Any], Any], agent: Any, gm: Any, customer: Any, store: Any
) -> None:
    body = ok(
        api(agent).post(
            "/api/crises/",
            {"type": "d", "title": "客户请律师发函", "summary": "律师函要求退车", "customer": customer.pk},
            format="json",
        ),
        201,
    )
    crisis = CrisisCase.objects.get(pk=body["id"])
    assert (crisis.type, crisis.store, crisis.customer, crisis.opened_by) == ("d", store, customer, agent)
    assert body["phase"] == "latent"
    assert body["team"] == [
        {"user": agent.pk, "name": agent.get_full_name(), "role": "发起人", "is_leader": True}
    ]
    assert body["number"] == crisis.number
    assert Notification.objects.filter(recipient=gm, key=f"crisis:{crisis.pk}:opened").count() == 1


def test_opening_needs_a_role_and_valid_input(
    api: Callable[[Any], Any], front_line: Any, viewer: Any, agent: Any, other_store: Any
) -> None:
    for user in (front_line, viewer):
        assert api(user).post("/api/crises/", {"type": "a", "title": "x"}, format="json").status_code == 403
    response = api(agent).post("/api/crises/", {"type": "z", "title": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"type", "title"}
    # A customer of another store is not one the agent may pick.
    foreign = CustomerFactory(store=other_store)
    response = api(agent).post(
        "/api/crises/", {"type": "a", "title": "x", "customer": foreign.pk}, format="json"
    )
    assert response.status_code == 400 and "customer" in response.json()
    assert not CrisisCase.objects.exists()


def test_phase_changes_through_the_api(
    clock: Any, api: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any
) -> None:
    crisis = open_crisis(actor=agent)
    body = ok(
        api(agent).post(url(crisis, "phase"), {"phase": "outbreak", "reason": "抖音视频发酵"}, format="json")
    )
    assert body["phase"] == "outbreak"
    event = CrisisEvent.objects.get(crisis=crisis, action="phase")
    assert (event.actor, event.note, event.from_phase, event.to_phase) == (
        agent,
        "抖音视频发酵",
        "latent",
        "outbreak",
    )


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("outbreak", "latent"),  # backwards
        ("recovery", "aftermath"),  # backwards
        ("latent", "aftermath"),  # skipping
        ("outbreak", "recovery"),  # skipping
        ("outbreak", "outbreak"),  # standing still
    ],
)
def test_a_forbidden_phase_change_is_409_with_a_chinese_message(
    start: str,
    target: str,
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    gm: Any,
) -> None:
    crisis = to_phase(open_crisis(), start)
    response = api(gm).post(url(crisis, "phase"), {"phase": target, "reason": "调整"}, format="json")
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert CHINESE.search(detail)
    assert str(Phase(start).label) in detail and str(Phase(target).label) in detail
    crisis.refresh_from_db()
    assert crisis.phase == start


@pytest.mark.parametrize("data", [{"phase": "outbreak"}, {"phase": "outbreak", "reason": "   "}])
def test_a_phase_change_without_a_reason_is_400(
    data: dict[str, str], api: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], gm: Any
) -> None:
    crisis = open_crisis()
    response = api(gm).post(url(crisis, "phase"), data, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    crisis.refresh_from_db()
    assert crisis.phase == Phase.LATENT


def test_an_unknown_phase_is_400(
    api: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], gm: Any
) -> None:
    crisis = open_crisis()
    response = api(gm).post(url(crisis, "phase"), {"phase": "over", "reason": "x"}, format="json")
    assert response.status_code == 400 and "phase" in response.json()


def test_team_plan_actions_media_and_logs_through_the_api(
    clock: Any,
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    agent: Any,
    gm: Any,
    service_mgr: Any,
    other_agent: Any,
) -> None:
    crisis = open_crisis(actor=agent)
    client = api(agent)
    body = ok(client.post(url(crisis, "team"), {"user": service_mgr.pk, "role": "技术鉴定"}, format="json"))
    assert {(m["user"], m["role"], m["is_leader"]) for m in body["team"]} == {
        (agent.pk, "发起人", True),
        (service_mgr.pk, "技术鉴定", False),
    }
    # Someone of another store cannot join this store's team.
    response = client.post(url(crisis, "team"), {"user": other_agent.pk}, format="json")
    assert response.status_code == 400 and "user" in response.json()

    body = ok(client.post(url(crisis, "plan"), {"text": "一、安抚"}, format="json"))
    body = ok(api(service_mgr).post(url(crisis, "plan"), {"text": "二、检测"}, format="json"))
    assert (body["plan"], body["plan_version"]) == ("二、检测", 2)
    assert list(
        PlanVersion.objects.filter(crisis=crisis).order_by("version").values_list("author", flat=True)
    ) == [
        agent.pk,
        service_mgr.pk,
    ]

    due = (T0 + dt.timedelta(days=1)).isoformat()
    body = ok(
        client.post(
            url(crisis, "actions"),
            {"title": "出具检测报告", "owner": service_mgr.pk, "due_at": due},
            format="json",
        )
    )
    assert [(a["title"], a["owner"], a["overdue_at"]) for a in body["actions"]] == [
        ("出具检测报告", service_mgr.pk, None)
    ]

    body = ok(
        client.post(
            url(crisis, "media_log"),
            {
                "outlet": "南方都市报",
                "date": "2026-03-11",
                "exposed": True,
                "reach": 50000,
                "response": "公关部回应",
            },
            format="json",
        )
    )
    assert body["exposed"] is True
    assert [(m["outlet"], m["exposed"], m["reach"]) for m in body["media_log"]] == [
        ("南方都市报", True, 50000)
    ]
    # A report of a day not yet come (a slip of the year) is refused, by the page and the API.
    tomorrow = client.post(url(crisis, "media_log"), {"outlet": "晚报", "date": "2026-03-12"}, format="json")
    assert tomorrow.status_code == 400 and tomorrow.json()["date"] == ["日期不能晚于今天"]
    page = Client()
    page.force_login(agent)
    form = page.post(f"/crisis/{crisis.pk}/media/", {"outlet": "晚报", "date": "2099-03-11"})
    assert form.status_code == 400 and "日期不能晚于今天" in form.content.decode()
    assert crisis.media_log.count() == 1

    ok(client.post(url(crisis, "logs"), {"kind": "negotiation", "text": "客户同意第三方检测"}, format="json"))
    assert crisis.logs.get().author == agent
    assert client.post(url(crisis, "logs"), {"kind": "rumour", "text": "x"}, format="json").status_code == 400


def test_review_and_decision_through_the_api(
    clock: Any,
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    agent: Any,
    ccm: Any,
    gm: Any,
) -> None:
    crisis = open_crisis(actor=agent)
    review = {"causes": "漏检", "lessons": "早预警", "preventive_measures": "交车复检"}
    response = api(agent).post(url(crisis, "review"), review, format="json")
    assert response.status_code == 409 and CHINESE.search(response.json()["detail"])
    to_phase(crisis, Phase.RECOVERY)
    response = api(agent).post(url(crisis, "review"), {**review, "lessons": ""}, format="json")
    assert response.status_code == 400 and "lessons" in response.json()
    assert ok(api(agent).post(url(crisis, "review"), review, format="json"))["review"] == "pending"

    for not_gm in (agent, ccm):
        assert api(not_gm).post(url(crisis, "decide"), {"approve": True}, format="json").status_code == 403
    response = api(gm).post(url(crisis, "decide"), {"approve": False}, format="json")
    assert response.status_code == 409  # a rejection needs a comment
    crisis.refresh_from_db()
    assert crisis.review == Review.PENDING and crisis.is_open

    body = ok(api(gm).post(url(crisis, "decide"), {"approve": True, "comment": "同意"}, format="json"))
    assert body["review"] == "approved" and body["closed_at"] is not None


def test_a_closed_case_refuses_edits_with_409(
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    agent: Any,
    gm: Any,
) -> None:
    crisis = to_phase(open_crisis(actor=agent), Phase.RECOVERY)
    services.crisis_review_submit(
        crisis=crisis, actor=agent, causes="因", lessons="教训", preventive_measures="措施"
    )
    services.crisis_review_decide(crisis=crisis, actor=gm, approve=True)
    posts = {
        "phase": {"phase": "outbreak", "reason": "复发"},
        "team": {"user": gm.pk},
        "plan": {"text": "新方案"},
        "actions": {"title": "x", "owner": agent.pk, "due_at": (T0 + dt.timedelta(days=1)).isoformat()},
        "media_log": {"outlet": "报", "date": "2026-03-20", "exposed": True},
        "logs": {"kind": "legal", "text": "起诉"},
        "review": {"causes": "a", "lessons": "b", "preventive_measures": "c"},
    }
    for user in (agent, gm):
        for action, data in posts.items():
            response = api(user).post(url(crisis, action), data, format="json")
            assert response.status_code == 409, (action, response.content)
            assert CHINESE.search(response.json()["detail"])
    assert api(gm).post(url(crisis, "decide"), {"approve": True}, format="json").status_code == 409
    # Still readable.
    assert ok(api(agent).get(url(crisis)))["review"] == "approved"


# --- permissions ----------------------------------------------------------------------------------


def test_the_team_and_the_gm_edit(
    api: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any, sales_mgr: Any
) -> None:
    crisis = open_crisis(actor=agent)
    ok(api(gm).post(url(crisis, "team"), {"user": sales_mgr.pk, "role": "客户沟通"}, format="json"))
    ok(api(sales_mgr).post(url(crisis, "logs"), {"kind": "negotiation", "text": "上门致歉"}, format="json"))
    ok(api(gm).post(url(crisis, "phase"), {"phase": "outbreak", "reason": "媒体介入"}, format="json"))
    ok(api(agent).post(url(crisis, "plan"), {"text": "方案"}, format="json"))


def test_readers_who_are_not_on_the_team_get_403_on_writes(
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    agent: Any,
    ccm: Any,
    assessor: Any,
    viewer: Any,
) -> None:
    crisis = open_crisis(actor=agent)
    for reader in (ccm, assessor, viewer):
        client = api(reader)
        assert ok(client.get(url(crisis)))["id"] == crisis.pk
        assert crisis.pk in {r["id"] for r in ok(client.get("/api/crises/"))["results"]}
        for action, data in (
            ("phase", {"phase": "outbreak", "reason": "x"}),
            ("plan", {"text": "方案"}),
            ("logs", {"kind": "legal", "text": "律师函"}),
            ("media_log", {"outlet": "报", "date": "2026-03-11", "exposed": True}),
        ):
            response = client.post(url(crisis, action), data, format="json")
            assert response.status_code == 403, (reader, action, response.content)
    crisis.refresh_from_db()
    assert (crisis.phase, crisis.plan_version, crisis.exposed) == (Phase.LATENT, 0, False)
    assert not crisis.logs.exists()


def test_a_department_manager_taken_off_the_team_reads_but_gets_403(
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    sales_mgr: Any,
    service_mgr: Any,
    gm: Any,
) -> None:
    """The sales manager raised the alarm; the GM hands the case to the service manager."""
    crisis = open_crisis(actor=sales_mgr)
    services.crisis_team_set(crisis=crisis, actor=gm, user=service_mgr, role="组长", is_leader=True)
    services.crisis_team_remove(crisis=crisis, actor=gm, user=sales_mgr)
    client = api(sales_mgr)
    assert ok(client.get(url(crisis)))["id"] == crisis.pk
    assert client.post(url(crisis, "plan"), {"text": "方案"}, format="json").status_code == 403
    assert (
        ok(api(service_mgr).post(url(crisis, "plan"), {"text": "方案"}, format="json"))["plan_version"] == 1
    )


def test_a_department_manager_on_no_team_neither_reads_nor_writes(
    api: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], agent: Any, sales_mgr: Any
) -> None:
    crisis = open_crisis(actor=agent)
    client = api(sales_mgr)
    assert ok(client.get("/api/crises/"))["results"] == []
    assert client.get(url(crisis)).status_code == 404
    assert client.post(url(crisis, "plan"), {"text": "方案"}, format="json").status_code == 404


def test_an_agent_reads_only_the_cases_they_are_on(
    api: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], agent: Any, agent2: Any, gm: Any
) -> None:
    theirs = open_crisis(actor=agent)
    mine = open_crisis(actor=agent2, title="另一起")
    client = api(agent2)
    assert [r["id"] for r in ok(client.get("/api/crises/"))["results"]] == [mine.pk]
    assert client.get(url(theirs)).status_code == 404
    assert (
        client.post(url(theirs, "phase"), {"phase": "outbreak", "reason": "x"}, format="json").status_code
        == 404
    )
    services.crisis_team_set(crisis=theirs, actor=gm, user=agent2, role="记录")
    assert ok(client.get(url(theirs)))["id"] == theirs.pk
    assert {r["id"] for r in ok(client.get("/api/crises/"))["results"]} == {mine.pk, theirs.pk}


def test_another_stores_case_is_404(
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    agent: Any,
    other_gm: Any,
    other_agent: Any,
) -> None:
    crisis = to_phase(open_crisis(actor=agent), Phase.RECOVERY)
    services.crisis_review_submit(
        crisis=crisis, actor=agent, causes="因", lessons="教训", preventive_measures="措施"
    )
    for outsider in (other_gm, other_agent):
        client = api(outsider)
        assert client.get(url(crisis)).status_code == 404
        assert ok(client.get("/api/crises/"))["results"] == []
        assert client.post(url(crisis, "decide"), {"approve": True}, format="json").status_code == 404
        assert client.post(url(crisis, "plan"), {"text": "x"}, format="json").status_code == 404
    crisis.refresh_from_db()
    assert crisis.is_open and crisis.review == Review.PENDING


def test_head_office_reads_every_store_and_changes_nothing(
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    agent: Any,
    other_agent: Any,
    other_store: Any,
    viewer: Any,
) -> None:
    mine = open_crisis(actor=agent)
    theirs = open_crisis(actor=other_agent, store=other_store, customer=CustomerFactory(store=other_store))
    client = api(viewer)
    assert {r["id"] for r in ok(client.get("/api/crises/"))["results"]} == {mine.pk, theirs.pk}
    assert client.post(url(theirs, "team"), {"user": other_agent.pk}, format="json").status_code == 403
    assert client.post(url(mine, "decide"), {"approve": True}, format="json").status_code == 403
    assert TeamMember.objects.filter(crisis=theirs).count() == 1


def test_escalate_through_the_complaints_api(
    api: Callable[[Any], Any], make_complaint: Callable[..., Complaint], ccm: Any, agent: Any
) -> None:
    ticket = make_complaint(major_criteria=["media_or_authority"])
    assert api(agent).post(f"/api/complaints/{ticket.pk}/escalate/", {}, format="json").status_code == 403
    assert not CrisisCase.objects.exists()
    ok(api(ccm).post(f"/api/complaints/{ticket.pk}/escalate/", {"note": "记者来电"}, format="json"))
    crisis = CrisisCase.objects.get()
    assert crisis.type == "d"
    body = ok(api(ccm).get(url(crisis)))
    assert body["complaints"] == [ticket.pk] and body["customer"] == ticket.customer_id


def test_list_filters(
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    gm: Any,
) -> None:
    a = open_crisis(type="a")
    d = to_phase(open_crisis(type="d"), Phase.OUTBREAK)
    client = api(gm)
    assert [r["id"] for r in ok(client.get("/api/crises/?phase=outbreak"))["results"]] == [d.pk]
    assert [r["id"] for r in ok(client.get("/api/crises/?type=a"))["results"]] == [a.pk]


# --- query count ----------------------------------------------------------------------------------


def _busy_cases(
    n: int, *, open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any, members: list[Any]
) -> None:
    """n cases, each with team members, actions, a media entry, a complaint-free customer."""
    for i in range(n):
        crisis = open_crisis(
            actor=agent, title=f"危机{i}", customer=CustomerFactory(store=agent.profile.store)
        )
        for member in members:
            services.crisis_team_set(crisis=crisis, actor=gm, user=member, role="成员")
        services.crisis_action_add(
            crisis=crisis, actor=agent, title="行动", owner=gm, due_at=T0 + dt.timedelta(days=1)
        )
        services.crisis_action_add(
            crisis=crisis, actor=agent, title="行动2", owner=agent, due_at=T0 - dt.timedelta(days=1)
        )
        services.crisis_media_add(
            crisis=crisis, actor=agent, outlet="报", date=dt.date(2026, 3, 1), exposed=i % 2 == 0
        )
        if i % 3 == 1:
            services.crisis_change_phase(crisis=crisis, actor=gm, phase=Phase.OUTBREAK, reason="升级")
    services.crisis_actions_sweep()


def _list_queries(client: Any) -> tuple[list[str], int]:
    with CaptureQueriesContext(connection) as ctx:
        body = ok(client.get("/api/crises/"))
    return [q["sql"] for q in ctx.captured_queries], len(body["results"])


def test_the_list_takes_the_same_queries_for_2_and_8_cases(
    clock: Any,
    api: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    agent: Any,
    gm: Any,
    sales_mgr: Any,
    service_mgr: Any,
    make_complaint: Callable[..., Complaint],
) -> None:
    client = api(gm)
    setup = {"open_crisis": open_crisis, "agent": agent, "gm": gm, "members": [sales_mgr, service_mgr]}
    _busy_cases(2, **setup)
    # One case with linked complaints too.
    crisis = CrisisCase.objects.first()
    assert crisis is not None
    crisis.complaints.add(make_complaint(), make_complaint())
    two, listed = _list_queries(client)
    assert listed == 2
    _busy_cases(6, **setup)
    eight, listed = _list_queries(client)
    assert listed == 8
    assert len(eight) == len(two), eight
    # count, page, team, their users, actions, media_log, complaints.
    assert len(two) == 7, two


def test_a_superuser_without_a_store_opens_for_a_customer(
    api: Callable[[Any], Any], customer: Any, store: Any
) -> None:
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = api(admin)
    response = client.post("/api/crises/", {"type": "a", "title": "总部发现"}, format="json")
    assert response.status_code == 400 and "customer" in response.json()
    assert not CrisisCase.objects.exists()
    body = ok(
        client.post(
            "/api/crises/", {"type": "a", "title": "总部发现", "customer": customer.pk}, format="json"
        ),
        201,
    )
    assert CrisisCase.objects.get(pk=body["id"]).store == store
