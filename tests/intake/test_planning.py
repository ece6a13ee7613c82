"""intake.planning: every validation rule, reported by Excel row number and column header."""

from __future__ import annotations

import io
from typing import Any

import pytest

from csat.models import Role
from intake.planning import build_plan
from intake.reading import read_rows
from intake.workbooks import template_workbook
from tests.factories import CustomerFactory, StaffFactory, VehicleFactory, make_vin
from tests.intake.support import (
    ADVISOR,
    ADVISOR_NAME,
    customer_row,
    grid,
    header_of,
    plan_for,
    sale_row,
    visit_row,
)

pytestmark = pytest.mark.django_db


def errors_of(plan: Any) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in plan.errors]


def only_error(plan: Any) -> tuple[int, str, str]:
    assert len(plan.errors) == 1, plan.errors
    return errors_of(plan)[0]


def test_valid_rows_plan_creations(store_a: Any, staff_a: Any) -> None:
    plan = plan_for("service_visits", store_a, grid("service_visits", [visit_row(1), visit_row(2)]))
    assert plan.ok
    assert plan.total == 2
    assert plan.counts == {"created": 2, "updated": 0, "unchanged": 0}
    op = plan.records["RO00000001"]
    assert op.is_new
    assert op.values["service_advisor_id"] == staff_a["advisor"].pk
    assert op.values["technician_id"] == staff_a["technician"].pk
    assert op.values["kind"] == "maintenance"
    assert op.values["mileage"] == 10001
    assert op.values["quality_related"] is False


# --- one bad cell ---------------------------------------------------------------------------------


BAD_CELLS = [
    ("mobile", "1380013800", "手机号", "11 位大陆手机号"),
    ("mobile", "23800138000", "手机号", "11 位大陆手机号"),
    ("plate", "粤B1234", "车牌号", "车牌号格式不正确"),
    ("plate", "XXB12345", "车牌号", "车牌号格式不正确"),
    ("vin", make_vin(1)[:8] + ("0" if make_vin(1)[8] != "0" else "1") + make_vin(1)[9:], "车架号", "校验位"),
    ("vin", "LSVAB2C1I00000001", "车架号", "17 位"),
    ("vin", "LSVAB2C1", "车架号", "17 位"),
    ("opened_at", "2026-13-45 09:00", "进厂时间", "日期不存在：2026-13-45"),
    ("opened_at", "明天上午", "进厂时间", "时间格式"),
    ("handed_back_at", "2026/02/30", "交车时间", "日期不存在：2026-02-30"),
    ("kind", "洗车", "维修类型", "维修类型应为"),
    ("mileage", "-5", "里程", "非负整数"),
    ("mileage", "12.5", "里程", "非负整数"),
    ("mileage", "很多", "里程", "非负整数"),
    ("quality_related", "也许", "质量返修", "是"),
]


@pytest.mark.parametrize(("key", "value", "column", "message"), BAD_CELLS)
def test_bad_cell_is_reported_at_its_row_and_column(
    store_a: Any, staff_a: Any, key: str, value: str, column: str, message: str
) -> None:
    rows = [visit_row(1), visit_row(2, **{key: value}), visit_row(3)]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    row, col, text = only_error(plan)
    assert (row, col) == (3, column)  # header is Excel row 1, so the second data row is row 3
    assert message in text
    assert not plan.ok
    assert plan.rejected_rows == {3}


def test_identifiers_are_normalised(store_a: Any, staff_a: Any) -> None:
    row = visit_row(1, mobile="+86 139-0000-0001", plate="粤b·00001", vin=visit_row(1)["vin"].lower())
    plan = plan_for("service_visits", store_a, grid("service_visits", [row]))
    assert plan.errors == []
    assert list(plan.customers) == ["13900000001"]
    vehicle = plan.vehicles[visit_row(1)["vin"]]
    assert vehicle.values["plate"] == "粤B00001"


