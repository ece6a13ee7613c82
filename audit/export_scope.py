"""The export log's "filter / scope" column in words: what each exporter recorded (csat.exports),
named in the reader's language — "对象：回访问卷 #224", not "record=survey; id=224"; a complaint
list's filters as the list's own filter labels and choices, departments and people by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.filters import TicketFilterForm
from csat.exports import ExportKind
from csat.models import Department

from .registry import BY_KEY

# The keys the exporters write (csat/attachments.py, intake, reports, audit's own exports).
KEY_LABELS = {
    "record": gettext_lazy("对象"),
    "id": gettext_lazy("记录编号"),
    "complaint": gettext_lazy("投诉"),
    "crisis": gettext_lazy("危机事件"),
    "attachment": gettext_lazy("附件编号"),
    "name": gettext_lazy("文件名"),
    "import_job": gettext_lazy("导入批次"),
    "file": gettext_lazy("文件"),
    "month": gettext_lazy("月份"),
    "scope": gettext_lazy("范围"),
    "version": gettext_lazy("版本"),
    "records": gettext_lazy("记录范围"),
    "model_key": gettext_lazy("对象"),
    "date_from": gettext_lazy("开始日期"),
    "date_to": gettext_lazy("结束日期"),
    "user_id": gettext_lazy("用户"),
    "settings_only": gettext_lazy("仅设置变更"),
}
ORDER = {key: i for i, key in enumerate(KEY_LABELS)}


def _names(records: Iterable[Any]) -> dict[str, str]:
    """The departments and people the shown scopes name by id, looked up once for the page."""
    departments: set[int] = set()
    people: set[int] = set()

    def ids(value: Any) -> set[int]:  # an id as the exporter wrote it: int or digits
        return {int(value)} if str(value or "").isdigit() else set()

    for record in records:
        scope = record.scope or {}
        if record.kind == ExportKind.COMPLAINT_LIST:
            departments |= ids(scope.get("department"))
            people |= ids(scope.get("assignee"))
        people |= ids(scope.get("user_id"))
    names: dict[str, str] = {}
    for department in Department.objects.filter(pk__in=departments).select_related("store"):
        names[f"department:{department.pk}"] = f"{department.store.name} · {department.name}"
    for person in get_user_model().objects.filter(pk__in=people):
        names[f"user:{person.pk}"] = person.get_full_name() or person.get_username()
    return names


def _complaint_filters(scope: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str]]:
    """A complaint list's filters as its own chips; a scope the list no longer accepts (a filter or
    value it dropped) is shown as it was recorded."""
    department, assignee = scope.get("department"), scope.get("assignee")
    form = TicketFilterForm(
        scope,
        departments=[(department, names.get(f"department:{department}", department))] if department else [],
        people=[(assignee, names.get(f"user:{assignee}", assignee))] if assignee else [],
    )
    if not form.is_valid():
        return [(str(key), str(value)) for key, value in scope.items()]
    return form.active()


def _value(key: str, value: Any, record: Any, names: dict[str, str]) -> str:
    if key in ("record", "model_key") and value in BY_KEY:
        return str(BY_KEY[value].label)
    if key == "user_id":
        return names.get(f"user:{value}", str(value))
    if key == "scope" and record.kind == ExportKind.REPORT:  # a store's code, or the group's report
        return record.store.name if record.store_id else _("集团")
    if key == "records" and value == "visible":
        return _("仅含其可查看的记录")
    if value is True:
        return _("是")
    return str(value)


def describe(records: Iterable[Any]) -> list[list[tuple[str, str]]]:
    """Each export record's scope as (label, value) pairs in the reader's language, in order."""
    records = list(records)
    names = _names(records)
    described = []
    for record in records:
        scope = record.scope or {}
        if record.kind == ExportKind.COMPLAINT_LIST:
            described.append(_complaint_filters(scope, names))
            continue
        # In KEY_LABELS' order, not the stored one: PostgreSQL's jsonb keeps its own key order.
        keys = sorted(scope, key=lambda k: (ORDER.get(k, len(ORDER)), k))
        described.append(
            [(str(KEY_LABELS.get(key, key)), _value(key, scope[key], record, names)) for key in keys]
        )
    return described
