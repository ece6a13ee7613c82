"""A grade on every case (DOMAIN §9 "Grades on every case"): the suggestion at intake, the recorder's
confirmation or override (with a reason), the suggestion recomputed as the facts change, and G when
a complaint becomes a crisis."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import grades
from complaints.models import Complaint
from complaints.services.ticket import record_event
from csat.domain import grading
from csat.models import Customer

__all__ = ["CRISIS_GRADE", "choose_grade", "complaint_grade_refresh", "complaint_grades_refresh", "graver"]

CRISIS_GRADE = "G"
REFRESH_BATCH = 500


def graver(a: str, b: str) -> str:
    """The more serious of two grades (precedence G > F > E > D > C > B > A; blank is least)."""
    rank = {g: i for i, g in enumerate(grading.GRADE_ORDER)}
    return max(a, b, key=lambda g: rank.get(g, -1))


def choose_grade(*, suggested: str, grade: str = "", reason: str = "") -> tuple[str, str]:
    """The recorder's grade: blank confirms the suggestion; another grade needs a reason."""
    chosen = (grade or "").strip().upper() or suggested
    if chosen not in grading.GRADE_ORDER:
        raise ValidationError({"grade": [_("客户等级必须是 A–G 之一。")]})
    reason = (reason or "").strip()
    if chosen == suggested:
        return chosen, ""
    if not reason:
        raise ValidationError({"grade_override_reason": [_("改判客户等级时必须填写原因。")]})
    return chosen, reason


def _facts_of(complaint: Complaint, now: dt.datetime) -> dict[str, Any]:
    return grades.complaint_grade_facts(
        customer=complaint.customer,
        vehicle=complaint.vehicle,
        category=complaint.category,
        injury_or_major_loss=complaint.injury_or_major_loss,
        now=now,
        complaint_id=complaint.pk,
        crisis_type=(complaint.grade_facts or {}).get("crisis_type"),
    )


@transaction.atomic
def complaint_grade_refresh(*, complaint: Complaint | int, now: dt.datetime | None = None) -> bool:
    """Recompute the suggestion of an unresolved ticket from today's facts (a ticket unsolved for
    21 days now suggests E). A grade the recorder confirmed (no override) follows a graver
    suggestion — never lowered; an overridden grade stays the recorder's. Returns whether it changed;
    running it again changes nothing."""
    now = now or timezone.now()
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    locked = (
        Complaint.objects.select_for_update(of=("self",)).select_related("customer", "vehicle").get(pk=pk)
    )
    if locked.status not in grades.UNSOLVED:
        return False
    facts = _facts_of(locked, now)
    suggested, criteria = grades.suggest(facts)
    if suggested == locked.suggested_grade and criteria == locked.grade_criteria:
        return False
    before_grade = locked.grade
    locked.suggested_grade, locked.grade_criteria, locked.grade_facts = suggested, criteria, facts
    if not locked.grade_override_reason:
        locked.grade = graver(locked.grade, suggested)
    locked.save(update_fields=["suggested_grade", "grade_criteria", "grade_facts", "grade", "updated_at"])
    if locked.grade != before_grade:
        record_event(
            locked,
            actor=None,
            action="grade",
            before=locked.status,
            note=_("等级由 %(a)s 调整为 %(b)s（系统按最新事实重新建议）")
            % {"a": before_grade or "-", "b": locked.grade},
            grade=locked.grade,
            suggested_grade=suggested,
            criteria=criteria,
        )
    return True


def complaint_grades_refresh(*, now: dt.datetime | None = None) -> int:
    """Refresh every unsolved ticket's suggestion (the hourly task); returns how many changed."""
    now = now or timezone.now()
    changed = 0
    ids = list(
        Complaint.objects.filter(status__in=grades.UNSOLVED).order_by("id").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), REFRESH_BATCH):
        for pk in ids[start : start + REFRESH_BATCH]:
            changed += complaint_grade_refresh(complaint=pk, now=now)
    return changed


def complaint_set_crisis_grade(*, complaint: Complaint, crisis_type: str | None, actor: Any) -> None:
    """Escalation to a crisis: grade G on the ticket and on the customer (DOMAIN §9). In the caller's
    transaction, on the locked ticket."""
    facts = dict(complaint.grade_facts or {})
    facts["crisis_type"] = crisis_type if crisis_type in grading.CRISIS_TYPES else "e"
    suggested, criteria = grades.suggest(facts)
    before_grade = complaint.grade
    complaint.suggested_grade, complaint.grade_criteria, complaint.grade_facts = suggested, criteria, facts
    complaint.grade = CRISIS_GRADE
    complaint.grade_override_reason = ""
    complaint.save(
        update_fields=[
            "suggested_grade",
            "grade_criteria",
            "grade_facts",
            "grade",
            "grade_override_reason",
            "updated_at",
        ]
    )
    customer = Customer.objects.select_for_update().get(pk=complaint.customer_id)
    if customer.grade != CRISIS_GRADE:
        customer.grade = CRISIS_GRADE
        customer.save(update_fields=["grade", "updated_at"])
    if before_grade != CRISIS_GRADE:
        record_event(
            complaint,
            actor=actor,
            action="grade",
            before=complaint.status,
            note=_("升级为危机事件，等级设为 G"),
            grade=CRISIS_GRADE,
            suggested_grade=suggested,
            criteria=criteria,
        )
