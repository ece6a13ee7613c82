"""One sheet per report section (survey analysis, cause analysis, complaint analysis, assessment)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from complaints.models import Complaint
from csat.db import read_ahead
from reports.selectors import (
    BREAKDOWNS,
    assessment_events,
    breakdown_titles,
    complaint_records,
    department_names,
    feedback_records,
)

from .writer import (
    AMOUNT,
    INT,
    PCT,
    PER_MILLE,
    SCORE,
    Column,
    Sheet,
    fraction,
    put,
    red_when,
    show_axes,
    table,
)


def _ticket_number() -> str:
    """The header of a column of complaint ticket numbers (TSSZ01-…): the bare "工单号" is the
    service visit's repair order number, which English calls "Repair order no."."""
    return pgettext("complaint ticket", "工单号")


def satisfaction_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    ws = Sheet(wb, _("满意度分析"))
    goal = data["targets"]["satisfaction"]
    titles = breakdown_titles()
    rows = [{**row, "group": titles[key]} for key in BREAKDOWNS for row in data["surveys"]["breakdowns"][key]]
    columns = [
        Column(_("分类"), "group", width=20),
        Column(
            _("项目"), lambda r: f"{r['label']}（{r['role']}）" if r.get("role") else r["label"], width=26
        ),
        Column(_("调查数"), "surveys", INT),
        Column(_("评分数"), "rated", INT),
        Column(_("未评分"), "not_rated", INT),
        Column(_("满意度"), "average", SCORE),
        Column(_("目标"), lambda r: goal, INT),
    ]
    rng = table(ws, columns, rows)
    red_when(ws, rng.column(6), below=goal)


def _rating_count(value: int) -> Any:
    return lambda row: row["counts"][str(value)]


def _level_share(index: int) -> Any:
    return lambda row: fraction(row["levels"][index]["percent"])


def _level_labels() -> list[str]:
    return [_("非常满意"), _("满意"), _("一般"), _("不满"), _("非常不满")]


def dimensions_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    ws = Sheet(wb, _("五维度"))
    dims = data["dimensions"]
    goal = dims["target"]
    columns = [
        Column(_("维度"), "label", width=14),
        Column(_("评价人数"), "n", INT),
        *[Column(_("%(n)s分") % {"n": v}, _rating_count(v), INT, 7) for v in range(1, 11)],
        *[Column(label, _level_share(i), PCT, 10) for i, label in enumerate(_level_labels())],
        Column(_("满意度"), "score", SCORE),
        Column(_("目标"), lambda r: goal, INT, 8),
        Column(_("差额分数"), "points_short", INT),
        Column(_("需提升人数（满意→非常满意）"), "lifts_needed", INT, 16),
        Column(_("提升后非常满意占比"), lambda r: fraction(r["very_satisfied_after"]), PCT, 14),
    ]
    rng = table(ws, columns, dims["rows"])
    score_col = 18
    red_when(ws, rng.column(score_col), below=goal)
    summary_row = rng.last + 2
    ws.skip_to(summary_row)
    ws.write_row([_("综合满意度"), *[None] * (score_col - 2), put(ws, dims["overall"], SCORE)])
    red_when(ws, f"{get_column_letter(score_col)}{summary_row}", below=goal)
    chart = BarChart()
    chart.type = "col"
    chart.title = _("五维度满意度")
    chart.y_axis.title = _("满意度")
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.add_data(Reference(ws, min_col=score_col, min_row=1, max_row=rng.last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rng.last))
    show_axes(chart)
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, f"A{summary_row + 2}")


def reasons_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    ws = Sheet(wb, _("低分原因"))
    table(
        ws,
        [
            Column(_("排名"), "rank", INT, 8),
            Column(_("维度"), "dimension_label", width=14),
            Column(_("原因"), "label", width=36),
            Column(_("次数"), "count", INT),
        ],
        data["reasons"],
    )


def items_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    ws = Sheet(wb, _("调查项目"))
    table(
        ws,
        [
            Column(_("调查类型"), "type_label", width=12),
            Column(_("分组"), "group", width=22),
            Column(_("项目"), "label", width=36),
            Column(_("好评"), "positive", INT),
            Column(_("一般"), "average", INT),
            Column(_("差评"), "negative", INT),
            Column(_("其他"), "other", INT),
            Column(_("回答数"), "answered", INT),
            Column(_("不足（一般+差评）"), "lacking", INT, 14),
        ],
        data["items"]["items"],
    )
    ws = Sheet(wb, _("维修技术"))
    table(
        ws,
        [
            Column(_("项目"), "label", width=24),
            Column(_("满意"), "satisfied", INT),
            Column(_("一般"), "average", INT),
            Column(_("不满意"), "dissatisfied", INT),
            Column(_("未涉及"), "not_applicable", INT),
            Column(_("技术问题"), "issues", INT),
        ],
        data["items"]["technique"],
    )


