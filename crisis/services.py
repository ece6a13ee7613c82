"""Crisis case services: open (directly or by escalating a complaint), phases, team, plan, logs,
actions and their overdue sweep, and the GM-approved closing review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisis.models import (
    ActionOverdue,
    CrisisAction,
    CrisisAttachment,
    CrisisCase,
    CrisisEvent,
    CrisisLog,
    MediaEntry,
    Phase,
    PlanVersion,
    Review,
    TeamMember,
)
from crisis.permissions import can_approve, can_edit, can_open
from csat import numbering
from csat.attachments import attachment_add, attachment_remove
from csat.change_reason import change_reason, typed_change_reason
from csat.domain import transitions
from csat.domain.crisis import crisis_type_for
from csat.exceptions import ApplicationError, NotAllowedError
from csat.i18n import lazy_format
from csat.models import Customer, Role, Store
from csat.notifications import notify
from csat.text_limits import clean_name


def _gm_and_team(crisis: CrisisCase) -> list[Any]:
    from csat.selectors import store_role_users

    people = list(store_role_users(crisis.store_id, Role.GENERAL_MANAGER))
    people += [m.user for m in crisis.team.select_related("user")]
    return people


def _notify(crisis: CrisisCase, event: str, title: Any) -> None:
    notify(
        recipients=_gm_and_team(crisis),
        key=f"crisis:{crisis.pk}:{event}",
        title=title,
        url=f"/crisis/{crisis.pk}/",
    )


def _event(crisis: CrisisCase, *, actor: Any, action: str, note: str = "", before: str = "") -> None:
    CrisisEvent.objects.create(
        crisis=crisis, actor=actor, action=action, from_phase=before, to_phase=crisis.phase, note=note
    )


def _lock(crisis: CrisisCase | int) -> CrisisCase:
    pk = crisis if isinstance(crisis, int) else crisis.pk
    return CrisisCase.objects.select_for_update().get(pk=pk)


def _editable(crisis: CrisisCase | int, actor: Any) -> CrisisCase:
    locked = _lock(crisis)
    if not can_edit(actor, locked):
        raise NotAllowedError(_("只有应急小组成员和总经理可以修改危机事件。"))
    if not locked.is_open:
        raise ApplicationError(_("危机事件已结案。"))
    return locked


@transaction.atomic
def crisis_open(
    *,
    actor: Any,
    store: Store,
    type: str,  # noqa: A002 - the CONTRACT field name
    title: str,
    summary: str = "",
    customer: Customer | None = None,
    complaint: Any = None,
    reason: str = "",
) -> CrisisCase:
    """Open a case; ``reason`` is the opener's one line (why this is a crisis): the first timeline
    entry says it, and the audit history keeps it as the reason of the case's creation."""
    if not can_open(actor):
        raise NotAllowedError(_("您的角色不能发起危机事件。"))
    title = clean_name(title)  # the pages' and the API's NameField rule, for every caller
    if not title:
        raise ApplicationError(_("请填写标题。"))
    now = timezone.now()
    crisis = CrisisCase(
        store=store,
        number=numbering.placeholder(now),
        type=type,
        title=title,
        summary=summary.strip(),
        customer=customer,
        opened_by=actor,
        opened_at=now,
    )
    crisis.full_clean(exclude=["number"])
    reason = reason.strip()
    with change_reason(reason or typed_change_reason()):
        crisis.save()
        crisis.number = f"WJ{store.code}-{timezone.localtime(now):%Y%m%d}-{crisis.pk:04d}"
        crisis.save(update_fields=["number"])
    if complaint is not None:
        crisis.complaints.add(complaint)
    # Whoever raises the alarm leads until the GM names someone else.
    TeamMember.objects.create(crisis=crisis, user=actor, role=_("发起人"), is_leader=True)
    _event(crisis, actor=actor, action="open", note=reason or crisis.summary)
    _notify(
        crisis,
        "opened",
        lazy_format(gettext_lazy("新危机事件：%(n)s %(t)s"), {"n": crisis.number, "t": crisis.title}),
    )
    return crisis


@transaction.atomic
def crisis_open_from_complaint(*, actor: Any, complaint: Any, note: str = "") -> CrisisCase:
    """Escalate a complaint (grade G): one open crisis per customer collects their complaints."""
    # Two escalations of one customer at once must not open two cases: queue them on the customer.
    Customer.objects.select_for_update().get(pk=complaint.customer_id)
    existing = CrisisCase.objects.filter(customer=complaint.customer, closed_at__isnull=True).first()
    if existing is not None:
        existing.complaints.add(complaint)
        _event(existing, actor=actor, action="link_complaint", note=complaint.number)
        return existing
    return crisis_open(
        actor=actor,
        store=complaint.store,
        type=crisis_type_for(complaint.major_criteria),
        title=_("投诉升级：%(n)s %(name)s") % {"n": complaint.number, "name": complaint.customer.name},
        summary=note or complaint.content,
        customer=complaint.customer,
        complaint=complaint,
    )


