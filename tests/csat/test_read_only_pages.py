"""Pages that only show data answer a POST with 405 and an Allow header, not with the page.

A form posted to the wrong address (a stale bookmark, a browser resubmitting a list page) used to
get the page back with 200, as if it had been taken; the actions live on their own POST URLs.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

READ_ONLY = [
    ("home", ()),
    ("customer-search", ()),
    ("customer-detail", (1,)),
    ("callbacks:index", ()),
    ("callbacks:dashboard", ()),
    ("callbacks:call", (1,)),
    ("callbacks:survey", (1,)),
    ("complaints:index", ()),
    ("complaints:detail", (1,)),
    ("complaints:print", (1,)),
    ("complaints:approvals", ()),
    ("crisis:index", ()),
    ("prevention:measures", ()),
]


@pytest.fixture
def admin_client() -> Client:
    user = get_user_model().objects.create_superuser("root-405", "root@example.com", "x-pass-2026")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("route", "args"), READ_ONLY, ids=[r for r, _ in READ_ONLY])
def test_a_read_only_page_refuses_post_with_405(
    admin_client: Client, route: str, args: tuple[int, ...]
) -> None:
    url = reverse(route, args=args)
    response = admin_client.post(url, {"anything": "1"})
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}
    assert admin_client.head(url).status_code != 405  # HEAD is as safe as GET


def test_a_signed_out_post_still_goes_to_sign_in_first(client: Client) -> None:
    response = client.post(reverse("complaints:index"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
