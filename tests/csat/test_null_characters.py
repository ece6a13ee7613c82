"""A NUL character in a query string is refused with a clear 400, never a database error."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def gm_client() -> Client:
    from csat.models import Role
    from tests.factories import StaffFactory

    client = Client()
    client.force_login(StaffFactory(role=Role.GENERAL_MANAGER))
    return client


@pytest.mark.parametrize(
    "url", ["/api/reports/monthly/?scope=%00x", "/api/complaints/?status%00=open", "/api/customers/?q=a%00"]
)
def test_api_answers_400_in_chinese(gm_client: Client, url: str) -> None:
    response = gm_client.get(url)
    assert response.status_code == 400
    assert "空字符" in response.json()["detail"]


def test_page_answers_400(gm_client: Client) -> None:
    response = gm_client.get("/customers/?q=%E5%BC%A0%00")
    assert response.status_code == 400 and "空字符" in response.content.decode()


def test_ordinary_queries_pass(gm_client: Client) -> None:
    assert gm_client.get("/api/reports/monthly/?scope=GROUP").status_code == 200
