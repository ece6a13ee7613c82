"""The grade suggestion on the survey form: the facts the system knows, the agent's observations,
and the labels of the criteria that fired (DOMAIN §3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callbacks.models import SurveyType
from csat.domain import grading
from csat.models import Customer, IdentityFlag, ServiceVisit

__all__ = [
    "CRITERIA_LABELS",
    "OBSERVED_FACTS",
    "QUALITY_WINDOW",
    "criteria_labels",
    "grade_facts",
    "grade_suggestion",
]

QUALITY_WINDOW = dt.timedelta(days=30)

# Facts only the agent can observe on the call; each feeds csat.domain.grading.GradeFacts.
OBSERVED_FACTS: dict[str, Any] = {
    "threatens_exposure": _("态度特别生硬，安抚无效，扬言向网络/媒体/电视曝光"),
    "major_quality_issue": _("重大质量问题或核心部件质量问题"),
    "prices_not_transparent": _("工时费、备件或维修价格不透明"),
    "names_reasons": _("客户说出了不满意的具体原因"),
}
CRITERIA_LABELS: dict[str, Any] = {
    "score100": _("按百分制分数"),
    "ratings_mean": _("按五维度平均分"),
    "no_data": _("无评分，默认一般"),
    "injury_or_major_loss": _("重大财产损失或人身伤亡"),
    "threatens_exposure_hostile": OBSERVED_FACTS["threatens_exposure"],
    "major_quality_issue": OBSERVED_FACTS["major_quality_issue"],
    "quality_repairs_30d": _("1 个月内因质量问题进站维修 2 次及以上"),
    "low_mileage_during_complaint": _("投诉期间月行驶里程 300–500 公里"),
    "days_open_unsolved": _("问题超过 20 天未妥善解决"),
    "parts_backorder": _("备件缺件，供应周期超过 3 天"),
    "skill_delay": _("因维修技术原因解决周期超过一周"),
    "prices_not_transparent": OBSERVED_FACTS["prices_not_transparent"],
    "names_reasons": OBSERVED_FACTS["names_reasons"],
}


def grade_facts(
    *,
    customer: Customer,
    survey_type: str,
    visit: ServiceVisit | None = None,
    now: dt.datetime | None = None,
    observed: Iterable[str] = (),
) -> dict[str, Any]:
    """The facts the system knows for the grade suggestion (stored with the survey, for audit)."""
    now = now or timezone.now()
    recent = ServiceVisit.objects.filter(customer=customer, opened_at__gte=now - QUALITY_WINDOW).aggregate(
        quality=Count("id", filter=Q(quality_related=True)), backorder=Max("parts_backorder_days")
    )
    facts: dict[str, Any] = {
        "identity": sorted(customer.identity_flags),
        "quality_repairs_30d": recent["quality"] or 0,
    }
    if survey_type != SurveyType.SALES:
        # Back-ordered parts concern the service side, not a car sale.
        facts["parts_backorder_days"] = max(
            recent["backorder"] or 0, visit.parts_backorder_days if visit else 0
        )
    observed = set(observed)
    if "threatens_exposure" in observed:
        facts["threatens_exposure"] = facts["hostile"] = True
    for key in ("major_quality_issue", "prices_not_transparent", "names_reasons"):
        if key in observed:
            facts[key] = True
    return facts


def grade_suggestion(
    *, facts: Mapping[str, Any], score100: int | None = None, ratings: Mapping[str, int] | None = None
) -> tuple[str, list[str]]:
    return grading.suggest_grade(
        grading.GradeFacts(**facts, score100=score100, ratings=dict(ratings) if ratings else None)
    )


def criteria_labels(codes: Iterable[str]) -> list[str]:
    labels = []
    for code in codes:
        if code.startswith("identity:"):
            key = code.split(":", 1)[1]
            labels.append(str(IdentityFlag(key).label) if key in IdentityFlag.values else key)
        elif code.startswith("crisis_type:"):
            labels.append(str(_("危机事件类型 %(t)s") % {"t": code.split(":", 1)[1]}))
        else:
            labels.append(str(CRITERIA_LABELS.get(code, code)))
    return labels