def test_chinese_and_english_service_kinds(store_a: Any, staff_a: Any) -> None:
    rows = [visit_row(1, kind="钣喷"), visit_row(2, kind="warranty"), visit_row(3, kind="事故车")]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    assert [op.values["kind"] for op in plan.records.values()] == ["body_paint", "warranty", "accident"]


# --- staff ----------------------------------------------------------------------------------------


def test_unknown_advisor_is_an_error(store_a: Any, staff_a: Any) -> None:
    plan = plan_for(
        "service_visits", store_a, grid("service_visits", [visit_row(1, service_advisor="nobody")])
    )
    assert only_error(plan) == (2, "服务顾问", "系统中没有该员工：nobody")


def test_advisor_of_another_store_is_unknown(store_a: Any, store_b: Any, staff_a: Any) -> None:
    StaffFactory(username="gz_advisor", name="广州顾问", role=Role.STAFF, store=store_b)
    plan = plan_for(
        "service_visits", store_a, grid("service_visits", [visit_row(1, service_advisor="gz_advisor")])
    )
    assert only_error(plan)[:2] == (2, "服务顾问")


def test_unknown_consultant_is_an_error(store_a: Any, staff_a: Any) -> None:
    plan = plan_for("sales", store_a, grid("sales", [sale_row(1, consultant="李不存在")]))
    assert only_error(plan) == (2, "销售顾问", "系统中没有该员工：李不存在")


def test_staff_found_by_username_any_case_or_by_display_name(store_a: Any, staff_a: Any) -> None:
    rows = [visit_row(1, service_advisor=ADVISOR.upper()), visit_row(2, service_advisor=ADVISOR_NAME)]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    assert plan.errors == []
    assert {op.values["service_advisor_id"] for op in plan.records.values()} == {staff_a["advisor"].pk}


def test_ambiguous_staff_name_asks_for_the_username(store_a: Any, staff_a: Any) -> None:
    StaffFactory(username="sz_advisor2", name=ADVISOR_NAME, role=Role.STAFF, store=store_a)
    rows = [visit_row(1, service_advisor=ADVISOR_NAME), visit_row(2, service_advisor="sz_advisor2")]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    row, column, message = only_error(plan)
    assert (row, column) == (2, "服务顾问")
    assert "有多名员工叫" in message and ADVISOR_NAME in message


def test_optional_technician_may_be_empty(store_a: Any, staff_a: Any) -> None:
    plan = plan_for("service_visits", store_a, grid("service_visits", [visit_row(1, technician="")]))
    assert plan.errors == []
    assert plan.records["RO00000001"].values["technician_id"] is None


# --- row rules ------------------------------------------------------------------------------------


def test_handed_back_before_opened(store_a: Any, staff_a: Any) -> None:
    row = visit_row(1, opened_at="2026-03-02 10:00", handed_back_at="2026-03-02 09:59")
    plan = plan_for("service_visits", store_a, grid("service_visits", [row]))
    assert only_error(plan) == (2, "交车时间", "交车时间不能早于进厂时间")


def test_handed_back_may_be_missing_or_equal(store_a: Any, staff_a: Any) -> None:
    rows = [
        visit_row(1, handed_back_at=""),
        visit_row(2, opened_at="2026-03-02 10:00", handed_back_at="2026-03-02 10:00"),
    ]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    assert plan.errors == []


@pytest.mark.parametrize(
    ("kind", "dropped", "header"),
    [
        ("service_visits", ["repair_order_no"], "工单号"),
        ("service_visits", ["service_advisor", "opened_at"], "服务顾问、进厂时间"),
        ("sales", ["delivered_at"], "交车时间"),
        ("customers", ["mobile"], "手机号"),
    ],
)
def test_missing_required_column_is_one_header_error(
    store_a: Any, staff_a: Any, kind: str, dropped: list[str], header: str
) -> None:
    make = {"service_visits": visit_row, "sales": sale_row, "customers": customer_row}[kind]
    rows = [make(n) for n in range(1, 6)]
    keys = [k for k in rows[0] if k not in dropped]
    plan = plan_for(kind, store_a, grid(kind, rows, keys))
    row, column, message = only_error(plan)
    assert row == 1
    assert message == f"缺少必填列：{header}"
    assert plan.total == 0


