"""What the people handling a complaint should keep in mind, shown where they work: the agent's call
screen and the ticket page of the department manager.

Wording from the sources (sources/five-dimension-satisfaction.zh.txt, the training deck "如何提升客户
服务满意度": the eight steps, the forbidden phrases and the three changes; sources/complaint-handling-
procedure.zh.txt §2.1–2.2: how the department investigates and settles a complaint; sources/customer-
grades-A-G.zh.txt: how serious a quality problem is). Lazy strings: rendered in the reader's language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# 处理客户抱怨和投诉的8个步骤 (training deck)
GUIDE_STEPS = [
    _("学会说“谢谢”"),
    _("说出你为什么对抱怨心存感激"),
    _("为过失而道歉"),
    _("承诺对当前问题及时作出努力"),
    _("全面搜集和了解一切必要的信息"),
    _("迅速地纠正错误，解决问题"),
    _("检查客户是否满意"),
    _("避免今后犯类似问题"),
]
# 服务禁语 (training deck)
FORBIDDEN_PHRASES = [
    _("这种问题处理连三岁小孩都会。"),
    _("不可能，绝对不可能有这种事情发生。"),
    _("这个问题是供应商的问题，与我们公司无关。"),
    _("这个问题我不太清楚或不知道。"),
    _("我没有办法解决这个问题。"),
    _("这是×××负责的设备，与我无关。"),
]
# 较激进客户投诉的“三变法” (training deck)
THREE_CHANGES = _("较激进客户的“三变法”：撤换当事人；改变交流沟通的场所；改变时间。")
# 客户投诉处理流程及规范 §2.2: how a solution is made
HANDLING_PRINCIPLES = [
    _("根据厂家和本公司的政策与规定，针对具体问题寻求解决措施；一般投诉由部门经理以道歉、解释等方式处理。"),
    _(
        "重大投诉在初步制定处理措施后，应将投诉情况和措施向总经理报告；涉及补偿、赔偿的，须经总经理签字确认或授权后才能实施。"
    ),
    _("处理时与客户充分协商，以双赢为目的制定解决方案；未与客户达成一致时制定新的措施，直到与客户达成一致。"),
    _("把最真实的信息及时有效地传递给总经理，保证信息的有效沟通。"),
]
# 三查一综合 for product-quality complaints: the three checks and the one synthesis of the
# procedure's §2.1 investigation, with the quality measures of the A–G grades.
QUALITY_CHECKS = [
    _("查问题程度：是否影响使用，是否为重大质量问题、核心部件的质量问题。"),
    _("查维修档案：查阅客户其他档案或资料；1 个月内是否因质量问题进站维修 2 次以上，投诉期间每月行驶里程。"),
    _("查相关部门：联系其他有关部门了解客户投诉涉及的情况。"),
    _("综合分析：分析导致客户不满的最主要因素、背景以及客户期望解决的结果，再制定处理措施。"),
]
QUALITY_CATEGORIES = frozenset({"repair", "parts"})
QUALITY_CRITERIA = frozenset({"safety", "repeat_repairs"})


def is_quality_complaint(complaint: Any) -> bool:
    """A product-quality complaint: about a repair or parts, or major for safety or repeated repairs."""
    return complaint.category in QUALITY_CATEGORIES or bool(
        QUALITY_CRITERIA & set(complaint.major_criteria or ())
    )


def handling_guidance(complaint: Any) -> dict[str, Any]:
    """The guidance block of the ticket page."""
    return {
        "steps": GUIDE_STEPS,
        "forbidden": FORBIDDEN_PHRASES,
        "three_changes": THREE_CHANGES,
        "principles": HANDLING_PRINCIPLES,
        "quality_checks": QUALITY_CHECKS if is_quality_complaint(complaint) else [],
    }
