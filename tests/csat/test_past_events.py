"""A record of what already happened (a car's purchase, a delivery, a service visit) is not dated in
the future: one rule (csat.params.not_after_today) for the API and the import.

Audit (hostile input): the API stored a purchase on 2999-01-01, a delivery on 2999-06-01 and a visit
handed back in 2030 (201), which the import refused as "日期不能晚于今天": a delivery dated ahead
schedules its callback years later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from csat.models import SalesDelivery, ServiceVisit, Vehicle
from csat.params import FUTURE_SLACK, not_after_today
from intake.columns import CellError, parse_date, parse_datetime
from tests.factories import SalesDeliveryFactory, make_vin
from tests.fixtures import T0

pytestmark = pytest.mark.django_db

TODAY = T0.date()  # 2026-03-11, 10:00 in Shanghai

# (a date, whether a record may carry it): the API's date fields and the import's date columns.
DATES = [
    (TODAY - dt.timedelta(days=400), True),
    (TODAY, True),
    (TODAY + dt.timedelta(days=1), False),
    (dt.date(2030, 1, 1), False),
    (dt.date(2999, 1, 1), False),
]
# (a time, whether a record may carry it): a day of slack for a clock or a time zone that runs ahead.
TIMES = [
    (T0 - dt.timedelta(days=3), True),
    (T0 + dt.timedelta(hours=3), True),
    (T0 + FUTURE_SLACK - dt.timedelta(minutes=1), True),
    (T0 + FUTURE_SLACK + dt.timedelta(minutes=1), False),
    (dt.datetime(2030, 6, 1, 10, 0, tzinfo=T0.tzinfo), False),
    (dt.datetime(2999, 6, 1, 10, 0, tzinfo=T0.tzinfo), False),
]


def _accepted(check: Callable[[], Any], error: type[Exception]) -> bool:
    try:
        check()
    except error as exc:
        assert str(exc.messages[0] if isinstance(exc, ValidationError) else exc) == "日期不能晚于今天"
        return False
    return True


@pytest.mark.parametrize(("day", "allowed"), DATES)
def test_one_rule_for_a_date_in_the_validator_and_the_import(clock: Any, day: dt.date, allowed: bool) -> None:
    assert _accepted(lambda: not_after_today(day), ValidationError) is allowed
    assert _accepted(lambda: parse_date(day.isoformat()), CellError) is allowed


@pytest.mark.parametrize(("moment", "allowed"), TIMES)
def test_one_rule_for_a_time_in_the_validator_and_the_import(
    clock: Any, moment: dt.datetime, allowed: bool
) -> None:
    assert _accepted(lambda: not_after_today(moment), ValidationError) is allowed
    cell = f"{moment:%Y-%m-%d %H:%M}"  # as a DMS writes it: Beijing time without a zone
    assert _accepted(lambda: parse_datetime(cell), CellError) is allowed


@pytest.fixture
def vehicle(customer: Any) -> Vehicle:
    return customer.vehicles.get()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("day", "allowed"), DATES)
def test_the_api_takes_a_purchase_date_as_the_import_does(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any, day: dt.date, allowed: bool
) -> None:
    body = {"customer": customer.pk, "vin": make_vin(77), "purchase_date": day.isoformat()}
    response = api(agent).post("/api/vehicles/", body, format="json")
    if allowed:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400
        assert response.json() == {"purchase_date": ["日期不能晚于今天"]}
        assert not Vehicle.objects.filter(vin=make_vin(77)).exists()


@pytest.mark.parametrize(("moment", "allowed"), TIMES)
def test_the_api_takes_a_delivery_time_as_the_import_does(
    clock: Any, api: Callable[[Any], Any], agent: Any, vehicle: Vehicle, moment: dt.datetime, allowed: bool
) -> None:
    body = {"vehicle": vehicle.pk, "delivered_at": moment.isoformat()}
    response = api(agent).post("/api/sales/", body, format="json")
    if allowed:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400
        assert response.json() == {"delivered_at": ["日期不能晚于今天"]}
        assert not SalesDelivery.objects.exists()


@pytest.mark.parametrize(
    ("opened_at", "handed_back_at", "field"),
    [
        ("2999-01-01T09:00:00+08:00", None, "opened_at"),
        ("2030-01-01T09:00:00+08:00", "2030-01-02T09:00:00+08:00", "opened_at"),
        ("2026-03-10T09:00:00+08:00", "2030-01-02T09:00:00+08:00", "handed_back_at"),
        ("2026-03-10T09:00:00+08:00", "2999-06-01T09:00:00+08:00", "handed_back_at"),
    ],
)
def test_the_api_refuses_a_service_visit_in_the_future(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    vehicle: Vehicle,
    opened_at: str,
    handed_back_at: str | None,
    field: str,
) -> None:
    body = {
        "repair_order_no": "RO-FUTURE",
        "vehicle": vehicle.pk,
        "kind": "repair",
        "opened_at": opened_at,
        "handed_back_at": handed_back_at,
    }
    response = api(agent).post("/api/service-visits/", body, format="json")
    assert response.status_code == 400
    assert response.json()[field] == ["日期不能晚于今天"]
    assert not ServiceVisit.objects.exists()


def test_a_change_to_the_future_is_refused_too_and_in_english(
    clock: Any, api: Callable[[Any], Any], agent: Any, vehicle: Vehicle
) -> None:
    sale = SalesDeliveryFactory(vehicle=vehicle, delivered_at=T0 - dt.timedelta(days=2))
    client = api(agent)
    response = client.patch(
        f"/api/sales/{sale.pk}/", {"delivered_at": "2999-06-01T10:00:00+08:00"}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"delivered_at": ["日期不能晚于今天"]}
    response = client.patch(
        f"/api/sales/{sale.pk}/",
        {"delivered_at": "2999-06-01T10:00:00+08:00"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json() == {"delivered_at": ["The date may not be after today"]}
    sale.refresh_from_db()
    assert sale.delivered_at == T0 - dt.timedelta(days=2)
