"""The closed loop (DOMAIN §4): a survey that needs action becomes a complaint ticket.

complaint → kind complaint, received by customer care (registered at once; customer care decides
where it goes, the GM hears of a major one); dissatisfied (incl. score < 70) → kind dissatisfied,
dispatched at once to the responsible department (sales survey → sales, otherwise business);
grievance → kind grievance, fed back to the same department. Opinions stay on the survey for the
monthly report. The survey's ``complaint`` is a unique foreign key: one survey, at most one ticket.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from callbacks.models import Classification, Survey, SurveyType
from complaints.models import Category, Complaint, Kind, MajorCriterion
from complaints.models import Channel as ComplaintChannel
from complaints.services.intake import complaint_create
from csat.exceptions import ApplicationError
from csat.models import Department, DepartmentKind

TICKET_KINDS = {
    Classification.COMPLAINT: Kind.COMPLAINT,
    Classification.DISSATISFIED: Kind.DISSATISFIED,
    Classification.GRIEVANCE: Kind.GRIEVANCE,
}


def responsible_department_kind(survey_type: str) -> str:
    return DepartmentKind.SALES if survey_type == SurveyType.SALES else DepartmentKind.BUSINESS


def _external(survey: Survey) -> str:
    return str(_("客户已向厂家、媒体或政府机构投诉。")) if survey.complained_externally else ""


def _remarks(survey: Survey) -> str:
    return (
        str(_("客户原话：%(remarks)s") % {"remarks": survey.remarks.strip()})
        if survey.remarks.strip()
        else ""
    )


def survey_ticket_words(survey: Survey) -> str:
    """What the early warning reads of a survey's ticket: what the customer did and said — not the
    score, the survey type or the grievance line, which are the app's words and no crisis (a
    grievance is DOMAIN §4's, fed back to the department)."""
    return _external(survey) + survey.remarks.strip()


def _content(survey: Survey) -> str:
    parts = [_("【%(type)s】") % {"type": survey.get_type_display()}]
    if survey.score_used is not None:
        parts.append(_("满意度 %(score)s 分。") % {"score": survey.score_used})
    else:
        parts.append(_("客户未评分（%(reason)s）。") % {"reason": survey.not_rated_reason})
    parts.append(_external(survey))
    if survey.grievance:
        parts.append(_("客户向总经理或部门主管反映了意见。"))
    if survey.says_unsatisfied:
        parts.append(_("客户表示不满意。"))
    parts.append(_remarks(survey))
    return "".join(str(p) for p in parts)


def ticket_departments(*, store_id: int, survey_type: str) -> tuple[QuerySet[Department], Department | None]:
    """The departments a dissatisfied or grievance ticket may be sent to (not customer care), and
    the one the rules choose (sales for a sales survey, the business department otherwise)."""
    departments = Department.objects.filter(store_id=store_id).exclude(kind=DepartmentKind.CUSTOMER_CARE)
    default = departments.filter(kind=responsible_department_kind(survey_type)).first()
    return departments.order_by("kind"), default


def survey_ticket_create(
    *, survey: Survey, actor: Any, department: Department | None = None
) -> Complaint | None:
    """Create the ticket the survey's classification calls for (in the caller's transaction).

    ``department``: where the agent sends a dissatisfied or grievance ticket (default: the rules');
    a complaint goes to customer care, who dispatches it."""
    kind = TICKET_KINDS.get(Classification(survey.classification))
    if kind is None:
        return None
    departments = {
        d.kind: d
        for d in Department.objects.filter(
            store_id=survey.store_id,
            kind__in=[DepartmentKind.CUSTOMER_CARE, responsible_department_kind(survey.type)],
        )
    }
    care = departments.get(DepartmentKind.CUSTOMER_CARE)
    if care is None:
        raise ApplicationError(_("本门店未设置客户部，无法生成工单。"))
    if department is not None and department.store_id != survey.store_id:
        raise ApplicationError(_("只能派给本门店的部门。"))
    dispatch_to = (
        None
        if kind == Kind.COMPLAINT
        else department or departments.get(responsible_department_kind(survey.type))
    )
    return complaint_create(
        actor=actor,
        customer=survey.customer,
        content=_content(survey),
        words=survey_ticket_words(survey),
        received_by_department=care,
        kind=kind,
        channel=ComplaintChannel.CALLBACK,
        category=Category.SALES if survey.type == SurveyType.SALES else Category.REPAIR,
        urgent=kind == Kind.COMPLAINT,
        # DOMAIN §9 "The GM's gate": a complaint to the manufacturer, media or government is major
        # (the GM hears of it at once, on intake).
        major_criteria=[MajorCriterion.EXTERNAL.value] if survey.complained_externally else [],
        vehicle=survey.vehicle,
        grade=survey.grade,
        grade_override_reason=survey.grade_override_reason,
        # The survey's suggestion, criteria and facts travel with the ticket (DOMAIN §9).
        grade_suggestion=(survey.suggested_grade, list(survey.grade_criteria), dict(survey.grade_facts)),
        dispatch_to=dispatch_to,
    )
