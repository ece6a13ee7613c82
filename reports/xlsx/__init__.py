"""The monthly report as an xlsx (openpyxl): a Summary sheet first, then one sheet per section,
headers in the active language, number/percent formats, frozen headers, autofilters, red below
target, and native Excel charts (12-month trend vs target, dimension bars, complaints by department).

Written only from the report's data dict, so the file shows exactly the stored figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font

from complaints.models import Complaint
from reports.models import Trigger
from reports.selectors import parse_month

from .sheets import (
    assessment_records_sheet,
    assessment_sheet,
    complaint_records_sheet,
    complaints_sheets,
    dimensions_sheet,
    feedback_records_sheet,
    items_sheet,
    measures_sheet,
    not_rated_sheet,
    reasons_sheet,
    satisfaction_sheet,
)
from .writer import AMOUNT, INT, PCT, PER_MILLE, SCORE, Column, Sheet, layout, put, red_when, show_axes, table

__all__ = ["write_workbook"]

SUMMARY_HEADER_ROW = 9


def _scope_label(data: dict[str, Any]) -> str:
    return data["store"]["name"] if data["store"] else _("集团（全部门店）")


def _kpis(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The Summary table: (figure, this month, last month, target, whether lower is worse)."""
    counts, sat = data["surveys"]["counts"], data["surveys"]["satisfaction"]
    targets, c = data["targets"], data["complaints"]
    trend = {row["month"]: row for row in data["trend"]}
    prev = trend.get(data["previous_month"], {})
    rates = {row["key"]: row for row in c["rates"]}
    missed = sum(row["missed"] for row in c["deadlines"])
    feedback = data["feedback"]["counts"]
    return [
        {"label": _("应回访数"), "value": counts["required"], "fmt": INT},
        {"label": _("回访成功数"), "value": counts["reached"], "fmt": INT},
        {"label": _("完成满意度调查数"), "value": counts["surveyed"], "fmt": INT},
        {
            "label": _("回访成功率"),
            "value": counts["reach_rate"],
            "target": targets["reach_min"],
            "fmt": PCT,
            "below": True,
        },
        {
            "label": _("调查完成率"),
            "value": counts["survey_rate"],
            "target": targets["survey_min"],
            "fmt": PCT,
            "below": True,
        },
        {
            "label": _("回访有效性"),
            "text": _("有效")
            if counts["valid"]
            else _("无效：回访成功率或调查完成率未达标，客户部经理须采取措施"),
        },
        {
            "label": _("顾客满意度"),
            "value": sat["current"],
            "previous": sat["previous"],
            "target": targets["satisfaction"],
            "fmt": SCORE,
            "below": True,
        },
        {"label": _("评分调查数"), "value": sat["rated"], "previous": prev.get("rated"), "fmt": INT},
        # Every survey type's, as the 未评分 records and reasons list them (DOMAIN §1), not only the
        # 100-point ones of the satisfaction above.
        {"label": _("未评分调查数（不计入满意度）"), "value": feedback["not_rated"], "fmt": INT},
        {
            "label": _("五维度综合满意度（单列，不计入顾客满意度）"),
            "value": data["dimensions"]["overall"],
            "previous": sat.get("five_dimension", {}).get("previous"),
            "target": data["dimensions"]["target"],
            "fmt": SCORE,
            "below": True,
        },
        *_manufacturer_kpis(data),
        # DOMAIN §9: kind ``complaint`` only; the other tickets on their own row.
        {"label": _("投诉总数"), "value": c["complaints"], "previous": prev.get("complaints"), "fmt": INT},
        {
            "label": _("回访不满意、抱怨工单数（不计入投诉）"),
            "value": c.get("dissatisfied_grievances", c["total"] - c["complaints"]),
            "fmt": INT,
        },
        *[
            {
                "label": r["label"],
                "value": r["per_mille"],
                "target": r["target"],
                "fmt": PER_MILLE,
                "below": False,
            }
            for r in c["rates"]
            if r["key"] in rates
        ],
        {"label": _("处理时限超时次数"), "value": missed, "fmt": INT},
        {"label": _("超过 3 个工作日未解决"), "value": c["open_past_three_days_count"], "fmt": INT},
        {"label": _("重开投诉"), "value": c["reopened_count"], "fmt": INT},
        {"label": _("批准补偿件数"), "value": c["compensation"]["count"], "fmt": INT},
        {"label": _("批准补偿金额（元）"), "value": c["compensation"]["amount"], "fmt": AMOUNT},
        {"label": _("批准实物补偿件数"), "value": c["compensation"].get("in_kind_count", 0), "fmt": INT},
        {"label": _("回访不满意"), "value": feedback["dissatisfied"], "fmt": INT},
        {"label": _("抱怨"), "value": feedback["grievances"], "fmt": INT},
        {"label": _("意见"), "value": feedback["opinions"], "fmt": INT},
        *_channel_kpis(data),
    ]


