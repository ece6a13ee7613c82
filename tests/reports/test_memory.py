"""A report build's memory does not grow with the number of records: the data keeps the first
records of each list and the xlsx streams the whole lists from the database to a temporary file."""

from __future__ import annotations

import gc
import io
import itertools
import tracemalloc
from typing import Any

import openpyxl
import pytest

from reports.models import Trigger
from reports.selectors.analysis import FEEDBACK_SHOWN
from reports.services import report_build
from tests.reports.builders import MONTH, SALES_POOR, at, make_survey
from tests.reports.conftest import Month

pytestmark = pytest.mark.django_db


def _peak(march: Month) -> tuple[int, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        report = report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, report


def test_build_peak_memory_does_not_grow_with_records(march: Month) -> None:
    seq = itertools.count()
    remark = "客户对交车流程不满意，等待时间过长，希望改进。" * 4

    def add(k: int) -> None:
        for _ in range(k):
            day = 1 + next(seq) % 28
            make_survey(
                march.store,
                type="sales",
                at=at(3, day),
                agent=march.users["agent"],
                score=60,
                items=SALES_POOR,
                remarks=remark,
            )

    add(60)
    _peak(march)  # warm-up: imports, translations and caches are not the build's growth
    small, small_report = _peak(march)
    add(540)
    large, large_report = _peak(march)

    listed = small_report.data["feedback"]["counts"]["dissatisfied"]
    assert large_report.data["feedback"]["counts"]["dissatisfied"] == listed + 540
    assert len(large_report.data["feedback"]["dissatisfied"]) == FEEDBACK_SHOWN
    # the xlsx still lists every record
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(large_report.xlsx)), read_only=True)["客户反馈"]
    assert sum(1 for row in sheet.iter_rows(min_row=2) if row[0].value == "回访不满意") == listed + 540
    # 9× the records: the peak may grow by the larger compressed file and a few row chunks'
    # slack, not with the rows held in memory (that was ~2.5 kB per record before streaming)
    assert large - small < 256 * 1024, (small, large)
