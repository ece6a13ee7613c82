"""What a sales and an after-sales callback asks (cs-survey-management.zh.txt §三).

The source lists the items and says which must be asked on every call ("必须调查项"): for sales
items 2, 3, 4 (consultant service, vehicle introduction, delivery); for after-sales items 1, 2, 4
(repair quality, service — with technique split into mechanical and body/paint — and handover).
The overall satisfaction (sales item 6) is the survey's score itself, not an item here.
The five-dimension survey has no items: it asks the five 1–10 ratings instead. The sales survey
also asks the training deck's product-quality satisfaction (performance, function, operation).

An answer is one of the item's choices (``kind == "choice"``) or a 1–10 rating (``"rating"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = ["ITEMS", "SurveyItem", "items_for", "validate_items"]

SATISFACTION = (("satisfied", _("满意")), ("average", _("一般")), ("dissatisfied", _("不满意")))
TECHNIQUE = (*SATISFACTION, ("not_applicable", _("未涉及")))
YES_NO = (("yes", _("是")), ("no", _("否")))
CONDITION = (("normal", _("正常")), ("problem", _("有问题")))
ON_TIME = (("on_time", _("按时交付")), ("late", _("延误")))


@dataclass(frozen=True)
class SurveyItem:
    key: str
    label: Promise
    group: Promise
    mandatory: bool
    choices: tuple[tuple[str, Promise], ...] = SATISFACTION
    kind: str = "choice"
    help: Promise | str = ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.choices)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": str(self.label),
            "group": str(self.group),
            "kind": self.kind,
            "mandatory": self.mandatory,
            "choices": [{"value": v, "label": str(lbl)} for v, lbl in self.choices],
            "help": str(self.help),
        }


_HARDWARE = _("硬件设施")
_CONSULTANT = _("服务是否到位（必须调查）")
_INTRO = _("车辆介绍（必须调查）")
_DELIVERY = _("交车服务（必须调查）")
_CONDITION = _("车况")
# The training deck's product-quality satisfaction (产品质量满意度: 性能、功能、操作), asked about the
# car in use; optional, with its own rows in the report's item analysis.
_PRODUCT = _("产品质量满意度")

SALES_ITEMS: tuple[SurveyItem, ...] = (
    SurveyItem("showroom", _("展厅气氛"), _HARDWARE, False),
    SurveyItem("vehicle_materials", _("车辆资料"), _HARDWARE, False),
    SurveyItem("consultant_knowledge", _("销售顾问的专业知识"), _CONSULTANT, True),
    SurveyItem("consultant_attitude", _("销售顾问的服务态度"), _CONSULTANT, True),
    SurveyItem("consultant_follow_up", _("销售顾问是否对客户进行回访"), _CONSULTANT, True, YES_NO),
    SurveyItem("vehicle_introduction", _("车辆介绍（配置、价格）的过程"), _INTRO, True),
    SurveyItem("delivery", _("交车服务（清洁、四项说明、介绍售后）"), _DELIVERY, True),
    SurveyItem(
        "vehicle_condition",
        _("车辆使用情况"),
        _CONDITION,
        False,
        CONDITION,
        help=_("向客户了解车辆的使用情况，及时处理客户在使用上的问题"),
    ),
    SurveyItem("product_performance", _("产品性能"), _PRODUCT, False),
    SurveyItem("product_function", _("产品功能"), _PRODUCT, False),
    SurveyItem("product_operation", _("产品操作"), _PRODUCT, False),
)

_QUALITY = _("维修（质量）服务（必须调查）")
_SERVICE = _("服务情况（必须调查）")
_RECEPTION = _("接车情况")
_HANDOVER = _("交车情况（必须调查）")
_OTHER = _("环境与交付")

AFTER_SALES_ITEMS: tuple[SurveyItem, ...] = (
    SurveyItem(
        "repair_quality",
        _("维修（质量）服务是否满意"),
        _QUALITY,
        True,
        help=_("必须向客户了解车辆出厂后的使用情况"),
    ),
    SurveyItem("running_since", _("车辆出厂后使用情况"), _QUALITY, True, CONDITION),
    SurveyItem("service_attitude", _("服务态度"), _SERVICE, True),
    SurveyItem("service_reception", _("接待过程"), _SERVICE, True),
    SurveyItem("technique_mechanical", _("维修技术——机电"), _SERVICE, True, TECHNIQUE),
    SurveyItem("technique_body_paint", _("维修技术——钣喷"), _SERVICE, True, TECHNIQUE),
    SurveyItem("service_follow_up", _("修复后是否跟踪回访"), _SERVICE, False, YES_NO),
    SurveyItem("reception_confirmed", _("接车时维修顾问是否确认故障及维修内容"), _RECEPTION, False, YES_NO),
    SurveyItem("handover_explained", _("交车时是否说明维修内容及故障解决情况"), _HANDOVER, True, YES_NO),
    SurveyItem("handover_advice", _("是否给予保养建议"), _HANDOVER, True, YES_NO),
    SurveyItem("handover_prices", _("是否对价格及维修项目进行解说"), _HANDOVER, True, YES_NO),
    SurveyItem("environment", _("公司环境卫生（售后区域）"), _OTHER, False),
    SurveyItem("on_time_delivery", _("车辆是否按时交付"), _OTHER, False, ON_TIME),
)

ITEMS: dict[str, tuple[SurveyItem, ...]] = {
    "sales": SALES_ITEMS,
    "after_sales": AFTER_SALES_ITEMS,
    "five_dimension": (),
}


def items_for(survey_type: str) -> tuple[SurveyItem, ...]:
    return ITEMS.get(survey_type, ())


def validate_items(survey_type: str, answers: Mapping[str, Any]) -> dict[str, str]:
    """Field errors (item key → message) for the answers of a survey of this type; {} when valid.

    Unknown keys and answers outside an item's choices are errors; every mandatory item must be
    answered (also when the customer gives no overall score: a customer who will not talk at all
    is a "refused" call attempt, not a survey).
    """
    errors: dict[str, str] = {}
    items = {item.key: item for item in items_for(survey_type)}
    for key, value in answers.items():
        item = items.get(key)
        if item is None:
            errors[key] = str(_("未知的调查项目。"))
        elif value in (None, ""):
            continue
        elif item.kind == "rating":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
                errors[key] = str(_("请填写 1–10 分。"))
        elif value not in item.values:
            errors[key] = str(_("请选择列出的选项之一。"))
    for item in items.values():
        if item.mandatory and answers.get(item.key) in (None, "") and item.key not in errors:
            errors[item.key] = str(_("必须调查项，请填写。"))
    return errors
