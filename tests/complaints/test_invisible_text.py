"""A text of nothing but invisible characters (a zero-width space pasted from a chat app, a
direction mark) is blank: a required field says so, as it does for spaces, and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from complaints.models import Complaint, ComplaintEvent, Status
from csat.text_limits import trim

pytestmark = pytest.mark.django_db

INVISIBLE = "\u200b\u200d\ufeff \u200e"


def test_trim_takes_invisible_characters_off_the_ends_only() -> None:
    assert trim(INVISIBLE) == ""
    assert trim(f"{INVISIBLE}漏油\u200b") == "漏油"
    family = "\U0001f468\u200d\U0001f469"  # an emoji's joiner inside stays
    assert trim(f" {family} ") == family


def test_the_intake_form_refuses_invisible_content(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any
) -> None:
    form = {"mobile": customer.mobile, "kind": "complaint", "channel": "phone", "category": "repair"}
    response = browser(agent).post("/complaints/new/", {**form, "content": INVISIBLE})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert not Complaint.objects.exists()
    # Kept without its invisible edges when there is a text.
    assert (
        browser(agent).post("/complaints/new/", {**form, "content": f"\u200b漏油{INVISIBLE}"}).status_code
        == 302
    )
    assert Complaint.objects.get().content == "漏油"


def test_the_api_refuses_invisible_content_and_notes(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    customer: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    created = api(people["agent"]).post(
        "/api/complaints/",
        {
            "customer": customer.pk,
            "kind": "complaint",
            "channel": "phone",
            "category": "repair",
            "content": INVISIBLE,
        },
        format="json",
    )
    assert created.status_code in (400, 409) and "请填写客户反映的内容" in created.content.decode()
    assert not Complaint.objects.exists()
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    report = api(people["sales_mgr"]).post(
        f"/api/complaints/{ticket.pk}/progress/", {"note": INVISIBLE}, format="json"
    )
    assert report.status_code == 400 and "note" in report.json()
    assert not ComplaintEvent.objects.filter(complaint=ticket, action="progress").exists()