@pytest.mark.parametrize(
    ("key", "header"),
    [("repair_order_no", "工单号"), ("vin", "车架号"), ("kind", "维修类型"), ("opened_at", "进厂时间")],
)
def test_missing_required_cell(store_a: Any, staff_a: Any, key: str, header: str) -> None:
    plan = plan_for("service_visits", store_a, grid("service_visits", [visit_row(1, **{key: ""})]))
    assert (2, header, "必填") in errors_of(plan)
    assert not plan.ok


def test_missing_required_advisor_cell(store_a: Any, staff_a: Any) -> None:
    plan = plan_for("service_visits", store_a, grid("service_visits", [visit_row(1, service_advisor=" ")]))
    assert (2, "服务顾问", "必填") in errors_of(plan)


def test_duplicate_repair_order_inside_the_file_names_the_first_row(store_a: Any, staff_a: Any) -> None:
    rows = [visit_row(1), visit_row(2), visit_row(3, repair_order_no="RO00000001")]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    assert only_error(plan) == (4, "工单号", "与第 2 行重复")


def test_duplicate_sale_vin_inside_the_file(store_a: Any, staff_a: Any) -> None:
    rows = [sale_row(1), sale_row(1)]
    plan = plan_for("sales", store_a, grid("sales", rows))
    assert only_error(plan) == (3, "车架号", "与第 2 行重复")


def test_duplicate_customer_row_inside_the_file(store_a: Any) -> None:
    rows = [customer_row(1, vin="", plate=""), customer_row(1, vin="", plate="")]
    plan = plan_for("customers", store_a, grid("customers", rows))
    assert only_error(plan) == (3, "手机号", "与第 2 行重复")


def test_one_customer_with_two_vehicles_is_not_a_duplicate(store_a: Any) -> None:
    rows = [customer_row(1), customer_row(1, vin=make_vin(99, wmi="LGW"), plate="粤B99999")]
    plan = plan_for("customers", store_a, grid("customers", rows))
    assert plan.errors == []
    assert len(plan.customers) == 1 and len(plan.vehicles) == 2


def test_conflicting_values_for_the_same_mobile(store_a: Any, staff_a: Any) -> None:
    rows = [visit_row(1), visit_row(2), visit_row(3, mobile=visit_row(1)["mobile"], name="另一个人")]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    assert only_error(plan) == (4, "客户姓名", "与第 2 行的值不一致")


def test_same_customer_on_two_visits_with_same_values_is_fine(store_a: Any, staff_a: Any) -> None:
    first = visit_row(1)
    second = visit_row(2, mobile=first["mobile"], name=first["name"], vin=first["vin"], plate=first["plate"])
    plan = plan_for("service_visits", store_a, grid("service_visits", [first, second]))
    assert plan.errors == []
    assert plan.counts["created"] == 2
    assert len(plan.customers) == 1 and len(plan.vehicles) == 1


def test_same_vin_with_two_owners_in_one_file_is_a_conflict(store_a: Any, staff_a: Any) -> None:
    rows = [visit_row(1), visit_row(2, vin=visit_row(1)["vin"], plate=visit_row(1)["plate"])]
    plan = plan_for("service_visits", store_a, grid("service_visits", rows))
    assert only_error(plan) == (3, "手机号", "与第 2 行的值不一致")


def test_new_customer_needs_a_name(store_a: Any, staff_a: Any) -> None:
    plan = plan_for("service_visits", store_a, grid("service_visits", [visit_row(1, name="")]))
    assert only_error(plan) == (2, "客户姓名", "新客户必须填写姓名")