@transaction.atomic
def crisis_change_phase(*, crisis: CrisisCase | int, actor: Any, phase: str, reason: str) -> CrisisCase:
    if not reason.strip():
        raise ApplicationError(_("请说明阶段变更的原因。"))
    locked = _editable(crisis, actor)
    try:
        transitions.next_phase(locked.phase, phase)
    except transitions.TransitionError:
        raise ApplicationError(
            _("不能从“%(a)s”进入“%(b)s”。") % {"a": locked.get_phase_display(), "b": Phase(phase).label}
        ) from None
    except ValueError:
        raise ApplicationError(_("未知的阶段。")) from None
    before = locked.phase
    locked.phase = phase
    locked._change_reason = reason.strip()[:100]  # type: ignore[attr-defined]  # the audit history's reason
    locked.save(update_fields=["phase", "updated_at"])
    _event(locked, actor=actor, action="phase", note=reason.strip(), before=before)
    _notify(
        locked,
        f"phase:{phase}",
        lazy_format(
            gettext_lazy("危机事件 %(n)s 进入%(p)s"), {"n": locked.number, "p": Phase(locked.phase).label}
        ),
    )
    return locked


@transaction.atomic
def crisis_team_set(
    *, crisis: CrisisCase | int, actor: Any, user: Any, role: str = "", is_leader: bool = False
) -> TeamMember:
    locked = _editable(crisis, actor)
    if is_leader:
        # Saved one by one (there is at most one leader) so the audit history records the change.
        for leader in TeamMember.objects.filter(crisis=locked, is_leader=True):
            leader.is_leader = False
            leader.save(update_fields=["is_leader"])
    member, _created = TeamMember.objects.update_or_create(
        crisis=locked, user=user, defaults={"role": clean_name(role), "is_leader": is_leader}
    )
    _event(locked, actor=actor, action="team", note=f"{user} {role}".strip())
    notify(
        recipients=[user],
        key=f"crisis:{locked.pk}:team:{user.pk}",
        title=lazy_format(gettext_lazy("您已加入危机事件应急小组：%(n)s"), {"n": locked.number}),
        url=f"/crisis/{locked.pk}/",
    )
    return member


@transaction.atomic
def crisis_team_remove(*, crisis: CrisisCase | int, actor: Any, user: Any) -> None:
    locked = _editable(crisis, actor)
    TeamMember.objects.filter(crisis=locked, user=user).delete()
    _event(locked, actor=actor, action="team_remove", note=str(user))


@transaction.atomic
def crisis_plan_update(*, crisis: CrisisCase | int, actor: Any, text: str) -> PlanVersion:
    if not text.strip():
        raise ApplicationError(_("方案内容不能为空。"))
    locked = _editable(crisis, actor)
    locked.plan_version += 1
    locked.plan = text.strip()
    locked.save(update_fields=["plan", "plan_version", "updated_at"])
    version = PlanVersion.objects.create(
        crisis=locked, version=locked.plan_version, text=locked.plan, author=actor
    )
    _event(locked, actor=actor, action="plan", note=f"v{version.version}")
    return version


@transaction.atomic
def crisis_log_add(*, crisis: CrisisCase | int, actor: Any, kind: str, text: str) -> CrisisLog:
    if not text.strip():
        raise ApplicationError(_("内容不能为空。"))
    locked = _editable(crisis, actor)
    entry = CrisisLog(crisis=locked, kind=kind, text=text.strip(), author=actor)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def crisis_media_add(
    *,
    crisis: CrisisCase | int,
    actor: Any,
    outlet: str,
    date: dt.date,
    exposed: bool,
    reach: int | None = None,
    response: str = "",
) -> MediaEntry:
    locked = _editable(crisis, actor)
    entry = MediaEntry(
        crisis=locked,
        outlet=clean_name(outlet),
        date=date,
        exposed=exposed,
        reach=reach,
        response=response.strip(),
        author=actor,
    )
    entry.full_clean()
    entry.save()
    if exposed and not locked.exposed:
        locked.exposed = True
        locked.save(update_fields=["exposed", "updated_at"])
        _event(locked, actor=actor, action="exposed", note=outlet)
        _notify(
            locked,
            "exposed",
            lazy_format(
                gettext_lazy("危机事件已被媒体曝光：%(n)s（%(o)s）"), {"n": locked.number, "o": outlet}
            ),
        )
    return entry