def manufacturer_label(data: dict[str, Any]) -> str:
    """The Summary row's label of the manufacturer's quarterly score (issue #19)."""
    m = data["manufacturer"]
    if data["store"]:
        return _("厂家考核分值（%(quarter)s，仅作参考）") % {"quarter": m["label"]}
    return _("厂家考核分值（%(quarter)s，%(n)s 家门店平均，仅作参考）") % {
        "quarter": m["label"],
        "n": m["count"],
    }


def _manufacturer_kpis(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Beside our satisfaction, never in it (cs-survey-management §二.4); older stored reports have
    no such figure."""
    if not data.get("manufacturer"):
        return []
    score = data["manufacturer"]["score"]
    row: dict[str, Any] = {"label": manufacturer_label(data), "fmt": SCORE}
    if score is None:
        row["text"] = _("未录入")
    else:
        row["value"] = score
    return [row]


def _channel_kpis(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Phone vs the customer's own link (issue #24); older stored reports have no such figures."""
    channels = data["surveys"].get("channels")
    if not channels:
        return []
    links = channels["links"]
    return [
        {"label": _("电话回访成功数"), "value": channels["phone"]["reached"], "fmt": INT},
        {"label": _("电话完成调查数"), "value": channels["phone"]["surveyed"], "fmt": INT},
        {"label": _("自助链接完成调查数"), "value": channels["link"]["surveyed"], "fmt": INT},
        {"label": _("发出调查链接数"), "value": links["invited"], "fmt": INT},
        {"label": _("调查链接打开率"), "value": links["open_rate"], "fmt": PCT},
        {"label": _("调查链接作答率"), "value": links["answer_rate"], "fmt": PCT},
    ]


def _summary(
    sheet: Sheet,
    data: dict[str, Any],
    *,
    built_at: dt.datetime,
    built_by: Any,
    trigger: str,
    restricted: bool = False,
) -> None:
    columns = [
        Column(_("指标"), "label", width=34),
        Column(_("本月"), lambda r: r.get("value", r.get("text")), width=14, row_format=True),
        Column(_("上月"), "previous", width=12, row_format=True),
        Column(_("目标"), "target", width=12, row_format=True),
    ]
    layout(sheet, columns, SUMMARY_HEADER_ROW)
    title = put(sheet, _("%(month)s 月度客户满意度与投诉分析报告") % {"month": data["month"]}, styled=True)
    title.font = Font(bold=True, size=14)
    sheet.write_row([title])
    who = (built_by.get_full_name() or built_by.get_username()) if built_by is not None else ""
    meta = [
        (_("范围"), _scope_label(data)),
        (_("版本"), f"v{data.get('version', '')}"),
        (_("生成方式"), str(Trigger(trigger).label)),
        (_("生成时间"), timezone.localtime(built_at).strftime("%Y-%m-%d %H:%M")),
        (_("生成人"), who),
        (_("数据截至"), data["as_of"]),
    ]
    if restricted:
        # The figures are the version's; the record sheets hold what this reader may open.
        meta.append((_("明细范围"), _("仅含您有权查看的记录（数据为下载时）")))
    for label, value in meta:
        cell = put(sheet, label, styled=True)
        cell.font = Font(bold=True)
        sheet.write_row([cell, put(sheet, value)])
    kpis = _kpis(data)
    rng = table(sheet, columns, kpis, header_row=SUMMARY_HEADER_ROW)
    for row, kpi in enumerate(kpis, start=rng.first):
        if kpi.get("target") is not None:
            cell = f"B{row}"
            if kpi["below"]:
                red_when(sheet, cell, below=kpi["target"])
            else:
                red_when(sheet, cell, above=kpi["target"])


def _trend(wb: Workbook, data: dict[str, Any]) -> None:
    ws = Sheet(wb, _("满意度趋势"))
    rng = table(
        ws,
        [
            Column(_("月份"), "month", width=10),
            Column(_("满意度"), "average", SCORE),
            Column(_("目标"), "target", INT),
            Column(_("评分数"), "rated", INT),
            Column(_("投诉数"), "complaints", INT),
        ],
        data["trend"],
    )
    red_when(ws, rng.column(2), below=data["targets"]["satisfaction"])
    chart = LineChart()
    chart.title = _("近 12 个月顾客满意度与目标")
    chart.y_axis.title = _("满意度")
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=rng.last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rng.last))
    target = chart.series[1].graphicalProperties.line
    target.solidFill, target.dashStyle = "C00000", "dash"
    show_axes(chart)
    chart.height, chart.width = 9, 20
    ws.add_chart(chart, "G2")


