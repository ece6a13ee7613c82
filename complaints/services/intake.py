"""Complaint intake: which department answers, and recording a ticket (with its customer) in one go."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from complaints import grades, repeats
from complaints.models import Category, Complaint, DeadlineKind, Kind, MajorCriterion, Severity, Status
from complaints.services import deadlines
from complaints.services.grading import choose_grade
from complaints.services.ticket import (
    care_department,
    dispatch,
    notify_about,
    notify_gm,
    record_event,
    register,
)
from complaints.ticket_numbers import ticket_number
from csat import access, numbering, text_limits
from csat import selectors as csat_selectors
from csat.business_time import business_tz
from csat.domain import calendar
from csat.domain.routing import CATEGORY_DEPARTMENT, suggested_department_kind  # noqa: F401 - re-exported
from csat.events import complaint_received
from csat.exceptions import ApplicationError
from csat.i18n import lazy_format
from csat.models import Customer, Department, DepartmentKind, Role, Store, Vehicle
from csat.selectors import store_role_users
from csat.services import customer_find_or_create

MAX_BACKDATE = dt.timedelta(days=7)


def suggested_major_criteria(*, customer: Customer, grade: str = "") -> list[str]:
    """The major-complaint criteria the system can see itself (DOMAIN §9 "What counts against a
    department": severity follows the §5 criteria only, the same on every channel). A customer's F
    identity (media, lawyer, authority) is not one: it raises the customer's grade and shows the
    identity guidance, but the customer being a journalist is not "media involved"."""
    criteria: set[str] = set()
    if grade == "G":
        criteria.add(MajorCriterion.ADVERSE_IMPACT)
    return sorted(str(c) for c in criteria)


def receiving_department(*, actor: Any) -> Department:
    """The department that received a ticket when the person recording it names none: their own."""
    profile = access.profile_of(actor)
    if profile is None or profile.department is None:
        raise ValidationError({"received_by_department": [_("请选择接收部门。")]})
    return profile.department


@transaction.atomic
def complaint_intake(
    *,
    actor: Any,
    content: str,
    customer: Customer | None = None,
    store: Store | None = None,
    mobile: str = "",
    name: str = "",
    vehicle: Vehicle | None = None,
    plate: str = "",
    received_by_department: Department | None = None,
    kind: str = Kind.COMPLAINT,
    channel: str = "phone",
    category: str = Category.OTHER,
    received_at: dt.datetime | None = None,
    received_at_reason: str = "",
    urgent: bool = False,
    major_criteria: list[str] | tuple[str, ...] = (),
    handled_on_site: bool = False,
    injury_or_major_loss: bool = False,
    grade: str = "",
    grade_override_reason: str = "",
    new_issue_confirmed: bool | None = None,
) -> Complaint:
    """Record a ticket as the intake page and the API take it, in one transaction: the customer
    (given, or found or created in ``store`` by ``mobile``), the vehicle (given, or the customer's car
    with ``plate``), the receiving department (given, or the actor's own), then the ticket. A refused
    ticket leaves no new customer behind.

    ``new_issue_confirmed``: the intake page passes whether the recorder confirmed a new problem;
    False refuses (``OpenTicketExistsError``) while the customer or the car has an open ticket
    (``complaints.repeats.open_repeats``), checked under the customer's row lock so two recorders
    at once cannot both miss the other's ticket. None (the API, CONTRACT) checks nothing.
    """
    department = received_by_department or receiving_department(actor=actor)
    if customer is None:
        if store is None:
            raise TypeError("complaint_intake needs a customer or the store to find one in")
        customer = customer_find_or_create(store=store, mobile=mobile, name=name)
    if new_issue_confirmed is False:
        _refuse_repeat(customer=customer, plate=vehicle.plate if vehicle is not None else plate)
    if vehicle is None and plate:
        vehicle = customer.vehicles.filter(plate=plate).first()
    return complaint_create(
        actor=actor,
        customer=customer,
        content=content,
        received_by_department=department,
        kind=kind,
        channel=channel,
        category=category,
        received_at=received_at,
        received_at_reason=received_at_reason,
        urgent=urgent,
        major_criteria=major_criteria,
        vehicle=vehicle,
        handled_on_site=handled_on_site,
        injury_or_major_loss=injury_or_major_loss,
        grade=grade,
        grade_override_reason=grade_override_reason,
    )


class OpenTicketExistsError(ApplicationError):
    """The customer (or the car) has an open ticket and the recorder did not confirm that this one
    is a new problem: a repeat belongs on the open ticket (its timers and assessment are running)."""

    def __init__(self, count: int) -> None:
        super().__init__(
            ngettext(
                "该客户已有 %(n)s 张未结工单。如是同一问题，请在原工单上补充；"
                "如确是新的问题，请勾选“确认是新的问题”后再提交。",
                "该客户已有 %(n)s 张未结工单。如是同一问题，请在原工单上补充；"
                "如确是新的问题，请勾选“确认是新的问题”后再提交。",
                count,
            )
            % {"n": count},
            extra={"open_tickets": count},
        )
        self.count = count


def _refuse_repeat(*, customer: Customer, plate: str) -> None:
    # The customer's row lock orders two recorders of the same customer: the second one sees the
    # first one's ticket once it is committed.
    list(Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True))
    count = repeats.open_repeats(store_id=customer.store_id, mobile=customer.mobile, plate=plate).count()
    if count:
        raise OpenTicketExistsError(count)


def _check_intake(
    *,
    customer: Customer,
    content: str,
    received_by_department: Department,
    vehicle: Vehicle | None,
    received_at: dt.datetime,
    received_at_reason: str,
    major_criteria: list[str] | tuple[str, ...],
    now: dt.datetime,
) -> None:
    if not text_limits.trim(content):
        raise ApplicationError(_("请填写客户反映的内容。"))
    if received_by_department.store_id != customer.store_id:
        raise ApplicationError(_("接收部门与客户不属于同一门店。"))
    if vehicle is not None and vehicle.customer_id != customer.pk:
        raise ApplicationError(_("车辆不属于该客户。"))
    if received_at > now + dt.timedelta(minutes=1):
        raise ApplicationError(_("接收时间不能晚于现在。"))
    if received_at < now - dt.timedelta(minutes=5) and not received_at_reason.strip():
        raise ApplicationError(_("接收时间早于现在时，必须填写补录原因。"))
    if received_at < now - MAX_BACKDATE:
        raise ApplicationError(_("接收时间不能早于 7 天前。"))
    unknown = set(major_criteria) - set(MajorCriterion.values)
    if unknown:
        raise ApplicationError(_("未知的重大投诉条件：%(c)s") % {"c": ", ".join(sorted(unknown))})


@transaction.atomic
def complaint_create(
    *,
    actor: Any,
    customer: Customer,
    content: str,
    received_by_department: Department,
    kind: str = Kind.COMPLAINT,
    channel: str = "phone",
    category: str = Category.OTHER,
    received_at: dt.datetime | None = None,
    received_at_reason: str = "",
    urgent: bool = False,
    major_criteria: list[str] | tuple[str, ...] = (),
    vehicle: Vehicle | None = None,
    grade: str = "",
    dispatch_to: Department | None = None,
    handled_on_site: bool = False,
    injury_or_major_loss: bool = False,
    grade_override_reason: str = "",
    grade_suggestion: tuple[str, list[str], dict[str, Any]] | None = None,
    words: str | None = None,
) -> Complaint:
    """Record a complaint. Received by customer care → registered at once (handoff met).

    ``dispatch_to``: the system already knows the responsible department (a dissatisfied callback),
    so the ticket is dispatched at once as well.

    Grade (DOMAIN §9 "Grades on every case"): the system suggests one from the facts the database
    holds (``complaints.grades``) plus ``injury_or_major_loss`` — or takes ``grade_suggestion``
    (suggested grade, criteria, facts) from the survey the ticket comes from; ``grade`` blank
    confirms it, another grade needs ``grade_override_reason``. No ticket is left without a grade.

    ``words``: what the customer said, for the crisis early warning, when ``content`` is the
    system's own summary (a survey's ticket: its framing lines are the app's words, and the text
    model must not read "客户向总经理或部门主管反映了意见" as the customer's); default the content.
    """
    now = timezone.now()
    received_at = received_at or now
    if handled_on_site and received_by_department.kind != DepartmentKind.BUSINESS:
        raise ApplicationError(_("只有业务部门（业务经理）在现场处理的投诉才能标记为“现场已处理”。"))
    _check_intake(
        customer=customer,
        content=content,
        received_by_department=received_by_department,
        vehicle=vehicle,
        received_at=received_at,
        received_at_reason=received_at_reason,
        major_criteria=major_criteria,
        now=now,
    )
    if vehicle is None:
        vehicle = customer.vehicles.order_by("-id").first()
    if grade_suggestion is None:
        grade_facts = grades.complaint_grade_facts(
            customer=customer,
            vehicle=vehicle,
            category=category,
            injury_or_major_loss=injury_or_major_loss,
            now=now,
        )
        suggested, grade_criteria = grades.suggest(grade_facts)
    else:
        suggested, grade_criteria, grade_facts = grade_suggestion
    grade, grade_override_reason = choose_grade(
        suggested=suggested, grade=grade, reason=grade_override_reason
    )
    # The suggestion can be raised by the person, never silently lowered.
    criteria = sorted(set(major_criteria) | set(suggested_major_criteria(customer=customer, grade=grade)))
    complaint = Complaint(
        store_id=customer.store_id,
        number=numbering.placeholder(now),
        customer=customer,
        vehicle=vehicle,
        plate=vehicle.plate if vehicle else "",
        phone=customer.mobile,
        kind=kind,
        channel=channel,
        category=category,
        content=text_limits.trim(content),
        severity=Severity.MAJOR if criteria else Severity.GENERAL,
        major_criteria=criteria,
        urgent=urgent,
        handled_on_site=handled_on_site,
        grade=grade,
        suggested_grade=suggested,
        grade_criteria=list(grade_criteria),
        grade_facts=dict(grade_facts),
        grade_override_reason=grade_override_reason[:300],
        injury_or_major_loss=injury_or_major_loss,
        received_at=received_at,
        received_at_reason=received_at_reason.strip(),
        received_by=actor,
        received_by_department=received_by_department,
    )
    complaint.full_clean(exclude=["number"])
    complaint.save()
    complaint.number = ticket_number(
        store_code=complaint.store.code, received_at=received_at, pk=complaint.pk
    )
    complaint.save(update_fields=["number"])
    record_event(
        complaint,
        actor=actor,
        action="create",
        before="",
        note=complaint.content[:200],
        grade=complaint.grade,
        suggested_grade=complaint.suggested_grade,
        grade_criteria=complaint.grade_criteria,
        grade_override_reason=complaint.grade_override_reason,
    )
    if handled_on_site:
        return _resolved_on_site(complaint, actor=actor, at=now, words=words)
    return _hand_over(complaint, actor=actor, at=now, dispatch_to=dispatch_to, words=words)


def _resolved_on_site(
    complaint: Complaint, *, actor: Any, at: dt.datetime, words: str | None = None
) -> Complaint:
    """DOMAIN §9: handled by the business manager during the visit — no handoff, dispatch or
    2-hour step; recorded as resolved by the business department, followed up on day 5–7."""
    before = complaint.status
    complaint.department = complaint.received_by_department
    complaint.status = Status.RESOLVED
    complaint.registered_at = complaint.dispatched_at = complaint.first_contact_at = at
    complaint.resolved_at = at
    complaint.result = complaint.result or _("现场已处理")
    complaint.save(
        update_fields=[
            "department",
            "status",
            "registered_at",
            "dispatched_at",
            "first_contact_at",
            "resolved_at",
            "result",
            "updated_at",
        ]
    )
    deadlines.deadline_start(
        complaint=complaint, kind=DeadlineKind.FOLLOW_UP, start=at, department=care_department(complaint)
    )
    record_event(complaint, actor=actor, action="resolve", before=before, note=_("现场已处理"), on_site=True)
    complaint_received.send(sender=Complaint, complaint=complaint, words=words)
    care = list(store_role_users(complaint.store_id, Role.CUSTOMER_CARE_MANAGER))
    notify_about(
        complaint,
        care,
        "on_site",
        lazy_format(gettext_lazy("现场已处理的投诉待回访：%(n)s"), {"n": complaint.number}),
    )
    _tell_gm_of_major(complaint)
    return complaint


def _tell_gm_of_major(complaint: Complaint) -> None:
    """A major complaint reaches the GM at once on every channel; one to the manufacturer, media
    or government says so (DOMAIN §9 "The GM's gate")."""
    if not complaint.is_major:
        return
    values = {"n": complaint.number, "name": complaint.customer.name}
    notify_gm(
        complaint,
        "major",
        lazy_format(
            gettext_lazy("重大投诉（客户已向厂家、媒体或政府投诉）：%(n)s %(name)s")
            if MajorCriterion.EXTERNAL in complaint.major_criteria
            else gettext_lazy("重大投诉：%(n)s %(name)s"),
            values,
        ),
    )


def _alert_duty_leaders(complaint: Complaint) -> None:
    """DOMAIN §9 "Off hours": an urgent complaint received outside working time alerts the duty
    leaders at once (the GM, the responsible department's managers, the store's roster), each once."""
    tz = business_tz()
    if not complaint.urgent or calendar.is_working_time(
        complaint.received_at,
        office_hours=csat_selectors.office_hours(),
        overrides=csat_selectors.calendar_overrides(),
        tz=tz,
    ):
        return
    kind = suggested_department_kind(category=complaint.category, major=complaint.is_major)
    department = Department.objects.filter(store_id=complaint.store_id, kind=kind).first()
    leaders = csat_selectors.duty_leaders(
        store_id=complaint.store_id,
        department=department,
        on=timezone.localtime(complaint.received_at, tz).date(),
    )
    notify_about(
        complaint,
        leaders,
        "off_hours_urgent",
        lazy_format(
            gettext_lazy("非工作时间紧急投诉：%(n)s %(name)s，请立即指定处理人（可直接派单）"),
            {"n": complaint.number, "name": complaint.customer.name},
        ),
    )


def _hand_over(
    complaint: Complaint,
    *,
    actor: Any,
    at: dt.datetime,
    dispatch_to: Department | None,
    words: str | None = None,
) -> Complaint:
    """Start the handoff timer; customer care registers (and may dispatch) at once, anyone else tells
    customer care; then announce the ticket (and a major one to the GM)."""
    received_by_department = complaint.received_by_department
    deadlines.deadline_start(
        complaint=complaint,
        kind=DeadlineKind.HANDOFF,
        start=complaint.received_at,
        department=received_by_department,
    )
    if received_by_department.kind == DepartmentKind.CUSTOMER_CARE:
        complaint = register(complaint, actor=actor, at=at)
        if dispatch_to is not None:
            complaint = dispatch(complaint, actor=actor, department=dispatch_to, at=at)
    else:
        care = list(store_role_users(complaint.store_id, Role.CUSTOMER_CARE_MANAGER)) + list(
            store_role_users(complaint.store_id, Role.AGENT)
        )
        notify_about(
            complaint,
            care,
            "received",
            lazy_format(gettext_lazy("新投诉待登记：%(n)s"), {"n": complaint.number}),
        )
    _alert_duty_leaders(complaint)
    complaint_received.send(sender=Complaint, complaint=complaint, words=words)
    _tell_gm_of_major(complaint)
    return complaint
