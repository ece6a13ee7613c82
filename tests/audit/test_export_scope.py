"""The export log names what was downloaded in the reader's language: each exporter's scope keys as
labels, record kinds, departments and people by name, a complaint list's filters as the list's own
chips (it showed "record=survey; id=224" and "status=dispatched; department=5")."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from csat.exports import ExportKind, record_export

pytestmark = pytest.mark.django_db


def _scopes(client: Client, language: str) -> list[str]:
    """The export log's scope cells, newest first, as text (each label-value pair one chip)."""
    client.cookies["django_language"] = language
    html = client.get("/audit/").content.decode().split('data-testid="export-records"')[1]
    cells = re.findall(r'<td class="export-scope" data-testid="export-scope">(.*?)</td>', html, flags=re.S)
    return [
        " | ".join(re.findall(r"<span[^>]*>([^<]*)</span>", cell))
        + re.sub(r".*</span>", "", cell, flags=re.S)
        if "<span" in cell
        else cell.strip()
        for cell in cells
    ]


def test_each_export_scope_reads_as_words_in_both_languages(
    browser: Callable[[Any], Client], gm: Any, sales: Any, sales_mgr: Any, store: Any
) -> None:
    person, department = sales_mgr.get_full_name(), f"{sales.store.name} · {sales.name}"  # data, as stored
    record_export(user=gm, kind=ExportKind.RECORD_HISTORY, scope={"record": "survey", "id": 224})
    record_export(
        user=gm,
        kind=ExportKind.COMPLAINT_LIST,
        scope={
            "status": "dispatched",
            "department": str(sales.pk),
            "assignee": str(sales_mgr.pk),
            "urgent": "1",
        },
    )
    record_export(user=gm, kind=ExportKind.COMPLAINT_LIST, scope={})
    record_export(
        user=gm,
        kind=ExportKind.REPORT,
        scope={"month": "2026-11", "scope": "GROUP", "version": 2, "records": "visible"},
    )
    record_export(
        user=gm,
        kind=ExportKind.REPORT,
        scope={"month": "2026-11", "scope": store.code, "version": 1},
        store_id=store.pk,
    )
    record_export(
        user=gm, kind=ExportKind.AUDIT_LOG, scope={"model_key": "complaint", "user_id": sales_mgr.pk}
    )
    client = browser(gm)

    assert _scopes(client, "zh-hans") == [
        f"对象：投诉 | 用户：{person}",
        f"月份：2026-11 | 范围：{store.name} | 版本：1 · {store.name}",
        "月份：2026-11 | 范围：集团 | 版本：2 | 记录范围：仅含其可查看的记录",
        "—",
        f"状态：已派单 | 责任部门：{department} | 处理人：{person} | 紧急：是",
        "对象：满意度调查 | 记录编号：224",
    ]
    assert _scopes(client, "en") == [
        f"Record: Complaint | User: {person}",
        f"Month: 2026-11 | Scope: {store.name} | Version: 1 · {store.name}",
        "Month: 2026-11 | Scope: Group | Version: 2 | Records: Only the records they may see",
        "—",
        f"Status: Dispatched | Responsible department: {department} | Assignee: {person} | Urgent: Yes",
        "Record: Satisfaction survey | Record no.: 224",
    ]


def test_an_outdated_list_scope_is_shown_as_recorded(browser: Callable[[Any], Client], gm: Any) -> None:
    # A filter the list no longer knows (or a value it no longer offers) is not dropped from the log.
    record_export(user=gm, kind=ExportKind.COMPLAINT_LIST, scope={"status": "archived"})
    assert _scopes(browser(gm), "zh-hans") == ["status：archived"]
