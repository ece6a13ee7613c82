"""Validate every row of a DMS file against the database and plan what importing it would do.

Two steps: every cell is parsed and checked (``parse_rows``, pure: the file alone decides), then
the parsed rows are matched against the database (``plan_parsed``). The preview does both; the
import redoes only the second, from the parsed rows the preview kept (intake.staging), because
the database may have moved on but the file has not. Applying a plan writes everything in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from csat.models import Customer, SalesDelivery, ServiceVisit, Store, Vehicle
from intake.columns import CellError, Column, columns_of, required_of

CHUNK = 900  # below SQLite's parameter limit for IN (...)

CUSTOMER_FIELDS = ("name", "extra_phones", "do_not_contact", "do_not_contact_reason", "remarks")
VEHICLE_FIELDS = ("plate", "model", "purchase_date")


def _provided(value: Any) -> bool:
    return value not in (None, "", [])


@dataclass
class Op:
    """One record to create or update: the existing row (if any) and the values the file gives."""

    key: str
    existing: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    first_row: int = 0

    @property
    def is_new(self) -> bool:
        return self.existing is None

    def diff(self) -> dict[str, list[Any]]:
        if self.existing is None:
            return {}
        out = {}
        for name, value in self.values.items():
            # A vehicle's owner is named by mobile in the file, by foreign key in the database.
            old = self.existing.customer.mobile if name == "owner_mobile" else getattr(self.existing, name)
            if _provided(value) and old != value:
                out[name] = [_jsonable(old), _jsonable(value)]
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


@dataclass
class Plan:
    kind: str
    store: Store
    total: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    customers: dict[str, Op] = field(default_factory=dict)
    vehicles: dict[str, Op] = field(default_factory=dict)
    records: dict[str, Op] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    # The first rows as read (issue #22 "the preview shows the parsed rows"): per column the
    # file's text and what it was read as, so a plate or a date read wrongly shows before import.
    sample: list[dict[str, Any]] = field(default_factory=list)
    # Every data row as parsed: (row number, column key → value); what the import starts from.
    parsed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def error(self, row: int, column: str, message: str, value: Any = "") -> None:
        """``value``: the offending cell as the file had it (shown beside the message)."""
        entry = {"row": row, "column": column, "message": message}
        if _provided(value):
            entry["value"] = str(value)[:100]
        self.errors.append(entry)
        self.rejected_rows.add(row)

    @property
    def ok(self) -> bool:
        return not self.errors and self.total > 0


def match_headers(kind: str, header: list[str]) -> tuple[dict[int, Column], list[str]]:
    """Map each file column to a template column: Chinese header, English header or key, any order."""
    known: dict[str, Column] = {}
    for column in columns_of(kind):
        for name in (str(column.header), column.key):
            known[_norm(name)] = column
        # Every UI language's header: a Chinese DMS export uploaded from an English session too.
        for language, _name in settings.LANGUAGES:
            with override(language):
                known[_norm(str(column.header))] = column
    mapping: dict[int, Column] = {}
    for index, raw in enumerate(header):
        found = known.get(_norm(raw))
        if found is not None and found not in mapping.values():
            mapping[index] = found
    present = {c.key for c in mapping.values()}
    missing = [str(c.header) for c in columns_of(kind) if c.key in required_of(kind) and c.key not in present]
    return mapping, missing


SAMPLE_ROWS = 10


def _shown(value: Any) -> str:
    """A parsed value as the preview shows it (dates and times in Beijing time)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(_shown(v) for v in value)
    return str(value)


def _sample_row(
    row_no: int, cells: list[Any], mapping: dict[int, Column], values: dict[str, Any], unparsed: set[str]
) -> dict[str, Any]:
    return {
        "row": row_no,
        "cells": [
            {
                "column": str(column.header),
                "raw": _cell_text(cells, index)[:100],
                "read": "" if column.key in unparsed else _shown(values.get(column.key))[:100],
                "error": column.key in unparsed,
            }
            for index, column in mapping.items()
        ],
    }


