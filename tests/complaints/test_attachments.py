"""Issue #22 (Records → Attachments): photos, receipts, call recordings and documents on a ticket.

Rules pinned here (source: issue #22 "Attachments on tickets and crisis cases"; the upload rules of
issue #21 item 4 that csat.uploads already kept for agreements):
- uploaded from a phone camera or files; type and size judged by content (one validator,
  csat.uploads), refused with a Chinese message and nothing saved;
- a small JPEG thumbnail for images, none for a PDF or a recording;
- downloads follow the ticket's access rules (its scoped selector: 404 otherwise) and are recorded;
- every upload and removal is in the ticket's 变更记录; removing hides, nothing is lost.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from audit.models import ExportRecord
from audit.selectors import record_history
from complaints.models import Complaint, ComplaintAttachment, Status
from complaints.services.attachments import complaint_attachment_add

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a repair receipt\n"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64  # an ID3 tag: a call recording
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ticket(make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint]) -> Complaint:
    """In progress in the sales department."""
    return advance(make_complaint(), Status.IN_PROGRESS)


def upload_url(ticket: Complaint) -> str:
    return reverse("complaints:attachment-upload", args=[ticket.pk])


def post(user: Any, ticket: Complaint, name: str, content: bytes, field: str = "file", **extra: str) -> Any:
    return browser(user).post(
        upload_url(ticket), {field: SimpleUploadedFile(name, content), "description": "车门划痕照片", **extra}
    )


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in (media_root / "attachments").rglob("*") if p.is_file()] if media_root.exists() else []


# --- upload and download -----------------------------------------------------------------------------


def test_a_phone_photo_is_stored_with_a_thumbnail_and_read_back_by_the_ticket_readers(
    ticket: Complaint, agent: Any, sales_mgr: Any, gm: Any, media_root: Path
) -> None:
    photo = jpeg()
    response = post(agent, ticket, "IMG_0001.jpg", photo, field="photo")
    assert response.status_code == 302
    assert response["Location"].endswith("#attachments")
    attachment = ComplaintAttachment.objects.get(complaint=ticket)
    assert (attachment.kind, attachment.content_type, attachment.size) == ("image", "image/jpeg", len(photo))
    assert attachment.uploaded_by == agent and attachment.description == "车门划痕照片"
    # A random stored name; the client's name is only shown.
    assert "IMG_0001" not in attachment.file.name and attachment.original_name == "IMG_0001.jpg"
    # The thumbnail: a small JPEG.
    with Image.open(attachment.thumbnail.path) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 240

    page = browser(sales_mgr).get(reverse("complaints:detail", args=[ticket.pk]))
    thumb_url = reverse("complaints:attachment-thumbnail", args=[ticket.pk, attachment.pk])
    file_url = reverse("complaints:attachment", args=[ticket.pk, attachment.pk])
    html = page.content.decode()
    assert thumb_url in html and file_url in html and "车门划痕照片" in html

    for reader in (sales_mgr, gm):
        download = browser(reader).get(file_url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == photo
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"
    shown = browser(sales_mgr).get(thumb_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"].startswith("inline")
    # Who downloaded which file: the audit app's export log, once per download (not per thumbnail).
    records = ExportRecord.objects.filter(kind="attachment")
    assert records.count() == 2
    assert {r.scope["attachment"] for r in records} == {attachment.pk}
    assert {r.username for r in records} == {sales_mgr.username, gm.username}


def test_the_upload_form_offers_the_camera_and_files(ticket: Complaint, agent: Any) -> None:
    html = browser(agent).get(reverse("complaints:detail", args=[ticket.pk])).content.decode()
    assert 'accept="image/*" capture="environment"' in html
    assert 'accept="image/*,application/pdf,audio/*"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_pdf_and_a_call_recording_get_no_thumbnail(ticket: Complaint, sales_mgr: Any) -> None:
    assert post(sales_mgr, ticket, "发票.pdf", PDF).status_code == 302
    assert post(sales_mgr, ticket, "通话录音.mp3", MP3).status_code == 302
    rows = {a.kind: a for a in ComplaintAttachment.objects.filter(complaint=ticket)}
    assert set(rows) == {"pdf", "audio"}
    assert not rows["pdf"].thumbnail and not rows["audio"].thumbnail
    assert rows["audio"].file.name.endswith(".mp3") and rows["audio"].content_type == "audio/mpeg"
    thumb = reverse("complaints:attachment-thumbnail", args=[ticket.pk, rows["pdf"].pk])
    assert browser(sales_mgr).get(thumb).status_code == 404


# --- refused files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("报价单.pdf", "png", "与文件名后缀 .pdf 不符"),  # a PNG renamed .pdf
        ("photo.jpg", EXE, "只支持"),  # an EXE renamed .jpg
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "图片无法打开"),  # JPEG magic, no image
        ("empty.pdf", b"", "空文件"),
    ],
)
def test_files_judged_by_content_are_refused_in_chinese_and_nothing_is_saved(
    ticket: Complaint, agent: Any, media_root: Path, name: str, content: Any, message: str
) -> None:
    body = png() if content == "png" else content
    response = post(agent, ticket, name, body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ComplaintAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_an_oversize_file_is_refused_before_its_type(
    ticket: Complaint, agent: Any, settings: Any, media_root: Path
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    response = post(agent, ticket, "scan.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 400
    assert "文件不能超过 1 MB" in response.content.decode()
    assert not ComplaintAttachment.objects.exists() and stored_files(media_root) == []


def test_a_name_without_a_known_extension_is_judged_by_content(ticket: Complaint, agent: Any) -> None:
    assert post(agent, ticket, "recording", MP3).status_code == 302
    assert ComplaintAttachment.objects.get().file.name.endswith(".mp3")


def test_the_form_asks_for_a_file(ticket: Complaint, agent: Any) -> None:
    response = browser(agent).post(upload_url(ticket), {"description": "无文件"})
    assert response.status_code == 400
    assert "请拍照或选择一个文件" in response.content.decode()


# --- access ------------------------------------------------------------------------------------------


@pytest.fixture
def attachment(ticket: Complaint, agent: Any) -> ComplaintAttachment:
    return complaint_attachment_add(
        complaint=ticket, actor=agent, upload=SimpleUploadedFile("a.jpg", jpeg()), description="现场照片"
    )


def test_other_store_and_other_department_get_404_on_every_route(
    ticket: Complaint, attachment: ComplaintAttachment, other_agent: Any, business_mgr: Any
) -> None:
    args = [ticket.pk, attachment.pk]
    for user in (other_agent, business_mgr):
        client = browser(user)
        assert client.get(reverse("complaints:attachment", args=args)).status_code == 404
        assert client.get(reverse("complaints:attachment-thumbnail", args=args)).status_code == 404
        assert client.post(reverse("complaints:attachment-delete", args=args)).status_code == 404
        assert client.post(upload_url(ticket), {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 404
    assert ComplaintAttachment.objects.count() == 1
    assert not ExportRecord.objects.filter(kind="attachment").exists()


def test_an_attachment_of_another_ticket_is_not_found_through_this_one(
    ticket: Complaint, attachment: ComplaintAttachment, make_complaint: Callable[..., Complaint], agent: Any
) -> None:
    other_ticket = make_complaint()
    url = reverse("complaints:attachment", args=[other_ticket.pk, attachment.pk])
    assert browser(agent).get(url).status_code == 404


def test_head_office_reads_but_does_not_upload(
    ticket: Complaint, attachment: ComplaintAttachment, viewer: Any
) -> None:
    client = browser(viewer)
    assert client.get(reverse("complaints:attachment", args=[ticket.pk, attachment.pk])).status_code == 200
    assert client.post(upload_url(ticket), {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 403
    page = client.get(reverse("complaints:detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="attachment-form"' not in page


# --- removing and the history -------------------------------------------------------------------------


def test_removing_is_for_the_uploader_or_a_manager_and_keeps_the_file(
    ticket: Complaint, attachment: ComplaintAttachment, agent2: Any, ccm: Any, media_root: Path
) -> None:
    url = reverse("complaints:attachment-delete", args=[ticket.pk, attachment.pk])
    assert browser(agent2).post(url).status_code == 403  # another agent: neither uploader nor manager
    assert browser(ccm).post(url).status_code == 302
    attachment.refresh_from_db()
    assert attachment.deleted_at is not None and attachment.deleted_by == ccm
    assert Path(attachment.file.path).exists()  # no data loss
    assert (
        browser(ccm).get(reverse("complaints:attachment", args=[ticket.pk, attachment.pk])).status_code == 404
    )
    page = browser(ccm).get(reverse("complaints:detail", args=[ticket.pk])).content.decode()
    assert "现场照片" not in page.split('data-testid="attachments"')[1].split("</section>")[0]


def test_the_uploader_removes_their_own(
    ticket: Complaint, attachment: ComplaintAttachment, agent: Any
) -> None:
    url = reverse("complaints:attachment-delete", args=[ticket.pk, attachment.pk])
    assert browser(agent).post(url).status_code == 302
    assert ComplaintAttachment.objects.get().deleted_by == agent


def test_upload_and_removal_are_in_the_tickets_change_history(
    ticket: Complaint, attachment: ComplaintAttachment, ccm: Any, gm: Any
) -> None:
    browser(ccm).post(reverse("complaints:attachment-delete", args=[ticket.pk, attachment.pk]))
    rows = list(ComplaintAttachment.history.filter(id=attachment.pk).order_by("history_id"))
    assert [r.history_type for r in rows] == ["+", "~"]
    assert rows[0].history_change_reason == "上传附件" and rows[1].history_change_reason == "删除附件"
    assert rows[1].deleted_by_id == ccm.pk

    entries = [
        e for e in record_history(kind="complaint", pk=ticket.pk, viewer=gm) if e.model_label == "投诉附件"
    ]
    assert [(e.action, e.reason) for e in entries] == [("~", "删除附件"), ("+", "上传附件")]
    assert "删除时间" in {c.label for c in entries[0].changes}
    page = browser(gm).get(reverse("audit:history", args=["complaint", ticket.pk]))
    assert page.status_code == 200
    assert "投诉附件" in page.content.decode()


# --- API -----------------------------------------------------------------------------------------------


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_and_adds_attachments_with_the_same_validator(
    ticket: Complaint, sales_mgr: Any, other_agent: Any, media_root: Path
) -> None:
    url = f"/api/complaints/{ticket.pk}/attachments/"
    added = api(sales_mgr).post(
        url, {"file": SimpleUploadedFile("r.pdf", PDF), "description": "维修发票"}, format="multipart"
    )
    assert added.status_code == 201, added.content
    assert added.json()["kind"] == "pdf" and added.json()["download_url"].endswith(
        f"/attachments/{added.json()['id']}/"
    )
    refused = api(sales_mgr).post(url, {"file": SimpleUploadedFile("x.jpg", EXE)}, format="multipart")
    assert refused.status_code == 400 and "只支持" in refused.json()["file"][0]
    listed = api(sales_mgr).get(url)
    assert [row["description"] for row in listed.json()] == ["维修发票"]
    assert api(other_agent).get(url).status_code == 404
    assert (
        api(other_agent).post(url, {"file": SimpleUploadedFile("r.pdf", PDF)}, format="multipart").status_code
        == 404
    )
    assert ComplaintAttachment.objects.count() == 1
