"""Issue #21 item 3: text that starts like a formula is written as text in every xlsx export.

A customer name ``=HYPERLINK(…)`` landed as a live formula in /audit/export.xlsx and the
per-record history export. Every writer now goes through ``csat.spreadsheets`` (a scan below keeps
it that way): a value starting with =, +, -, @, tab or CR is a text cell with Excel's quote prefix.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from csat.spreadsheets import FORMULA_PREFIXES
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EVIL = [
    '=HYPERLINK("http://evil.example","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_every_dangerous_prefix_is_covered() -> None:
    assert {text[0] for text in EVIL} == set(FORMULA_PREFIXES)


def _cells(content: bytes) -> list[Any]:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def assert_written_as_text(content: bytes, values: list[str]) -> None:
    cells = _cells(content)
    assert all(cell.data_type != "f" for cell in cells)
    for value in values:
        found = [cell for cell in cells if cell.value == value]
        assert found, f"{value!r} is not in the export"
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in found), value


def _customer_with_evil_names(store: Any) -> Any:
    customer = CustomerFactory(store=store, name=EVIL[0])
    for name in EVIL[1:]:
        customer.name = name
        customer.save()
    return customer


def test_record_history_export_writes_formula_like_names_as_text(
    browser: Callable[[Any], Client], gm: Any, store: Any
) -> None:
    customer = _customer_with_evil_names(store)
    response = browser(gm).get(f"/audit/history/customer/{customer.pk}/export.xlsx")
    assert response.status_code == 200
    assert_written_as_text(response.content, EVIL)


def test_audit_log_export_writes_formula_like_names_as_text(
    browser: Callable[[Any], Client], gm: Any, store: Any
) -> None:
    _customer_with_evil_names(store)
    response = browser(gm).get("/audit/export.xlsx")
    assert response.status_code == 200
    assert_written_as_text(response.content, EVIL)


def test_import_errors_export_writes_every_prefix_as_text(
    browser: Callable[[Any], Client], agent: Any, store: Any, settings: Any, tmp_path: Path
) -> None:
    from intake.models import ImportJob

    settings.MEDIA_ROOT = str(tmp_path)
    job = ImportJob.objects.create(
        store=store,
        kind="customers",
        file="imports/none.upload",
        status=ImportJob.Status.INVALID,
        created_by=agent,
        errors=[{"row": n, "column": "客户姓名", "message": text} for n, text in enumerate(EVIL, start=2)],
    )
    response = browser(agent).get(f"/imports/{job.pk}/errors.xlsx")
    assert response.status_code == 200
    assert_written_as_text(response.content, EVIL)


def test_monthly_report_writes_every_prefix_as_text(store: Any, agent: Any, clock: Any) -> None:
    import datetime as dt

    from reports.models import Trigger
    from reports.services import report_build
    from tests.fixtures import T0
    from tests.reports.builders import make_survey

    at = T0 - dt.timedelta(days=1)
    for text in EVIL:
        make_survey(store, type="sales", at=at, agent=agent, score=50, remarks=text)
    month = at.date().replace(day=1)
    report = report_build(month=month, store=store, trigger=Trigger.COMMAND)
    assert_written_as_text(bytes(report.xlsx), EVIL)


# --- one writer: nothing outside csat/spreadsheets.py writes an xlsx cell another way ---------------

WRITES = re.compile(
    r"WriteOnlyCell\(|(?<!spreadsheets)\.cell\(|\b(?:ws|sheet|notes|worksheet)\.append\(|\bws\[[^\]]+\]\s*="
)


def test_no_xlsx_cell_is_written_outside_the_one_helper() -> None:
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] in {"tests", "bench", "node_modules"} or relative.parts[0].startswith("."):
            continue
        if relative.as_posix() == "csat/spreadsheets.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "openpyxl" not in text and "Sheet" not in text:
            continue
        offenders += [f"{relative}:{n}" for n, line in enumerate(text.splitlines(), 1) if WRITES.search(line)]
    assert offenders == []