def _cell_text(cells: list[Any], index: int) -> str:
    return str(cells[index]).strip() if index < len(cells) and cells[index] is not None else ""


def _norm(text: str) -> str:
    return str(text).strip().strip("*＊").strip().lower().replace(" ", "").replace("_", "")


def _load(
    model: Any, store: Store, field_name: str, keys: Iterable[str], related: tuple[str, ...] = ()
) -> dict:
    """The store's rows whose ``field_name`` is one of ``keys``, by that value."""
    keys = list(set(keys))
    if not keys:
        return {}
    qs = model.objects.filter(store=store)
    if related:
        qs = qs.select_related(*related)
    if connection.vendor == "postgresql":
        # One array parameter, however many keys: "IN (...)" costs Django work per key (~30 % of
        # planning 100,000 rows) and one query per CHUNK.
        quote = connection.ops.quote_name
        column = f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(field_name).column)}"
        any_key = RawSQL(f"{column} = ANY(%s)", (keys,), output_field=BooleanField())  # noqa: S611 - names from the model, keys a parameter
        chunks = [qs.filter(any_key)]
    else:
        chunks = [
            qs.filter(**{f"{field_name}__in": keys[start : start + CHUNK]})
            for start in range(0, len(keys), CHUNK)
        ]
    return {getattr(obj, field_name): obj for chunk in chunks for obj in chunk}


def _staff_index(store: Store) -> dict[str, int | None]:
    """username or display name → user id; an ambiguous display name maps to None."""
    index: dict[str, int | None] = {}
    users = get_user_model().objects.filter(profile__store=store).values_list("id", "username", "first_name")
    for user_id, username, name in users:
        index[username.lower()] = user_id
        if name:
            index[name] = None if name in index and index[name] != user_id else user_id
    return index


