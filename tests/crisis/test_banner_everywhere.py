"""The open-crisis banner appears on the customer's call page, survey result and customer card."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crisis import services
from tests.fixtures import T0  # noqa: F401 - the clock fixture freezes time at T0

pytestmark = pytest.mark.django_db


def test_banner_on_customer_card_while_crisis_is_open(
    clock: Any, store: Any, ccm: Any, customer: Any
) -> None:
    client = Client()
    client.force_login(ccm)
    assert 'data-testid="crisis-banner"' not in client.get(f"/customers/{customer.pk}/").content.decode()
    crisis = services.crisis_open(actor=ccm, store=store, type="d", title="媒体关注", customer=customer)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="crisis-banner"' in page and crisis.number in page