def test_existing_customer_needs_no_name(store_a: Any, staff_a: Any) -> None:
    customer = CustomerFactory(store=store_a, mobile="13900000001", name="老客户")
    plan = plan_for("service_visits", store_a, grid("service_visits", [visit_row(1, name="")]))
    assert plan.errors == []
    assert plan.customers["13900000001"].existing == customer


def test_new_vehicle_without_mobile_is_an_error(store_a: Any, staff_a: Any) -> None:
    plan = plan_for("service_visits", store_a, grid("service_visits", [visit_row(1, mobile="", name="")]))
    assert only_error(plan) == (2, "手机号", "车辆不在系统中，必须填写客户手机号")


def test_known_vehicle_without_mobile_uses_its_owner(store_a: Any, staff_a: Any) -> None:
    vehicle = VehicleFactory(customer__store=store_a)
    row = visit_row(1, mobile="", name="", vin=vehicle.vin, plate="")
    plan = plan_for("service_visits", store_a, grid("service_visits", [row]))
    assert plan.errors == []
    assert plan.vehicles[vehicle.vin].values["owner_mobile"] == vehicle.customer.mobile


def test_plate_without_vin_is_an_error(store_a: Any) -> None:
    plan = plan_for("customers", store_a, grid("customers", [customer_row(1, vin="")]))
    assert only_error(plan) == (2, "车架号", "填写车牌号时必须填写车架号")


def test_do_not_contact_needs_a_reason(store_a: Any) -> None:
    rows = [
        customer_row(1, do_not_contact="是", do_not_contact_reason=""),
        customer_row(2, do_not_contact="是", do_not_contact_reason="客户要求不再来电"),
    ]
    plan = plan_for("customers", store_a, grid("customers", rows))
    assert only_error(plan) == (2, "勿扰原因", "设置勿扰时必须填写原因")


def test_do_not_contact_reason_already_on_file_is_enough(store_a: Any) -> None:
    CustomerFactory(store=store_a, mobile=customer_row(1)["mobile"], do_not_contact_reason="投诉后要求勿扰")
    plan = plan_for("customers", store_a, grid("customers", [customer_row(1, do_not_contact="是")]))
    assert plan.errors == []


@pytest.mark.parametrize(
    ("kind", "key", "limit", "header"),
    [
        ("customers", "remarks", 2000, "备注"),
        ("customers", "name", 100, "客户姓名"),
        ("customers", "do_not_contact_reason", 200, "勿扰原因"),
        ("service_visits", "repair_order_no", 40, "工单号"),
        ("service_visits", "model", 100, "车型"),
    ],
)
def test_too_long_text(store_a: Any, staff_a: Any, kind: str, key: str, limit: int, header: str) -> None:
    make = customer_row if kind == "customers" else visit_row
    at_limit = plan_for(kind, store_a, grid(kind, [make(1, **{key: "长" * limit})]))
    assert at_limit.errors == []
    over = plan_for(kind, store_a, grid(kind, [make(1, **{key: "长" * (limit + 1)})]))
    assert only_error(over) == (2, header, f"不能超过 {limit} 个字")


def test_backorder_days_beyond_the_column_range_is_an_error(store_a: Any, staff_a: Any) -> None:
    """The database column is a small integer: a value that fits the preview must fit the table."""
    plan = plan_for(
        "service_visits", store_a, grid("service_visits", [visit_row(1, parts_backorder_days="40000")])
    )
    row, column, _message = only_error(plan)
    assert (row, column) == (2, "缺件天数")


def test_one_row_with_several_errors_lists_each_and_counts_one_rejected_row(
    store_a: Any, staff_a: Any
) -> None:
    row = visit_row(1, mobile="123", plate="??", kind="洗车", service_advisor="nobody")
    plan = plan_for("service_visits", store_a, grid("service_visits", [row, visit_row(2)]))
    columns = {column for _row, column, _msg in errors_of(plan)}
    assert {"手机号", "车牌号", "维修类型"} <= columns
    assert plan.rejected_rows == {2}


