"""Labels of the grade criteria (DOMAIN §3, §9): shown beside a suggested grade on the survey form,
the complaint intake and the ticket page. Kept in the core so complaints and callbacks share them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from csat.models import IdentityFlag

__all__ = ["CRITERIA_LABELS", "GRADE_CHOICES", "OBSERVED_FACTS", "criteria_labels"]

# The grades A–G as the survey's ``callbacks.models.Grade`` labels them (same msgids).
GRADE_CHOICES: list[tuple[str, Any]] = [
    ("A", _("A 非常满意（忠诚客户）")),
    ("B", _("B 满意")),
    ("C", _("C 一般")),
    ("D", _("D 不满意")),
    ("E", _("E 非常不满意")),
    ("F", _("F 重大客户")),
    ("G", _("G 危机事件")),
]

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
    "first_minor_quality": _("质量问题不影响使用，一个月内首次投诉"),
}


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
