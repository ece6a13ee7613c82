"""Helpers shared by the intake tests: DMS files as bytes, rows by column key.

Files are built the way a DMS export or a filled-in template looks: Chinese headers from the one
column definition (intake.columns), xlsx written by openpyxl, csv in UTF-8 or GB18030.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from csat.models import Store
from intake.columns import columns_of
from intake.models import ImportJob
from intake.planning import Plan, build_plan
from intake.reading import read_rows
from tests.factories import make_mobile, make_vin

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The staff the files name: usernames follow the template's examples.
ADVISOR = "sz01_advisor1"  # the demo seed's account, as in the template's example row
ADVISOR_NAME = "王建国"
TECHNICIAN = "sz01_technician1"
CONSULTANT = "sz01_consultant1"


def header_of(kind: str, keys: Sequence[str] | None = None) -> list[str]:
    """The Chinese headers of ``keys`` (default: every column of the kind, template order)."""
    by_key = {c.key: str(c.header) for c in columns_of(kind)}
    return [by_key[k] for k in (keys or list(by_key))]


def grid(kind: str, rows: Iterable[dict[str, Any]], keys: Sequence[str] | None = None) -> list[list[Any]]:
    """Header + one list per row dict; missing keys are empty cells."""
    keys = list(keys or [c.key for c in columns_of(kind)])
    return [header_of(kind, keys), *[[row.get(k, "") for k in keys] for row in rows]]


def xlsx_bytes(cells: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in cells:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(cells: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in cells:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def upload(data: bytes, name: str = "dms.csv") -> SimpleUploadedFile:
    content_type = XLSX_TYPE if name.endswith(".xlsx") else "text/csv"
    return SimpleUploadedFile(name, data, content_type=content_type)


def plan_for(kind: str, store: Store, cells: list[list[Any]]) -> Plan:
    """Validate rows exactly as an uploaded csv is validated (read, then plan)."""
    header, rows = read_rows(io.BytesIO(csv_bytes(cells)), "dms.csv")
    return build_plan(kind=kind, store=store, header=header, rows=rows)


def visit_row(n: int, **overrides: Any) -> dict[str, Any]:
    """A valid service-visit row for a new customer and a new vehicle (unique by ``n``)."""
    opened = dt.datetime(2026, 3, 2, 9, 0) + dt.timedelta(minutes=n)
    row = {
        "repair_order_no": f"RO{n:08d}",
        "name": f"客户{n}",
        "mobile": make_mobile(n, prefix="139"),
        "plate": f"粤B{n % 100000:05d}",
        "vin": make_vin(n, wmi="LSV"),
        "model": "朗逸",
        "kind": "保养",
        "service_advisor": ADVISOR,
        "technician": TECHNICIAN,
        "opened_at": opened.strftime("%Y-%m-%d %H:%M"),
        "handed_back_at": (opened + dt.timedelta(hours=5)).strftime("%Y-%m-%d %H:%M"),
        "mileage": str(10000 + n),
        "quality_related": "否",
        "parts_backorder_days": "0",
    }
    row.update(overrides)
    return row


def sale_row(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "name": f"车主{n}",
        "mobile": make_mobile(n, prefix="137"),
        "plate": f"粤B{n % 100000:05d}",
        "vin": make_vin(n, wmi="LFV"),
        "model": "CX-5",
        "delivered_at": "2026-03-05 15:30",
        "consultant": CONSULTANT,
    }
    row.update(overrides)
    return row


def customer_row(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "name": f"顾客{n}",
        "mobile": make_mobile(n, prefix="136"),
        "extra_phones": "0755-88886666",
        "plate": f"粤B{n % 100000:05d}",
        "vin": make_vin(n, wmi="LGW"),
        "model": "哈弗H6",
        "purchase_date": "2025-06-01",
        "do_not_contact": "否",
        "do_not_contact_reason": "",
        "remarks": "",
    }
    row.update(overrides)
    return row


def make_job(store: Store, user: Any, **fields: Any) -> ImportJob:
    """An ImportJob row without going through the upload (for status and permission tests)."""
    values: dict[str, Any] = {
        "kind": "service_visits",
        "file": "imports/none.upload",
        "original_name": "dms.xlsx",
        "status": ImportJob.Status.PREVIEW,
        "total_rows": 3,
        "created_count": 3,
    }
    values.update(fields)
    return ImportJob.objects.create(store=store, created_by=user, **values)