def test_blank_lines_are_skipped_and_rows_keep_their_excel_numbers(store_a: Any, staff_a: Any) -> None:
    cells = grid("service_visits", [visit_row(1)])
    cells += [[""] * len(cells[0]), ["  "] * len(cells[0])]
    cells += grid("service_visits", [visit_row(2, mobile="bad")])[1:]
    plan = plan_for("service_visits", store_a, cells)
    assert plan.total == 2
    assert only_error(plan)[:2] == (5, "手机号")


# --- the template -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["customers", "sales", "service_visits"])
def test_template_example_row_is_skipped(store_a: Any, staff_a: Any, kind: str) -> None:
    header, rows = read_rows(io.BytesIO(template_workbook(kind)), "template.xlsx")
    plan = build_plan(kind=kind, store=store_a, header=header, rows=rows)
    assert plan.total == 0
    assert plan.errors == []


def test_filled_in_template_keeps_real_rows_and_drops_the_example(store_a: Any, staff_a: Any) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template_workbook("service_visits")))
    sheet = workbook.worksheets[0]
    keys = list(visit_row(1))
    by_header = dict(zip(header_of("service_visits", keys), keys, strict=True))
    for n in (1, 2):
        row = visit_row(n)
        for cell in sheet[n + 2]:
            cell.value = row[by_header[sheet.cell(1, cell.column).value]]
    buffer = io.BytesIO()
    workbook.save(buffer)
    header, rows = read_rows(io.BytesIO(buffer.getvalue()), "filled.xlsx")
    plan = build_plan(kind="service_visits", store=store_a, header=header, rows=rows)
    assert plan.errors == []
    assert plan.total == 2
    assert set(plan.records) == {"RO00000001", "RO00000002"}


def test_example_row_is_only_skipped_when_every_cell_matches(store_a: Any, staff_a: Any) -> None:
    from intake.columns import columns_of

    example = {c.key: c.example for c in columns_of("service_visits")}
    changed = dict(example, repair_order_no="RO-REAL-1")
    cells = grid("service_visits", [example, changed])
    plan = plan_for("service_visits", store_a, cells)
    assert plan.total == 1
    assert plan.errors == []
    assert list(plan.records) == ["RO-REAL-1"]


def test_customer_without_a_vehicle(store_a: Any) -> None:
    plan = plan_for("customers", store_a, grid("customers", [customer_row(1, vin="", plate="", model="")]))
    assert plan.errors == []
    assert plan.vehicles == {}
    assert plan.counts["created"] == 1


def test_customers_kind_requires_a_mobile_in_every_row(store_a: Any) -> None:
    plan = plan_for("customers", store_a, grid("customers", [customer_row(1, mobile="")]))
    assert (2, "手机号", "必填") in errors_of(plan)


def test_sale_of_a_known_vehicle_needs_no_mobile(store_a: Any, staff_a: Any) -> None:
    vehicle = VehicleFactory(customer__store=store_a)
    row = sale_row(1, mobile="", name="", vin=vehicle.vin, plate="")
    plan = plan_for("sales", store_a, grid("sales", [row]))
    assert plan.errors == []
    assert plan.counts["created"] == 1


# --- languages ------------------------------------------------------------------------------------


def test_chinese_file_validated_in_an_english_session(store_a: Any, staff_a: Any) -> None:
    from django.utils import translation

    cells = grid("service_visits", [visit_row(1, kind="钣喷")])  # Chinese headers and labels
    with translation.override("en"):
        plan = plan_for("service_visits", store_a, cells)
    assert plan.errors == []
    assert plan.records["RO00000001"].values["kind"] == "body_paint"


def test_english_template_headers_and_labels_are_accepted(store_a: Any, staff_a: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        cells = grid("service_visits", [visit_row(1, kind="Body & paint"), visit_row(2, kind="maintenance")])
        english = cells[0]
    assert english != header_of("service_visits")  # really the English template
    plan = plan_for("service_visits", store_a, cells)
    assert plan.errors == []
    assert [op.values["kind"] for op in plan.records.values()] == ["body_paint", "maintenance"]