def feedback_records_sheet(
    wb: Workbook,
    *,
    month: dt.date,
    store_ids: list[int] | None,
    surveys: bool = True,
    lists: Collection[str] | None = None,
) -> Sheet:
    """Every record of the four lists, streamed from the database when the file is built (the
    data keeps only the first ones); the file is stored with its version, so it does not change.
    ``surveys`` False: the sheet keeps its header, no survey record (a reader who may not read
    surveys, issue #21); ``lists``: only these lists (the ones with records in the figures). Needs
    none of the figures (``write_workbook`` writes it first)."""
    ws = Sheet(wb, _("客户反馈"))
    titles = (
        ("dissatisfied", _("回访不满意")),
        ("grievances", _("抱怨")),
        ("opinions", _("意见")),
        ("not_rated", _("未评分")),
    )
    yes = _("是")
    # Read on another connection while the rows before are written (csat.db.read_ahead).
    rows = read_ahead(
        lambda: (
            {**row, "list": str(title)}
            for key, title in titles
            if surveys and (lists is None or key in lists)
            for row in feedback_records(month=month, store_ids=store_ids, key=key)
        )
    )
    table(
        ws,
        [
            Column(_("类别"), "list", width=12),
            Column(_("调查时间"), "surveyed_at", width=17),
            Column(_("门店"), "store", width=14),
            Column(_("客户"), "customer", width=10),
            Column(_("电话"), "mobile", width=13),
            Column(_("车牌"), "plate", width=11),
            Column(_("调查类型"), "type_label", width=12),
            Column(_("分数"), "score", INT, 8),
            Column(_("结果分类"), "classification_label", width=14),
            Column(_("有风险"), lambda r: yes if r["at_risk"] else "", width=8),
            Column(_("客户等级"), "grade", width=8),
            Column(_("客户意见"), "remarks", width=40, wrap=True),
            Column(_("未评分原因"), "not_rated_reason", width=24, wrap=True),
            Column(_("回访专员"), "agent", width=10),
            Column(_ticket_number(), "complaint_number", width=24),
        ],
        rows,
    )
    return ws


def not_rated_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    ws = Sheet(wb, _("未评分原因"))
    table(
        ws,
        [Column(_("原因"), "reason", width=40), Column(_("人数"), "count", INT)],
        data["feedback"]["not_rated_reasons"],
    )


def complaints_sheets(wb: Workbook, data: dict[str, Any]) -> None:
    """The complaint figures, up to the rates (the list of every record follows them)."""
    c = data["complaints"]
    ws = Sheet(wb, _("投诉分析"))
    groups = (
        ("by_kind", _("按类型")),
        ("by_severity", _("按级别")),
        ("by_category", _("按类别")),
        ("by_grade", _("按客户等级")),
        ("by_status", _("按状态")),
    )
    rows = [{**row, "group": str(title)} for key, title in groups for row in c[key]]
    table(
        ws,
        [
            Column(_("分类"), "group", width=14),
            Column(_("项目"), "label", width=22),
            Column(_("件数"), "count", INT),
        ],
        rows,
    )

    ws = Sheet(wb, _("按部门投诉"))
    none = {"label": _("无"), "count": 0, "complaints": 0, "major": 0, "general": 0, "others": 0}
    departments = c["by_department"] or [none]
    # Every ticket (件数) = complaints (major + general) + dissatisfied callbacks and grievances,
    # which are not complaints (DOMAIN §9); reports stored before have no such split.
    rng = table(
        ws,
        [
            Column(_("责任部门"), "label", width=24),
            Column(_("件数"), "count", INT),
            Column(_("投诉数"), "complaints", INT),
            Column(_("重大投诉"), "major", INT),
            Column(_("一般投诉"), "general", INT),
            Column(_("回访不满意 / 抱怨"), "others", INT, 16),
        ],
        departments,
    )
    chart = BarChart()
    chart.type = "bar"
    chart.title = _("各部门投诉件数")
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=rng.last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rng.last))
    show_axes(chart)
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, "H2")

    ws = Sheet(wb, _("处理时限"))
    steps = table(
        ws,
        [
            Column(_("环节"), "label", width=26),
            Column(_("到期数"), "total", INT),
            Column(_("按时完成"), "met", INT),
            Column(_("超时"), "missed", INT),
            Column(_("未完成"), "open", INT),
            Column(_("按时率"), "met_rate", PCT),
        ],
        c["deadlines"],
    )
    # Every step's row (one per deadline kind): a fixed range left the last ones never red.
    red_when(ws, steps.column(4), above=0)

    # DOMAIN §9 "The GM's gate": what the GM approved in kind, beside the money (older stored
    # reports have no such list).
    ws = Sheet(wb, _("实物补偿"))
    table(
        ws,
        [
            Column(_("编号"), "number", width=20),
            Column(_("门店"), "store", width=14),
            Column(_("客户"), "customer", width=10),
            Column(_("责任部门"), "department", width=12),
            Column(_("实物补偿"), "compensation_in_kind", width=40),
            Column(_("补偿金额（元）"), "compensation_amount", AMOUNT, 12),
            Column(_("审批时间"), "approved_at", width=17),
        ],
        c["compensation"].get("in_kind") or [],
    )

    ws = Sheet(wb, _("投诉率"))
    rng = table(
        ws,
        [
            Column(_("指标"), "label", width=28),
            Column(_("投诉数"), "complaints", INT),
            Column(_("基数"), "base", INT),
            Column(_("投诉率（‰）"), "per_mille", PER_MILLE),
            Column(_("目标（‰）"), "target", PER_MILLE),
        ],
        c["rates"],
    )
    for i, row in enumerate(c["rates"], start=rng.first):
        red_when(ws, f"D{i}", above=row["target"])


