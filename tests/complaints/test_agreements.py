"""Issue #21 items 4 and 13: signed agreements — one upload validator, stored under a random
name, served only through a view that checks the ticket's access rules.

Before: with DEBUG on, MEDIA_URL served ``agreements/<yyyy>/<mm>/agreement-<pk>.pdf`` to anyone
(no sign-in, a guessable path); in production the ticket's link was dead; and the API's resolve
action took a 12 MB ``.html`` because only the page form checked the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client, override_settings
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from rest_framework.test import APIClient

from complaints.models import Complaint, Status
from complaints.services import steps, workflow
from csat import uploads
from csat.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a signed agreement\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def in_progress(make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint]) -> Complaint:
    ticket = make_complaint()
    ticket = advance(ticket, Status.AWAITING_APPROVAL)
    return advance(ticket, Status.IN_PROGRESS)


@pytest.fixture
def signed(in_progress: Complaint, sales_mgr: Any) -> Complaint:
    upload = SimpleUploadedFile("张伟 协议.pdf", PDF, content_type="application/pdf")
    return workflow.complaint_resolve(
        complaint=in_progress, actor=sales_mgr, result="已签字", agreement=upload
    )


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- stored names ----------------------------------------------------------------------------------


def test_stored_name_is_random_and_carries_no_client_name(signed: Complaint) -> None:
    name = Path(signed.agreement.name).name
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", name), name
    assert "张伟" not in signed.agreement.name and "协议" not in signed.agreement.name


def test_the_extension_comes_from_the_content_not_the_name(in_progress: Complaint, sales_mgr: Any) -> None:
    upload = SimpleUploadedFile("scan.pdf", PNG, content_type="application/pdf")
    ticket = workflow.complaint_resolve(
        complaint=in_progress, actor=sales_mgr, result="已签字", agreement=upload
    )
    assert ticket.agreement.name.endswith(".png")


# --- serving ---------------------------------------------------------------------------------------


def test_media_url_serves_nothing_even_with_debug(signed: Complaint) -> None:
    from django.conf import settings

    with pytest.raises(Resolver404):
        resolve("/" + settings.MEDIA_URL + signed.agreement.name)
    with override_settings(DEBUG=True):
        assert Client().get("/" + settings.MEDIA_URL + signed.agreement.name).status_code == 404


def test_the_ticket_page_links_to_the_checked_view(signed: Complaint, sales_mgr: Any) -> None:
    html = browser(sales_mgr).get(reverse("complaints:detail", args=[signed.pk])).content.decode()
    url = reverse("complaints:agreement", args=[signed.pk])
    assert f'href="{url}"' in html
    assert signed.agreement.name not in html


def test_who_may_read_the_ticket_downloads_the_agreement_as_an_attachment(
    signed: Complaint, sales_mgr: Any, ccm: Any, gm: Any
) -> None:
    url = reverse("complaints:agreement", args=[signed.pk])
    for user in (sales_mgr, ccm, gm):
        response = browser(user).get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
        assert f"agreement-{signed.number}.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"


def test_who_may_not_read_the_ticket_gets_404(
    signed: Complaint, business_mgr: Any, front_line: Any, other_agent: Any
) -> None:
    url = reverse("complaints:agreement", args=[signed.pk])
    for user in (business_mgr, front_line, other_agent):
        assert browser(user).get(url).status_code == 404, user
    assert Client().get(url).status_code == 302  # anonymous: to sign-in
    assert "login" in Client().get(url)["Location"]


def test_a_ticket_without_agreement_is_404(in_progress: Complaint, sales_mgr: Any) -> None:
    assert browser(sales_mgr).get(reverse("complaints:agreement", args=[in_progress.pk])).status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"), [("X-Accel-Redirect", "/protected-media/"), ("X-Sendfile", "/")]
)
def test_the_web_server_can_send_the_file(
    signed: Complaint, sales_mgr: Any, header: str, expected: str, settings: Any
) -> None:
    settings.PROTECTED_MEDIA_HEADER = header
    response = browser(sales_mgr).get(reverse("complaints:agreement", args=[signed.pk]))
    assert response.status_code == 200
    assert response[header].startswith(expected) and response[header].endswith(
        Path(signed.agreement.name).name
    )
    assert response.content == b""  # the server sends the body
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- one validator for page and API ----------------------------------------------------------------


BAD_UPLOADS = {
    "html named .html": ("agreement.html", b"<html><script>alert(1)</script></html>"),
    "html named .pdf": ("agreement.pdf", b"<html><script>alert(1)</script></html>"),
    "exe named .jpg": ("agreement.jpg", b"MZ\x90\x00"),
}


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_api_resolve_refuses_a_file_that_is_not_a_document(
    name: str, in_progress: Complaint, sales_mgr: Any
) -> None:
    filename, content = BAD_UPLOADS[name]
    response = api(sales_mgr).post(
        f"/api/complaints/{in_progress.pk}/resolve/",
        {"result": "已处理", "agreement": SimpleUploadedFile(filename, content)},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "agreement" in response.json()
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS and not in_progress.agreement


def test_api_resolve_refuses_an_11_mb_file(in_progress: Complaint, sales_mgr: Any) -> None:
    """Over the 10 MB limit, under the 12 MB request cap: the validator answers (12 MB is a 413)."""
    big = SimpleUploadedFile("big.html", b"%PDF-" + b"x" * (11 * 1024 * 1024))
    response = api(sales_mgr).post(
        f"/api/complaints/{in_progress.pk}/resolve/",
        {"result": "已处理", "agreement": big},
        format="multipart",
    )
    assert response.status_code == 400
    assert "10 MB" in response.json()["agreement"][0]
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_page_resolve_refuses_the_same_files(name: str, in_progress: Complaint, sales_mgr: Any) -> None:
    filename, content = BAD_UPLOADS[name]
    response = browser(sales_mgr).post(
        reverse("complaints:act", args=[in_progress.pk, "resolve"]),
        {"result": "已处理", "agreement": SimpleUploadedFile(filename, content)},
    )
    assert response.status_code == 400
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS


def test_api_resolve_accepts_a_real_document(in_progress: Complaint, sales_mgr: Any) -> None:
    response = api(sales_mgr).post(
        f"/api/complaints/{in_progress.pk}/resolve/",
        {"result": "已处理", "agreement": SimpleUploadedFile("whatever.bin", PNG)},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    in_progress.refresh_from_db()
    assert in_progress.agreement.name.endswith(".png")


# --- a resolve that fails after the agreement was stored leaves no file ----------------------------


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


@pytest.fixture
def fails_after_storing(monkeypatch: pytest.MonkeyPatch) -> Callable[[Exception], None]:
    """``fails_after_storing(exc)``: the resolve's event row (written after the agreement was stored)
    raises ``exc``."""

    def install(exc: Exception) -> None:
        def refuse(*args: Any, **kwargs: Any) -> None:
            raise exc

        monkeypatch.setattr(steps, "record_event", refuse)

    return install


def test_a_refused_resolve_leaves_no_agreement_on_disk(
    in_progress: Complaint, sales_mgr: Any, media_root: Path, fails_after_storing: Callable[[Exception], None]
) -> None:
    """Before: the agreement stayed in MEDIA_ROOT, the ticket unresolved and pointing to no file."""
    fails_after_storing(ApplicationError("refused after the file was stored"))
    response = browser(sales_mgr).post(
        reverse("complaints:act", args=[in_progress.pk, "resolve"]),
        {"result": "已处理", "agreement": SimpleUploadedFile("协议.pdf", PDF)},
    )
    assert response.status_code == 409
    assert "refused after the file was stored" in response.content.decode()
    assert stored_files(media_root) == []
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS and not in_progress.agreement


def test_a_database_error_after_storing_leaves_no_agreement_on_disk(
    in_progress: Complaint, sales_mgr: Any, media_root: Path, fails_after_storing: Callable[[Exception], None]
) -> None:
    fails_after_storing(DatabaseError("the database refused the event row"))
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(sales_mgr)
    response = client.post(
        f"/api/complaints/{in_progress.pk}/resolve/",
        {"result": "已处理", "agreement": SimpleUploadedFile("协议.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 503
    assert stored_files(media_root) == []
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS and not in_progress.agreement


def test_a_resolve_that_succeeds_keeps_its_agreement(
    in_progress: Complaint, sales_mgr: Any, media_root: Path
) -> None:
    upload = SimpleUploadedFile("协议.pdf", PDF)
    done = workflow.complaint_resolve(
        complaint=in_progress, actor=sales_mgr, result="已签字", agreement=upload
    )
    assert stored_files(media_root) == [media_root / done.agreement.name]
    assert (media_root / done.agreement.name).read_bytes() == PDF


def test_form_and_serializer_use_the_one_validator() -> None:
    from complaints.apis import ActionSerializer
    from complaints.forms import ResolveForm

    assert uploads.validate_agreement in ResolveForm.base_fields["agreement"].validators
    assert uploads.validate_agreement in ActionSerializer().fields["agreement"].validators
