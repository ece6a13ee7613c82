"""Crisis services: opening (directly and by escalating a complaint), phase rules with events and
notifications, the versioned plan, the media log, actions and their exactly-once overdue sweep, and
the GM-approved closing review."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from complaints.models import Complaint, Severity
from complaints.services import workflow
from crisis import services
from crisis.models import (
    ActionOverdue,
    CrisisAction,
    CrisisCase,
    CrisisEvent,
    LogKind,
    MediaEntry,
    Phase,
    PlanVersion,
    Review,
    TeamMember,
)
from crisis.tasks import sweep_crisis_actions
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import Notification
from tests.factories import CustomerFactory
from tests.fixtures import CHINESE, T0

pytestmark = pytest.mark.django_db

ALLOWED = {
    (Phase.LATENT, Phase.OUTBREAK),
    (Phase.LATENT, Phase.RECOVERY),
    (Phase.OUTBREAK, Phase.AFTERMATH),
    (Phase.AFTERMATH, Phase.RECOVERY),
}


def recipients(key: str) -> list[int]:
    """The recipient ids of a notification key, one entry per row (duplicates would show)."""
    return sorted(Notification.objects.filter(key=key).values_list("recipient_id", flat=True))


def ids(*users: Any) -> list[int]:
    return sorted(u.pk for u in users)


# --- opening --------------------------------------------------------------------------------------


def test_opening_makes_the_opener_the_leader_and_writes_an_open_event(
    clock: Any, open_crisis: Callable[..., CrisisCase], agent: Any, store: Any, customer: Any
) -> None:
    crisis = open_crisis(type="a", title="  刹车失灵  ")
    crisis.refresh_from_db()
    assert crisis.phase == Phase.LATENT
    assert crisis.type == "a"
    assert crisis.title == "刹车失灵"
    assert crisis.store == store and crisis.customer == customer
    assert crisis.opened_by == agent and crisis.opened_at == T0
    assert crisis.number == f"WJSZ01-20260311-{crisis.pk:04d}"
    assert crisis.is_open and not crisis.exposed and crisis.review == Review.NONE
    team = list(TeamMember.objects.filter(crisis=crisis))
    assert [(m.user, m.is_leader) for m in team] == [(agent, True)]
    event = CrisisEvent.objects.get(crisis=crisis)
    assert (event.action, event.actor, event.from_phase, event.to_phase) == ("open", agent, "", "latent")


@pytest.mark.parametrize("opener", ["agent", "ccm", "sales_mgr", "gm", "assessor"])
def test_every_opener_role_may_open(
    opener: str, request: pytest.FixtureRequest, open_crisis: Callable[..., CrisisCase]
) -> None:
    user = request.getfixturevalue(opener)
    crisis = open_crisis(actor=user)
    assert TeamMember.objects.get(crisis=crisis, is_leader=True).user == user


@pytest.mark.parametrize("who", ["front_line", "viewer"])
def test_front_line_staff_and_head_office_may_not_open(
    who: str, request: pytest.FixtureRequest, open_crisis: Callable[..., CrisisCase]
) -> None:
    with pytest.raises(NotAllowedError):
        open_crisis(actor=request.getfixturevalue(who))
    assert not CrisisCase.objects.exists()


def test_opening_needs_a_title_and_a_known_type(open_crisis: Callable[..., CrisisCase]) -> None:
    with pytest.raises(ApplicationError):
        open_crisis(title="   ")
    with pytest.raises(ValidationError):
        open_crisis(type="z")
    assert not CrisisCase.objects.exists()


def test_the_gm_and_the_team_are_told_once_on_opening(
    open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any, ccm: Any, other_gm: Any
) -> None:
    crisis = open_crisis(actor=agent)
    # The GM of this store and the opener (the team), nobody else (not customer care's manager,
    # not the GM of another store).
    assert recipients(f"crisis:{crisis.pk}:opened") == ids(agent, gm)
    title = Notification.objects.get(recipient=gm, key=f"crisis:{crisis.pk}:opened").title
    assert crisis.number in title and CHINESE.search(title)


def test_a_gm_who_opens_is_told_once(open_crisis: Callable[..., CrisisCase], gm: Any) -> None:
    crisis = open_crisis(actor=gm)
    assert recipients(f"crisis:{crisis.pk}:opened") == ids(gm)


# --- phases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), list(itertools.product(Phase.values, Phase.values)))
def test_phase_rules(
    before: str,
    after: str,
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    gm: Any,
) -> None:
    """latent→outbreak→aftermath→recovery, latent→recovery; never backwards, never skipping."""
    crisis = to_phase(open_crisis(), before)
    events = CrisisEvent.objects.filter(crisis=crisis, action="phase").count()
    if (before, after) in ALLOWED:
        crisis = services.crisis_change_phase(
            crisis=crisis.pk, actor=gm, phase=after, reason="客户已联系媒体"
        )
        crisis.refresh_from_db()
        assert crisis.phase == after
        assert CrisisEvent.objects.filter(crisis=crisis, action="phase").count() == events + 1
    else:
        with pytest.raises(ApplicationError) as caught:
            services.crisis_change_phase(crisis=crisis.pk, actor=gm, phase=after, reason="客户已联系媒体")
        assert caught.value.status_code == 409
        assert CHINESE.search(caught.value.message)
        crisis.refresh_from_db()
        assert crisis.phase == before
        assert CrisisEvent.objects.filter(crisis=crisis, action="phase").count() == events


def test_the_forbidden_message_names_both_phases(
    open_crisis: Callable[..., CrisisCase], to_phase: Callable[..., CrisisCase], gm: Any
) -> None:
    crisis = to_phase(open_crisis(), Phase.AFTERMATH)
    with pytest.raises(ApplicationError) as caught:
        services.crisis_change_phase(crisis=crisis, actor=gm, phase=Phase.LATENT, reason="误判")
    assert "后遗症期" in caught.value.message and "潜伏期" in caught.value.message


def test_an_unknown_phase_is_refused(open_crisis: Callable[..., CrisisCase], gm: Any) -> None:
    crisis = open_crisis()
    with pytest.raises(ApplicationError):
        services.crisis_change_phase(crisis=crisis, actor=gm, phase="finished", reason="结束")
    crisis.refresh_from_db()
    assert crisis.phase == Phase.LATENT


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_phase_change_needs_a_reason(reason: str, open_crisis: Callable[..., CrisisCase], gm: Any) -> None:
    crisis = open_crisis()
    with pytest.raises(ApplicationError):
        services.crisis_change_phase(crisis=crisis, actor=gm, phase=Phase.OUTBREAK, reason=reason)
    crisis.refresh_from_db()
    assert crisis.phase == Phase.LATENT
    assert not CrisisEvent.objects.filter(crisis=crisis, action="phase").exists()


def test_each_phase_change_is_an_event_with_who_why_from_and_to(
    clock: Any,
    open_crisis: Callable[..., CrisisCase],
    agent: Any,
    gm: Any,
) -> None:
    crisis = open_crisis(actor=agent)
    clock.shift(dt.timedelta(hours=2))
    services.crisis_change_phase(crisis=crisis, actor=agent, phase=Phase.OUTBREAK, reason="  微博发帖  ")
    clock.shift(dt.timedelta(days=1))
    services.crisis_change_phase(crisis=crisis, actor=gm, phase=Phase.AFTERMATH, reason="报道持续")
    rows = list(
        CrisisEvent.objects.filter(crisis=crisis, action="phase").values_list(
            "actor", "note", "from_phase", "to_phase", "created_at"
        )
    )
    assert rows == [
        (agent.pk, "微博发帖", "latent", "outbreak", T0 + dt.timedelta(hours=2)),
        (gm.pk, "报道持续", "outbreak", "aftermath", T0 + dt.timedelta(days=1, hours=2)),
    ]


def test_defused_while_latent_goes_straight_to_recovery(
    open_crisis: Callable[..., CrisisCase], agent: Any
) -> None:
    crisis = services.crisis_change_phase(
        crisis=open_crisis(), actor=agent, phase=Phase.RECOVERY, reason="客户接受道歉"
    )
    assert crisis.phase == Phase.RECOVERY
    event = CrisisEvent.objects.get(crisis=crisis, action="phase")
    assert (event.from_phase, event.to_phase) == ("latent", "recovery")


def test_the_gm_and_the_team_are_told_once_on_each_phase_change(
    open_crisis: Callable[..., CrisisCase],
    agent: Any,
    gm: Any,
    service_mgr: Any,
    sales_mgr: Any,
    ccm: Any,
) -> None:
    crisis = open_crisis(actor=agent)
    # The GM joins the team too: still one notification for them.
    services.crisis_team_set(crisis=crisis, actor=agent, user=gm, role="总指挥")
    services.crisis_team_set(crisis=crisis, actor=agent, user=service_mgr, role="技术鉴定")
    services.crisis_change_phase(crisis=crisis, actor=agent, phase=Phase.OUTBREAK, reason="上了新闻")
    assert recipients(f"crisis:{crisis.pk}:phase:outbreak") == ids(agent, gm, service_mgr)
    services.crisis_team_set(crisis=crisis, actor=gm, user=sales_mgr, role="客户沟通")
    services.crisis_change_phase(crisis=crisis, actor=gm, phase=Phase.AFTERMATH, reason="报道持续")
    assert recipients(f"crisis:{crisis.pk}:phase:aftermath") == ids(agent, gm, service_mgr, sales_mgr)
    assert recipients(f"crisis:{crisis.pk}:phase:outbreak") == ids(agent, gm, service_mgr)
    assert not Notification.objects.filter(recipient=ccm, key__startswith=f"crisis:{crisis.pk}:").exists()


def test_a_refused_phase_change_tells_nobody(open_crisis: Callable[..., CrisisCase], gm: Any) -> None:
    crisis = open_crisis()
    with pytest.raises(ApplicationError):
        services.crisis_change_phase(crisis=crisis, actor=gm, phase=Phase.AFTERMATH, reason="跳过")
    assert not Notification.objects.filter(key__startswith=f"crisis:{crisis.pk}:phase").exists()


# --- who may edit ---------------------------------------------------------------------------------


def test_team_members_and_the_gm_edit_others_may_not(
    open_crisis: Callable[..., CrisisCase],
    agent: Any,
    agent2: Any,
    gm: Any,
    ccm: Any,
    assessor: Any,
    sales_mgr: Any,
    viewer: Any,
    other_gm: Any,
) -> None:
    crisis = open_crisis(actor=agent)
    for outsider in (agent2, ccm, assessor, sales_mgr, viewer, other_gm):
        with pytest.raises(NotAllowedError):
            services.crisis_plan_update(crisis=crisis, actor=outsider, text="方案")
    assert not PlanVersion.objects.exists()
    services.crisis_plan_update(crisis=crisis, actor=agent, text="方案一")  # the leader
    services.crisis_plan_update(crisis=crisis, actor=gm, text="方案二")  # the GM, not on the team
    services.crisis_team_set(crisis=crisis, actor=gm, user=sales_mgr, role="客户沟通")
    services.crisis_plan_update(crisis=crisis, actor=sales_mgr, text="方案三")  # now a member
    assert PlanVersion.objects.filter(crisis=crisis).count() == 3


def test_a_removed_member_may_no_longer_edit(
    open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any, sales_mgr: Any
) -> None:
    crisis = open_crisis(actor=agent)
    services.crisis_team_set(crisis=crisis, actor=gm, user=sales_mgr, role="客户沟通")
    services.crisis_team_remove(crisis=crisis, actor=gm, user=sales_mgr)
    with pytest.raises(NotAllowedError):
        services.crisis_log_add(crisis=crisis, actor=sales_mgr, kind=LogKind.NEGOTIATION, text="电话沟通")
    assert list(CrisisEvent.objects.filter(crisis=crisis).values_list("action", flat=True)) == [
        "open",
        "team",
        "team_remove",
    ]


def test_naming_a_new_leader_keeps_one_leader(
    open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any, service_mgr: Any
) -> None:
    crisis = open_crisis(actor=agent)
    services.crisis_team_set(crisis=crisis, actor=gm, user=service_mgr, role="组长", is_leader=True)
    leaders = list(TeamMember.objects.filter(crisis=crisis, is_leader=True).values_list("user", flat=True))
    assert leaders == [service_mgr.pk]
    assert TeamMember.objects.filter(crisis=crisis).count() == 2
    assert Notification.objects.filter(
        recipient=service_mgr, key=f"crisis:{crisis.pk}:team:{service_mgr.pk}"
    ).exists()


# --- plan, logs, media ----------------------------------------------------------------------------


def test_plan_versions_are_kept_with_their_author(
    clock: Any, open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any
) -> None:
    crisis = open_crisis(actor=agent)
    v1 = services.crisis_plan_update(crisis=crisis, actor=agent, text="  一、安抚客户  ")
    clock.shift(dt.timedelta(hours=1))
    v2 = services.crisis_plan_update(crisis=crisis, actor=gm, text="二、第三方检测")
    crisis.refresh_from_db()
    assert (crisis.plan, crisis.plan_version) == ("二、第三方检测", 2)
    rows = list(
        PlanVersion.objects.filter(crisis=crisis).order_by("version").values_list("version", "text", "author")
    )
    assert rows == [(1, "一、安抚客户", agent.pk), (2, "二、第三方检测", gm.pk)]
    assert (v1.version, v2.version) == (1, 2)
    assert list(CrisisEvent.objects.filter(crisis=crisis, action="plan").values_list("actor", "note")) == [
        (agent.pk, "v1"),
        (gm.pk, "v2"),
    ]
    with pytest.raises(ApplicationError):
        services.crisis_plan_update(crisis=crisis, actor=gm, text="  ")
    crisis.refresh_from_db()
    assert crisis.plan_version == 2 and PlanVersion.objects.filter(crisis=crisis).count() == 2


def test_logs_record_negotiation_third_party_and_legal_steps(
    open_crisis: Callable[..., CrisisCase], agent: Any
) -> None:
    crisis = open_crisis(actor=agent)
    for kind in LogKind.values:
        services.crisis_log_add(crisis=crisis, actor=agent, kind=kind, text=f"{kind} 记录")
    assert sorted(crisis.logs.values_list("kind", flat=True)) == sorted(LogKind.values)
    with pytest.raises(ValidationError):
        services.crisis_log_add(crisis=crisis, actor=agent, kind="gossip", text="x")
    with pytest.raises(ApplicationError):
        services.crisis_log_add(crisis=crisis, actor=agent, kind=LogKind.LEGAL, text=" ")
    assert crisis.logs.count() == 3


def test_a_media_entry_marks_the_case_exposed_once(
    open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any
) -> None:
    crisis = open_crisis(actor=agent)
    services.crisis_media_add(
        crisis=crisis,
        actor=agent,
        outlet="深圳晚报",
        date=dt.date(2026, 3, 11),
        exposed=False,
        response="已联系",
    )
    crisis.refresh_from_db()
    assert not crisis.exposed
    assert not Notification.objects.filter(key=f"crisis:{crisis.pk}:exposed").exists()
    for outlet in ("深圳卫视", "微博热搜"):
        services.crisis_media_add(
            crisis=crisis, actor=agent, outlet=outlet, date=dt.date(2026, 3, 12), exposed=True, reach=120000
        )
    crisis.refresh_from_db()
    assert crisis.exposed
    assert MediaEntry.objects.filter(crisis=crisis).count() == 3
    exposed_events = list(
        CrisisEvent.objects.filter(crisis=crisis, action="exposed").values_list("note", flat=True)
    )
    assert exposed_events == ["深圳卫视"]
    assert recipients(f"crisis:{crisis.pk}:exposed") == ids(agent, gm)


# --- actions and the overdue sweep ----------------------------------------------------------------


def test_an_overdue_action_is_swept_once(
    clock: Any, open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any, service_mgr: Any
) -> None:
    crisis = open_crisis(actor=agent)
    action = services.crisis_action_add(
        crisis=crisis,
        actor=agent,
        title="提交第三方检测报告",
        owner=service_mgr,
        due_at=T0 + dt.timedelta(hours=4),
    )
    assert Notification.objects.filter(
        recipient=service_mgr, key=f"crisis-action:{action.pk}:assigned"
    ).exists()
    assert services.crisis_actions_sweep() == 0  # not yet due
    clock.shift(dt.timedelta(hours=4))
    assert services.crisis_actions_sweep() == 0  # due now, not past due
    clock.shift(dt.timedelta(minutes=1))
    assert services.crisis_actions_sweep() == 1
    assert services.crisis_actions_sweep() == 0
    clock.shift(dt.timedelta(hours=1))
    assert services.crisis_actions_sweep() == 0
    assert ActionOverdue.objects.filter(action=action).count() == 1
    action.refresh_from_db()
    assert action.overdue_at == T0 + dt.timedelta(hours=4, minutes=1)
    # The owner, the team and the GM: one notification each.
    assert recipients(f"crisis-action:{action.pk}:overdue") == ids(agent, gm, service_mgr)


def test_done_and_future_actions_are_not_swept(
    clock: Any, open_crisis: Callable[..., CrisisCase], agent: Any, service_mgr: Any
) -> None:
    crisis = open_crisis(actor=agent)
    done = services.crisis_action_add(
        crisis=crisis, actor=agent, title="致歉信", owner=service_mgr, due_at=T0 + dt.timedelta(hours=1)
    )
    later = services.crisis_action_add(
        crisis=crisis, actor=agent, title="回访", owner=agent, due_at=T0 + dt.timedelta(days=3)
    )
    services.crisis_action_done(action=done, actor=service_mgr)  # the owner, not on the team
    clock.shift(dt.timedelta(days=1))
    assert services.crisis_actions_sweep() == 0
    assert not ActionOverdue.objects.exists()
    later.refresh_from_db()
    assert later.overdue_at is None


def test_an_action_of_a_closed_case_is_not_swept(
    clock: Any,
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    agent: Any,
    gm: Any,
) -> None:
    crisis = open_crisis(actor=agent)
    services.crisis_action_add(
        crisis=crisis, actor=agent, title="回访", owner=agent, due_at=T0 + dt.timedelta(hours=1)
    )
    to_phase(crisis, Phase.RECOVERY)
    services.crisis_review_submit(
        crisis=crisis, actor=agent, causes="因", lessons="教训", preventive_measures="措施"
    )
    services.crisis_review_decide(crisis=crisis, actor=gm, approve=True)
    clock.shift(dt.timedelta(days=1))
    assert services.crisis_actions_sweep() == 0
    assert not ActionOverdue.objects.exists()


def test_the_beat_task_runs_the_sweep_once(
    clock: Any, open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any
) -> None:
    crisis = open_crisis(actor=agent)
    for n in range(3):
        services.crisis_action_add(
            crisis=crisis, actor=agent, title=f"行动{n}", owner=agent, due_at=T0 + dt.timedelta(minutes=10)
        )
    clock.shift(dt.timedelta(hours=1))
    assert sweep_crisis_actions.delay().get() == 3
    assert sweep_crisis_actions.delay().get() == 0
    assert ActionOverdue.objects.count() == 3
    assert Notification.objects.filter(recipient=gm, key__endswith=":overdue").count() == 3


def test_only_the_owner_the_team_and_the_gm_complete_an_action(
    open_crisis: Callable[..., CrisisCase], agent: Any, agent2: Any, service_mgr: Any
) -> None:
    crisis = open_crisis(actor=agent)
    action = services.crisis_action_add(
        crisis=crisis, actor=agent, title="检测", owner=service_mgr, due_at=T0 + dt.timedelta(days=1)
    )
    with pytest.raises(NotAllowedError):
        services.crisis_action_done(action=action, actor=agent2)
    action.refresh_from_db()
    assert action.done_at is None
    assert services.crisis_action_done(action=action.pk, actor=agent).done_at is not None


# --- review and closing ---------------------------------------------------------------------------


@pytest.mark.parametrize("phase", [Phase.LATENT, Phase.OUTBREAK, Phase.AFTERMATH])
def test_the_review_is_only_submitted_in_recovery(
    phase: str, open_crisis: Callable[..., CrisisCase], to_phase: Callable[..., CrisisCase], agent: Any
) -> None:
    crisis = to_phase(open_crisis(actor=agent), phase)
    with pytest.raises(ApplicationError) as caught:
        services.crisis_review_submit(
            crisis=crisis, actor=agent, causes="因", lessons="教训", preventive_measures="措施"
        )
    assert caught.value.status_code == 409
    crisis.refresh_from_db()
    assert crisis.review == Review.NONE and crisis.causes == ""


@pytest.mark.parametrize("blank", ["causes", "lessons", "preventive_measures"])
def test_the_review_needs_all_three_fields(
    blank: str, open_crisis: Callable[..., CrisisCase], to_phase: Callable[..., CrisisCase], agent: Any
) -> None:
    crisis = to_phase(open_crisis(actor=agent), Phase.RECOVERY)
    fields = {"causes": "质检漏检", "lessons": "及时升级", "preventive_measures": "交车前复检"}
    fields[blank] = "  "
    with pytest.raises(ApplicationError):
        services.crisis_review_submit(crisis=crisis, actor=agent, **fields)
    crisis.refresh_from_db()
    assert crisis.review == Review.NONE


def _submitted(crisis: CrisisCase, actor: Any) -> CrisisCase:
    return services.crisis_review_submit(
        crisis=crisis, actor=actor, causes="质检漏检", lessons="及时升级", preventive_measures="交车前复检"
    )


def test_only_the_gm_approves_and_approval_closes(
    clock: Any,
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    agent: Any,
    ccm: Any,
    assessor: Any,
    viewer: Any,
    other_gm: Any,
    gm: Any,
) -> None:
    crisis = _submitted(to_phase(open_crisis(actor=agent), Phase.RECOVERY), agent)
    assert crisis.review == Review.PENDING
    assert gm.pk in recipients(f"crisis:{crisis.pk}:review:{crisis.events.count()}")
    for not_gm in (agent, ccm, assessor, viewer, other_gm):
        with pytest.raises(NotAllowedError):
            services.crisis_review_decide(crisis=crisis, actor=not_gm, approve=True)
    crisis.refresh_from_db()
    assert crisis.is_open and crisis.review == Review.PENDING
    clock.shift(dt.timedelta(hours=3))
    crisis = services.crisis_review_decide(crisis=crisis, actor=gm, approve=True, comment="同意结案")
    crisis.refresh_from_db()
    assert crisis.review == Review.APPROVED
    assert crisis.closed_at == T0 + dt.timedelta(hours=3)
    assert not crisis.is_open
    event = CrisisEvent.objects.filter(crisis=crisis).last()
    assert (event.action, event.actor, event.note) == ("close", gm, "同意结案")
    with pytest.raises(ApplicationError):  # nothing left to decide
        services.crisis_review_decide(crisis=crisis, actor=gm, approve=False, comment="再议")


def test_a_rejection_needs_a_comment_and_keeps_the_case_open(
    open_crisis: Callable[..., CrisisCase], to_phase: Callable[..., CrisisCase], agent: Any, gm: Any
) -> None:
    crisis = _submitted(to_phase(open_crisis(actor=agent), Phase.RECOVERY), agent)
    with pytest.raises(ApplicationError):
        services.crisis_review_decide(crisis=crisis, actor=gm, approve=False, comment="  ")
    crisis.refresh_from_db()
    assert crisis.review == Review.PENDING
    services.crisis_review_decide(crisis=crisis, actor=gm, approve=False, comment="预防措施不具体")
    crisis.refresh_from_db()
    assert (crisis.review, crisis.review_comment, crisis.closed_at) == (
        Review.REJECTED,
        "预防措施不具体",
        None,
    )
    # The team revises and resubmits; the GM approves the second one.
    _submitted(crisis, agent)
    crisis = services.crisis_review_decide(crisis=crisis, actor=gm, approve=True)
    assert crisis.closed_at is not None


def test_a_decision_needs_a_pending_review(open_crisis: Callable[..., CrisisCase], gm: Any) -> None:
    crisis = open_crisis()
    with pytest.raises(ApplicationError):
        services.crisis_review_decide(crisis=crisis, actor=gm, approve=True)
    crisis.refresh_from_db()
    assert crisis.is_open


def test_a_closed_case_refuses_every_edit(
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    agent: Any,
    gm: Any,
    service_mgr: Any,
) -> None:
    crisis = _submitted(to_phase(open_crisis(actor=agent), Phase.RECOVERY), agent)
    services.crisis_review_decide(crisis=crisis, actor=gm, approve=True)
    events = CrisisEvent.objects.filter(crisis=crisis).count()
    edits: list[Callable[[Any], Any]] = [
        lambda u: services.crisis_change_phase(crisis=crisis, actor=u, phase=Phase.OUTBREAK, reason="复发"),
        lambda u: services.crisis_plan_update(crisis=crisis, actor=u, text="新方案"),
        lambda u: services.crisis_team_set(crisis=crisis, actor=u, user=service_mgr),
        lambda u: services.crisis_team_remove(crisis=crisis, actor=u, user=agent),
        lambda u: services.crisis_log_add(crisis=crisis, actor=u, kind=LogKind.LEGAL, text="律师函"),
        lambda u: services.crisis_media_add(
            crisis=crisis, actor=u, outlet="报", date=dt.date(2026, 3, 20), exposed=True
        ),
        lambda u: services.crisis_action_add(
            crisis=crisis, actor=u, title="x", owner=u, due_at=T0 + dt.timedelta(days=9)
        ),
        lambda u: _submitted(crisis, u),
    ]
    for edit, user in itertools.product(edits, (agent, gm)):
        with pytest.raises(ApplicationError) as caught:
            edit(user)
        assert caught.value.status_code == 409, caught.value.message
    crisis.refresh_from_db()
    assert (crisis.phase, crisis.plan_version, crisis.exposed) == (Phase.RECOVERY, 0, False)
    assert CrisisEvent.objects.filter(crisis=crisis).count() == events
    assert not CrisisAction.objects.exists() and not MediaEntry.objects.exists()


# --- escalating a complaint -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (["safety"], "a"),
        (["media_or_authority"], "d"),
        ([], "e"),
        (["safety", "media_or_authority"], "a"),
        (["large_amount"], "b"),
        (["repeat_repairs"], "c"),
    ],
)
def test_escalating_a_complaint_opens_a_crisis_of_the_derived_type(
    criteria: list[str],
    expected: str,
    clock: Any,
    make_complaint: Callable[..., Complaint],
    ccm: Any,
    gm: Any,
    customer: Any,
    store: Any,
) -> None:
    ticket = make_complaint(major_criteria=criteria)
    ticket = workflow.complaint_escalate(complaint=ticket, actor=ccm, note="客户联系了电视台")
    assert ticket.severity == Severity.MAJOR
    crisis = CrisisCase.objects.get()
    assert crisis.type == expected
    assert (crisis.store, crisis.customer, crisis.opened_by) == (store, customer, ccm)
    assert list(crisis.complaints.all()) == [ticket]
    assert ticket.number in crisis.title and customer.name in crisis.title
    assert crisis.summary == "客户联系了电视台"
    assert TeamMember.objects.get(crisis=crisis, is_leader=True).user == ccm
    assert recipients(f"crisis:{crisis.pk}:opened") == ids(ccm, gm)
    assert ticket.events.get(action="escalate").data["crisis"] == crisis.pk


def test_without_a_note_the_summary_is_what_the_customer_said(
    make_complaint: Callable[..., Complaint], gm: Any
) -> None:
    ticket = workflow.complaint_escalate(complaint=make_complaint(), actor=gm)
    assert CrisisCase.objects.get().summary == ticket.content


def test_a_second_escalation_of_the_customer_joins_the_open_crisis(
    make_complaint: Callable[..., Complaint], ccm: Any, gm: Any, customer: Any, store: Any
) -> None:
    first = workflow.complaint_escalate(complaint=make_complaint(major_criteria=["safety"]), actor=ccm)
    second = workflow.complaint_escalate(
        complaint=make_complaint(content="再次投诉：车辆依然异响"), actor=gm, note="第二次升级"
    )
    crisis = CrisisCase.objects.get()
    assert set(crisis.complaints.all()) == {first, second}
    assert crisis.type == "a"  # unchanged by the second ticket
    link = CrisisEvent.objects.get(crisis=crisis, action="link_complaint")
    assert (link.actor, link.note) == (gm, second.number)
    assert recipients(f"crisis:{crisis.pk}:opened") == ids(ccm, gm)
    # Another customer of the store gets a case of their own.
    someone_else = CustomerFactory(store=store, name="李女士")
    workflow.complaint_escalate(complaint=make_complaint(customer=someone_else), actor=ccm)
    assert CrisisCase.objects.count() == 2


def test_after_closing_a_new_escalation_opens_a_new_case(
    make_complaint: Callable[..., Complaint],
    to_phase: Callable[..., CrisisCase],
    ccm: Any,
    gm: Any,
) -> None:
    workflow.complaint_escalate(complaint=make_complaint(), actor=ccm)
    first = CrisisCase.objects.get()
    _submitted(to_phase(first, Phase.RECOVERY), ccm)
    services.crisis_review_decide(crisis=first, actor=gm, approve=True)
    workflow.complaint_escalate(complaint=make_complaint(content="新问题"), actor=ccm)
    assert CrisisCase.objects.count() == 2
    assert CrisisCase.objects.filter(closed_at__isnull=True).exclude(pk=first.pk).count() == 1


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_mark_each_action_once(
    open_crisis: Callable[..., CrisisCase], agent: Any, gm: Any, service_mgr: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://…)")
    crisis = open_crisis(actor=agent)
    actions = [
        services.crisis_action_add(
            crisis=crisis, actor=agent, title=f"行动{n}", owner=service_mgr, due_at=T0 - dt.timedelta(hours=1)
        )
        for n in range(40)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.crisis_actions_sweep(now=T0))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(isinstance(o, int) for o in outcomes) and len(outcomes) == 2, outcomes
    assert sum(outcomes) == len(actions)
    assert ActionOverdue.objects.count() == len(actions)
    for action in actions:
        assert recipients(f"crisis-action:{action.pk}:overdue") == ids(agent, gm, service_mgr)


@pytest.mark.django_db(transaction=True)
def test_two_escalations_of_one_customer_at_once_open_one_case(
    make_complaint: Callable[..., Complaint], ccm: Any, gm: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://…)")
    tickets = [make_complaint(content=f"第{n}次投诉") for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def escalate(ticket: Complaint, actor: Any) -> None:
        try:
            barrier.wait(timeout=10)
            workflow.complaint_escalate(complaint=ticket.pk, actor=actor)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=escalate, args=a) for a in zip(tickets, (ccm, gm), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["ok", "ok"], outcomes
    crisis = CrisisCase.objects.get()
    assert set(crisis.complaints.all()) == set(tickets)