@transaction.atomic
def crisis_action_add(
    *, crisis: CrisisCase | int, actor: Any, title: str, owner: Any, due_at: dt.datetime
) -> CrisisAction:
    locked = _editable(crisis, actor)
    action = CrisisAction(crisis=locked, title=clean_name(title), owner=owner, due_at=due_at)
    action.full_clean()
    action.save()
    notify(
        recipients=[owner],
        key=f"crisis-action:{action.pk}:assigned",
        title=lazy_format(gettext_lazy("危机事件行动项：%(t)s"), {"t": action.title}),
        url=f"/crisis/{locked.pk}/",
    )
    return action


@transaction.atomic
def crisis_action_done(*, action: CrisisAction | int, actor: Any) -> CrisisAction:
    pk = action if isinstance(action, int) else action.pk
    locked_action = CrisisAction.objects.select_for_update().get(pk=pk)
    crisis = locked_action.crisis
    if actor.pk != locked_action.owner_id and not can_edit(actor, crisis):
        raise NotAllowedError(_("只有负责人、应急小组和总经理可以完成行动项。"))
    if locked_action.done_at is None:
        locked_action.done_at = timezone.now()
        locked_action.save(update_fields=["done_at"])
    return locked_action


def crisis_actions_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark overdue actions of open cases once each (unique row), notifying the owner, the team and the GM."""
    now = now or timezone.now()
    ids = list(
        CrisisAction.objects.filter(
            done_at__isnull=True, overdue_at__isnull=True, due_at__lt=now, crisis__closed_at__isnull=True
        ).values_list("id", flat=True)[:2000]
    )
    marked = 0
    for action_id in ids:
        with transaction.atomic():
            action = CrisisAction.objects.select_related("crisis", "owner").get(pk=action_id)
            if action.done_at is not None or action.crisis.closed_at is not None:
                continue
            try:
                with transaction.atomic():
                    ActionOverdue.objects.create(action=action)
            except IntegrityError:
                continue
            CrisisAction.objects.filter(pk=action.pk).update(overdue_at=now)
            notify(
                recipients=[action.owner, *_gm_and_team(action.crisis)],
                key=f"crisis-action:{action.pk}:overdue",
                title=lazy_format(gettext_lazy("危机事件行动项已逾期：%(t)s"), {"t": action.title}),
                url=f"/crisis/{action.crisis_id}/",
            )
            marked += 1
    return marked


@transaction.atomic
def crisis_review_submit(
    *, crisis: CrisisCase | int, actor: Any, causes: str, lessons: str, preventive_measures: str
) -> CrisisCase:
    locked = _editable(crisis, actor)
    if locked.phase != Phase.RECOVERY:
        raise ApplicationError(_("只有在善后期才能提交总结并申请结案。"))
    if not (causes.strip() and lessons.strip() and preventive_measures.strip()):
        raise ApplicationError(_("原因、经验教训和预防措施都必须填写。"))
    locked.causes, locked.lessons, locked.preventive_measures = (
        causes.strip(),
        lessons.strip(),
        preventive_measures.strip(),
    )
    locked.review = Review.PENDING
    locked.save(update_fields=["causes", "lessons", "preventive_measures", "review", "updated_at"])
    _event(locked, actor=actor, action="review_submit")
    _notify(
        locked,
        f"review:{locked.events.count()}",
        lazy_format(gettext_lazy("危机事件总结待审批：%(n)s"), {"n": locked.number}),
    )
    return locked


@transaction.atomic
def crisis_review_decide(
    *, crisis: CrisisCase | int, actor: Any, approve: bool, comment: str = ""
) -> CrisisCase:
    locked = _lock(crisis)
    if not can_approve(actor, locked):
        raise NotAllowedError(_("只有总经理可以审批危机事件总结。"))
    if locked.review != Review.PENDING:
        raise ApplicationError(_("没有待审批的总结。"))
    if not approve and not comment.strip():
        raise ApplicationError(_("驳回时请填写意见。"))
    locked.review = Review.APPROVED if approve else Review.REJECTED
    locked.review_comment = comment.strip()
    fields = ["review", "review_comment", "updated_at"]
    if approve:
        locked.closed_at = timezone.now()
        fields.append("closed_at")
    locked.save(update_fields=fields)
    _event(locked, actor=actor, action="close" if approve else "review_reject", note=comment.strip())
    return locked


def crisis_attachment_add(
    *, crisis: CrisisCase, actor: Any, upload: Any, description: str = ""
) -> CrisisAttachment:
    """Issue #22: a photo, recording or document of the case (csat.attachments: the one validator)."""
    attachment = attachment_add(
        CrisisAttachment, actor=actor, upload=upload, description=description, crisis=crisis
    )
    assert isinstance(attachment, CrisisAttachment)
    return attachment


def crisis_attachment_remove(*, attachment: CrisisAttachment, actor: Any) -> CrisisAttachment:
    removed = attachment_remove(attachment, actor=actor)
    assert isinstance(removed, CrisisAttachment)
    return removed