def complaint_records_sheet(
    wb: Workbook,
    *,
    month: dt.date,
    store_ids: list[int] | None,
    as_of: dt.datetime,
    tickets: QuerySet[Complaint] | None = None,
) -> Sheet:
    """The month's complaints, every record; ``tickets``: only these (the reader's own ticket
    selector, issue #21). Needs none of the figures (``write_workbook`` writes it first)."""
    ws = Sheet(wb, _("投诉清单"))
    table(
        ws,
        [
            Column(_("编号"), "number", width=24),
            Column(_("接收时间"), "received_at", width=17),
            Column(_("门店"), "store", width=14),
            Column(_("客户"), "customer", width=10),
            Column(_("类型"), "kind_label", width=12),
            Column(_("级别"), "severity_label", width=10),
            Column(_("类别"), "category_label", width=12),
            Column(_("客户等级"), "grade", width=8),
            Column(_("责任部门"), "department", width=12),
            Column(_("状态"), "status_label", width=12),
            Column(_("重开次数"), "reopen_count", INT, 8),
            Column(_("补偿金额（元）"), "compensation_amount", AMOUNT, 12),
            Column(_("审批"), "approval_label", width=10),
            Column(_("超过 3 个工作日未解决"), lambda r: _("是") if r["open_past"] else "", width=12),
            Column(_("本月重开"), "reopens", INT, 8),
            Column(_("处理人"), "assignee", width=10),
            Column(_("直接责任人"), "responsible_staff", width=12),
            Column(_("内部处理措施"), "internal_measure", width=24),
            Column(_("内部责任追究"), "accountability", width=24),
            Column(_("实物补偿"), lambda r: r.get("compensation_in_kind", ""), width=24),
        ],
        # Every record, streamed from the database when the version is built (the data keeps the
        # first ones); the file is stored with its version, so it does not change afterwards.
        read_ahead(lambda: complaint_records(month=month, store_ids=store_ids, as_of=as_of, visible=tickets)),
    )
    return ws


def measures_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    c = data["complaints"]
    ws = Sheet(wb, _("预防措施"))
    table(
        ws,
        [
            Column(_("门店"), "store", width=14),
            Column(_("类别"), "category_label", width=12),
            Column(_("原因"), "cause", width=18),
            Column(_("问题"), "problem", width=30, wrap=True),
            Column(_("预防措施"), "measure", width=36, wrap=True),
            Column(_("责任部门"), "department", width=12),
            Column(_("完成期限"), "due_date", width=12),
            Column(_("状态"), "status_label", width=14),
            Column(_("逾期"), lambda r: _("是") if r["overdue"] else "", width=8),
        ],
        c["measures"]["items"],
    )


def assessment_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    ws = Sheet(wb, _("部门考核"))
    rng = table(
        ws,
        [
            Column(_("门店"), "store", width=14),
            Column(_("部门"), "department", width=14),
            Column(_("扣分"), "deductions", SCORE),
            Column(_("调整"), "adjustments", SCORE),
            Column(_("合计"), "total", SCORE),
            Column(_("事件数"), "event_count", INT),
        ],
        data["assessment"],
    )
    red_when(ws, rng.column(5), below=0)


def assessment_records_sheet(wb: Workbook, *, month: dt.date, store_ids: list[int] | None) -> Sheet:
    """Every assessment event of the month (the data keeps the first). Needs none of the figures
    (``write_workbook`` writes it first)."""
    ws = Sheet(wb, _("考核明细"))
    names = department_names(store_ids)
    events = (
        {**e, "store": names[e["department_id"]][0], "department": names[e["department_id"]][1]}
        for e in read_ahead(lambda: assessment_events(month=month, store_ids=store_ids))
    )
    table(
        ws,
        [
            Column(_("门店"), "store", width=14),
            Column(_("部门"), "department", width=14),
            Column(_("事件"), "kind_label", width=12),
            Column(_("分值"), "points", SCORE, 8),
            Column(_ticket_number(), "complaint", width=20),
            Column(_("环节"), "step", width=24),
            Column(_("原因"), "reason", width=30, wrap=True),
            Column(_("调整人"), "by", width=12),
            Column(_("时间"), "at", width=17),
            Column(_("申诉及结果"), "dispute", width=30, wrap=True),
            Column(_("申诉处理意见"), "dispute_comment", width=24, wrap=True),
        ],
        events,
    )
    return ws


__all__ = [
    "AMOUNT",
    "assessment_records_sheet",
    "assessment_sheet",
    "complaint_records_sheet",
    "complaints_sheets",
    "dimensions_sheet",
    "feedback_records_sheet",
    "items_sheet",
    "measures_sheet",
    "not_rated_sheet",
    "reasons_sheet",
    "satisfaction_sheet",
]