def write_workbook(
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    out: IO[bytes],
    *,
    built_at: dt.datetime,
    built_by: Any = None,
    trigger: str,
    as_of: dt.datetime | None = None,
    tickets: QuerySet[Complaint] | None = None,
    surveys: bool = True,
    month: dt.date | None = None,
    store_ids: list[int] | None = None,
) -> dict[str, Any]:
    """Write the file of one version to ``out``, return its data; ``as_of`` is the moment its data
    was read (the lists streamed into it are read as of then). ``tickets``/``surveys``: a reader's
    copy with only the ticket rows and survey records that reader may see (``reports.records``);
    the stored file is written with neither.

    ``data`` may be a call that returns it (``month`` and ``store_ids`` then say whose records to
    list): the record sheets, which need none of the figures, are written first, while the figures
    are still being read (``report_build`` reads them on other connections, issue #25); the sheets
    are put in their order at the end."""
    lists = None
    if callable(data):
        if month is None:
            raise ValueError("a data call needs the month of the records")
        scope = store_ids
    else:
        month, scope = parse_month(data["month"]), [data["store"]["id"]] if data["store"] else None
        lists = {key for key, count in data["feedback"]["counts"].items() if count}
    wb = Workbook(write_only=True)
    wb.properties.title = _("月度报表")
    wb.properties.creator = "csat"
    feedback = feedback_records_sheet(wb, month=month, store_ids=scope, surveys=surveys, lists=lists)
    complaints = complaint_records_sheet(
        wb, month=month, store_ids=scope, as_of=as_of or built_at, tickets=tickets
    )
    events = assessment_records_sheet(wb, month=month, store_ids=scope)
    records = len(wb._sheets)
    if callable(data):
        data = data()
    restricted = tickets is not None or not surveys
    _summary(
        Sheet(wb, _("汇总")),
        data,
        built_at=built_at,
        built_by=built_by,
        trigger=trigger,
        restricted=restricted,
    )
    _trend(wb, data)
    satisfaction_sheet(wb, data)
    dimensions_sheet(wb, data)
    reasons_sheet(wb, data)
    items_sheet(wb, data)
    after_items = len(wb._sheets)
    not_rated_sheet(wb, data)
    complaints_sheets(wb, data)
    after_rates = len(wb._sheets)
    measures_sheet(wb, data)
    assessment_sheet(wb, data)
    # The file's order: each record sheet after the figures it details.
    figures = wb._sheets[records:]
    after_items -= records
    after_rates -= records
    wb._sheets = [
        *figures[:after_items],
        feedback.ws,
        *figures[after_items:after_rates],
        complaints.ws,
        *figures[after_rates:],
        events.ws,
    ]
    # Rows go to openpyxl's temporary files as they are written, the zip to ``out``: the workbook
    # is never whole in memory.
    wb.save(out)
    return data
