"""The monthly report built with its reads on other connections (issue #25: the figures read while
the record sheets are written, the aggregates two at a time, the records read ahead) is the report
built on one connection: the same figures, the same sheets in the same order, the same cells."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.db import connection, transaction

from csat import db
from reports.models import Trigger
from reports.services import report_build
from tests.reports.builders import MONTH

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads aside run on PostgreSQL only"
)


def _sheets(report: Any) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))
    # The summary names the build's time and version; every other sheet is the same cell for cell.
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets if ws.title != "汇总"}


@pytest.mark.parametrize("scope", ["group", "store"])
def test_a_report_read_aside_is_the_report_read_on_one_connection(
    transactional_db: None, march: Any, monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    store = march.store if scope == "store" else None
    threads: list[str] = []
    started = db._aside

    def spy(target: Any, name: str) -> Any:
        threads.append(name)
        return started(target, name)

    monkeypatch.setattr(db, "_aside", spy)
    aside = report_build(month=MONTH, store=store, trigger=Trigger.BUTTON)
    assert set(threads) == {"read-aside", "concurrent-reads-0", "read-ahead"}, threads
    threads.clear()
    with transaction.atomic():  # inside a transaction every read stays on this connection
        here = report_build(month=MONTH, store=store, trigger=Trigger.BUTTON)
    assert threads == []
    assert (aside.version, here.version) == (1, 2)
    assert {**aside.data, "version": 0, "as_of": ""} == {**here.data, "version": 0, "as_of": ""}
    got, expected = _sheets(aside), _sheets(here)
    assert list(got) == list(expected)
    assert got == expected
    # the record sheets are not empty: the fixture's month has complaints, surveys and events
    assert len(got["投诉清单"]) > 1 and len(got["客户反馈"]) > 1