def build_plan(
    *,
    kind: str,
    store: Store,
    header: list[str],
    rows: Iterator[list[Any]],
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Parse and check every row, then plan it against the database (the preview)."""
    plan = parse_rows(kind=kind, store=store, header=header, rows=rows, progress=progress)
    if plan.total or not plan.errors:  # a missing column stops before any row
        _plan_against_database(plan)
    return plan


def plan_parsed(*, kind: str, store: Store, parsed: list[tuple[int, dict[str, Any]]]) -> Plan:
    """Plan rows parsed earlier (by ``parse_rows``, for the preview) against the database as it is now."""
    plan = Plan(kind=kind, store=store, total=len(parsed), parsed=parsed)
    _plan_against_database(plan)
    return plan


def parse_rows(
    *,
    kind: str,
    store: Store,
    header: list[str],
    rows: Iterator[list[Any]],
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Parse and check every cell: the plan's total, errors, sample and parsed rows (no database)."""
    plan = Plan(kind=kind, store=store)
    mapping, missing = match_headers(kind, header)
    if missing:
        plan.error(1, ", ".join(missing), _("缺少必填列：%(cols)s") % {"cols": "、".join(missing)})
        return plan
    headers = {c.key: str(c.header) for c in columns_of(kind)}
    required = required_of(kind)

    example = {index: column.example for index, column in mapping.items()}
    parsed_rows = plan.parsed
    for offset, cells in enumerate(rows):
        row_no = offset + 2  # row 1 is the header, as Excel numbers them
        if not any(_provided(c if not isinstance(c, str) else c.strip()) for c in cells):
            continue  # blank lines in exports are not errors
        if all(_cell_text(cells, index) == text for index, text in example.items()):
            continue  # the template's example row, left in by mistake
        values: dict[str, Any] = {}
        unparsed = set()
        for index, column in mapping.items():
            raw = cells[index] if index < len(cells) else None
            try:
                values[column.key] = value = column.parse(raw)
                if isinstance(value, str) and len(value) > column.max_length:
                    raise CellError(_("不能超过 %(n)d 个字") % {"n": column.max_length})
            except CellError as exc:
                plan.error(row_no, str(column.header), str(exc), value=_cell_text(cells, index))
                unparsed.add(column.key)
        for key in required - unparsed:
            if not _provided(values.get(key)):
                plan.error(row_no, headers[key], _("必填"))
        if len(plan.sample) < SAMPLE_ROWS:
            plan.sample.append(_sample_row(row_no, cells, mapping, values, unparsed))
        parsed_rows.append((row_no, values))
        plan.total += 1
        if progress and plan.total % 1000 == 0:
            progress(plan.total)
    return plan


def _plan_against_database(plan: Plan) -> None:
    """Match the parsed rows to the store's customers, vehicles, records and staff."""
    kind, store, parsed_rows = plan.kind, plan.store, plan.parsed
    headers = {c.key: str(c.header) for c in columns_of(kind)}
    mobiles = {v["mobile"] for _, v in parsed_rows if _provided(v.get("mobile"))}
    vins = {v["vin"] for _, v in parsed_rows if _provided(v.get("vin"))}
    existing_customers = _load(Customer, store, "mobile", mobiles)
    existing_vehicles = _load(Vehicle, store, "vin", vins, ("customer",))
    staff = _staff_index(store) if kind != "customers" else {}
    if kind == "sales":
        vehicle_ids = [v.id for v in existing_vehicles.values()]
        sales = {}
        for start in range(0, len(vehicle_ids), CHUNK):
            for sale in SalesDelivery.objects.filter(
                store=store, vehicle_id__in=vehicle_ids[start : start + CHUNK]
            ):
                sales[sale.vehicle_id] = sale
        existing_records = {vin: sales.get(v.id) for vin, v in existing_vehicles.items()}
    elif kind == "service_visits":
        orders = {v["repair_order_no"] for _, v in parsed_rows if _provided(v.get("repair_order_no"))}
        existing_records = _load(ServiceVisit, store, "repair_order_no", orders)
    else:
        existing_records = {}

    for row_no, values in parsed_rows:
        if row_no in plan.rejected_rows:
            continue
        _plan_row(
            plan, row_no, values, headers, existing_customers, existing_vehicles, existing_records, staff
        )


def _merge(plan: Plan, op: Op, row_no: int, values: dict[str, Any], headers: dict[str, str]) -> bool:
    """Add a row's values to an op; a value that contradicts an earlier row is an error."""
    ok = True
    for name, value in values.items():
        if not _provided(value):
            continue
        earlier = op.values.get(name)
        if _provided(earlier) and earlier != value:
            plan.error(
                row_no,
                headers.get(name, name),
                _("与第 %(row)d 行的值不一致") % {"row": op.first_row},
            )
            ok = False
        else:
            op.values[name] = value
    return ok


def _plan_row(
    plan: Plan,
    row_no: int,
    values: dict[str, Any],
    headers: dict[str, str],
    existing_customers: dict[str, Customer],
    existing_vehicles: dict[str, Vehicle],
    existing_records: dict[str, Any],
    staff: dict[str, int | None],
) -> None:
    errors_before = len(plan.errors)
    mobile, vin = values.get("mobile"), values.get("vin")
    vehicle = existing_vehicles.get(vin) if vin else None

    # The customer: named by mobile, or the existing vehicle's owner.
    customer_op = None
    if mobile:
        customer_op = plan.customers.get(mobile)
        if customer_op is None:
            customer_op = plan.customers[mobile] = Op(
                key=mobile, existing=existing_customers.get(mobile), first_row=row_no
            )
        _merge(plan, customer_op, row_no, {k: values.get(k) for k in CUSTOMER_FIELDS if k in values}, headers)
        if customer_op.is_new and not _provided(customer_op.values.get("name")):
            plan.error(row_no, headers["name"], _("新客户必须填写姓名"))
        if customer_op.values.get("do_not_contact") and not (
            customer_op.values.get("do_not_contact_reason")
            or (customer_op.existing and customer_op.existing.do_not_contact_reason)
        ):
            plan.error(row_no, headers.get("do_not_contact_reason", ""), _("设置勿扰时必须填写原因"))
    elif vin and vehicle is None:
        plan.error(row_no, headers["mobile"], _("车辆不在系统中，必须填写客户手机号"))

    # The vehicle: named by VIN.
    if vin:
        vehicle_op = plan.vehicles.get(vin)
        if vehicle_op is None:
            vehicle_op = plan.vehicles[vin] = Op(key=vin, existing=vehicle, first_row=row_no)
        vehicle_values = {k: values.get(k) for k in VEHICLE_FIELDS if k in values}
        vehicle_values["owner_mobile"] = mobile or (vehicle.customer.mobile if vehicle else None)
        _merge(plan, vehicle_op, row_no, vehicle_values, headers | {"owner_mobile": headers["mobile"]})
    elif _provided(values.get("plate")):
        plan.error(row_no, headers["vin"], _("填写车牌号时必须填写车架号"))

    main_op = (
        _plan_record(plan, row_no, values, headers, existing_records, staff)
        if plan.kind != "customers"
        else None
    )
    if plan.kind == "customers" and customer_op is not None:
        if customer_op.first_row != row_no and not vin:
            plan.error(row_no, headers["mobile"], _("与第 %(row)d 行重复") % {"row": customer_op.first_row})
        main_op = customer_op

    if len(plan.errors) > errors_before or main_op is None:
        return
    touched = [op for op in (customer_op, plan.vehicles.get(vin) if vin else None, main_op) if op is not None]
    if main_op.is_new and main_op.first_row == row_no:
        plan.counts["created"] += 1
    elif any(op.is_new or op.diff() for op in touched if op.first_row == row_no):
        plan.counts["updated"] += 1
    else:
        plan.counts["unchanged"] += 1


def _staff_id(plan: Plan, row_no: int, header: str, ref: str, staff: dict[str, int | None]) -> int | None:
    if not ref:
        return None
    key = ref.lower() if ref.lower() in staff else ref
    if key not in staff:
        plan.error(row_no, header, _("系统中没有该员工：%(name)s") % {"name": ref}, value=ref)
        return None
    if staff[key] is None:
        plan.error(row_no, header, _("有多名员工叫 %(name)s，请填写用户名") % {"name": ref}, value=ref)
    return staff[key]


def _plan_record(
    plan: Plan,
    row_no: int,
    values: dict[str, Any],
    headers: dict[str, str],
    existing_records: dict[str, Any],
    staff: dict[str, int | None],
) -> Op | None:
    if plan.kind == "sales":
        key = values.get("vin")
        record_values = {
            "delivered_at": values.get("delivered_at"),
            "consultant_id": _staff_id(
                plan, row_no, headers["consultant"], values.get("consultant", ""), staff
            ),
        }
    else:
        key = values.get("repair_order_no")
        opened, back = values.get("opened_at"), values.get("handed_back_at")
        if opened and back and back < opened:
            plan.error(row_no, headers["handed_back_at"], _("交车时间不能早于进厂时间"))
        record_values = {
            "vin": values.get("vin"),
            "kind": values.get("kind"),
            "service_advisor_id": _staff_id(
                plan, row_no, headers["service_advisor"], values.get("service_advisor", ""), staff
            ),
            "technician_id": _staff_id(
                plan, row_no, headers["technician"], values.get("technician", ""), staff
            ),
            "opened_at": opened,
            "handed_back_at": back,
            "mileage": values.get("mileage"),
            "quality_related": values.get("quality_related"),
            "parts_backorder_days": values.get("parts_backorder_days"),
        }
    if not key:
        return None
    if key in plan.records:
        column = headers["vin"] if plan.kind == "sales" else headers["repair_order_no"]
        plan.error(row_no, column, _("与第 %(row)d 行重复") % {"row": plan.records[key].first_row})
        return None
    op = plan.records[key] = Op(key=key, existing=existing_records.get(key), first_row=row_no)
    op.values = {k: v for k, v in record_values.items() if k != "vin" or op.is_new}
    return op
