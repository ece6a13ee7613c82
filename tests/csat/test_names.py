"""A name is what shows: format characters (Unicode Cf — zero-width spaces and joiners, direction
marks and overrides) are taken out of a customer's name wherever they stand, by the API, the import
and the services alike (csat.text_limits.clean_name), and a name of nothing else is blank.

Audit (hostile input): POST /api/customers/ with the name "\\u200b" was a 201 (a customer without a
visible name), and the import kept "\\u202e张\\u200b三" (a direction override reverses every list
line after it; a zero-width space makes a 张三 the search does not find).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from csat import services
from csat.models import Customer, Vehicle
from csat.text_limits import clean_name, trim
from tests.factories import CustomerFactory, make_vin
from tests.intake.support import customer_row, grid, plan_for, sale_row

pytestmark = pytest.mark.django_db

SPOOFED = "\u202e张\u200b三\u2066"
INVISIBLE = "\u200b\u200d\ufeff\u2060 \u200e\u202e\u00ad"


def test_clean_name_takes_format_characters_out_anywhere() -> None:
    assert clean_name(SPOOFED) == "张三"
    assert clean_name(INVISIBLE) == ""
    assert clean_name(" 欧阳\u00ad娜娜\u3000") == "欧阳娜娜"
    assert clean_name("Zoë O'Brien") == "Zoë O'Brien"
    # Long free text keeps an emoji's joiner (trim); a name has no use for one.
    family = "\U0001f468\u200d\U0001f469"
    assert trim(family) == family and clean_name(family) == "\U0001f468\U0001f469"


def test_the_api_refuses_an_invisible_name_and_cleans_a_spoofed_one(
    clock: Any, api: Callable[[Any], Any], agent: Any
) -> None:
    client = api(agent)
    response = client.post("/api/customers/", {"name": INVISIBLE, "mobile": "13800000001"}, format="json")
    assert response.status_code == 400 and response.json() == {"name": ["请填写客户姓名。"]}
    assert not Customer.objects.exists()
    response = client.post("/api/customers/", {"name": SPOOFED, "mobile": "13800000001"}, format="json")
    assert response.status_code == 201 and response.json()["name"] == "张三"
    customer = Customer.objects.get()
    assert customer.name == "张三"
    # A change to an invisible name is refused too, and says so in English.
    response = client.patch(
        f"/api/customers/{customer.pk}/", {"name": "\u200b"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and response.json() == {"name": ["Please enter the customer's name."]}
    customer.refresh_from_db()
    assert customer.name == "张三"


def test_the_api_cleans_a_fleet_name_and_a_car_model(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any
) -> None:
    client = api(agent)
    response = client.patch(f"/api/customers/{customer.pk}/", {"fleet_account": "\u200b"}, format="json")
    assert response.status_code == 200 and response.json()["fleet_account"] == ""
    body = {"customer": customer.pk, "vin": make_vin(5), "model": "\u202eCX-5\u200b"}
    response = client.post("/api/vehicles/", body, format="json")
    assert response.status_code == 201 and Vehicle.objects.get(vin=make_vin(5)).model == "CX-5"


def test_the_services_and_the_model_keep_the_same_name(clock: Any, store: Any) -> None:
    # The complaint intake's new customer goes through customer_find_or_create.
    with pytest.raises(ValidationError) as exc_info:
        services.customer_find_or_create(store=store, mobile="13800000002", name=INVISIBLE)
    assert exc_info.value.message_dict == {"name": ["新客户必须填写姓名。"]}
    made = services.customer_find_or_create(store=store, mobile="13800000002", name=SPOOFED)
    assert made.name == "张三"
    customer = CustomerFactory(store=store, name="李四")
    customer.name = "\u200b"
    with pytest.raises(ValidationError) as exc_info:
        customer.full_clean()
    assert set(exc_info.value.message_dict) == {"name"}


def test_the_import_cleans_names_and_a_blank_one_is_missing(clock: Any, store_a: Any) -> None:
    rows = [customer_row(1, name=SPOOFED, model="\u200b哈弗H6"), customer_row(2, name=INVISIBLE)]
    plan = plan_for("customers", store_a, grid("customers", rows))
    assert [(e["row"], e["column"], e["message"]) for e in plan.errors] == [(3, "客户姓名", "必填")]
    values = dict(plan.parsed)[2]
    assert (values["name"], values["model"]) == ("张三", "哈弗H6")
    # A new customer of a delivery needs a name: an invisible one is none.
    plan = plan_for("sales", store_a, grid("sales", [sale_row(1, name="\u200b\u200e")]))
    assert ("客户姓名", "新客户必须填写姓名") in [(e["column"], e["message"]) for e in plan.errors]
