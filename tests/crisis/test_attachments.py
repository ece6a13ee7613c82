"""Issue #22 (Records → Attachments) on crisis cases: photos, call recordings, media reports.

Rules pinned here (source: issue #22 "Attachments on tickets and crisis cases"): the same one
validator as tickets and agreements (csat.uploads, by content, Chinese messages, nothing saved when
refused); thumbnails for images only; whoever may open the case uploads and downloads (its scoped
selector: 404 otherwise; head office reads only); the uploader or a manager removes (a soft delete);
every upload and removal is in the case's 变更记录.
"""

from __future__ import annotations

import errno
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from audit.models import ExportRecord
from audit.selectors import record_history
from crisis.models import CrisisAttachment, CrisisCase
from crisis.services import crisis_attachment_add

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a newspaper clipping\n"
AMR = b"#!AMR\n" + b"\x3c" * 64  # a phone's call recording
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def png(size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, "PNG")
    return out.getvalue()


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def case(open_crisis: Callable[..., CrisisCase]) -> CrisisCase:
    return open_crisis()  # opened by the agent


def routes(case: CrisisCase, attachment_id: int) -> dict[str, str]:
    args = [case.pk, attachment_id]
    return {
        "file": reverse("crisis:attachment", args=args),
        "thumb": reverse("crisis:attachment-thumbnail", args=args),
        "delete": reverse("crisis:attachment-delete", args=args),
        "upload": reverse("crisis:attachment-upload", args=[case.pk]),
    }


def test_the_case_readers_upload_a_photo_and_download_it(
    case: CrisisCase, ccm: Any, gm: Any, media_root: Path
) -> None:
    photo = png()
    upload = reverse("crisis:attachment-upload", args=[case.pk])
    response = browser(ccm).post(
        upload, {"photo": SimpleUploadedFile("现场.png", photo), "description": "门店现场"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#attachments")
    attachment = CrisisAttachment.objects.get(crisis=case)
    assert attachment.kind == "image" and attachment.thumbnail
    with Image.open(attachment.thumbnail.path) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 240
    urls = routes(case, attachment.pk)
    html = browser(gm).get(reverse("crisis:detail", args=[case.pk])).content.decode()
    assert urls["thumb"] in html and "门店现场" in html and 'capture="environment"' in html
    download = browser(gm).get(urls["file"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == photo
    assert download["Content-Disposition"].startswith("attachment")
    assert browser(gm).get(urls["thumb"])["Content-Type"] == "image/jpeg"
    assert ExportRecord.objects.filter(kind="attachment", username=gm.username).count() == 1


def test_a_call_recording_gets_no_thumbnail(case: CrisisCase, agent: Any) -> None:
    upload = reverse("crisis:attachment-upload", args=[case.pk])
    assert browser(agent).post(upload, {"file": SimpleUploadedFile("录音.amr", AMR)}).status_code == 302
    attachment = CrisisAttachment.objects.get()
    assert (attachment.kind, attachment.content_type, bool(attachment.thumbnail)) == (
        "audio",
        "audio/amr",
        False,
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("声明.pdf", "png", "与文件名后缀 .pdf 不符"), ("photo.jpg", EXE, "只支持")],
)
def test_refused_files_say_why_in_chinese_and_save_nothing(
    case: CrisisCase, gm: Any, media_root: Path, name: str, content: Any, message: str
) -> None:
    upload = reverse("crisis:attachment-upload", args=[case.pk])
    body = png() if content == "png" else content
    response = browser(gm).post(upload, {"file": SimpleUploadedFile(name, body)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not CrisisAttachment.objects.exists()
    assert not (media_root / "attachments").exists()


def test_an_oversize_file_is_refused(case: CrisisCase, gm: Any, settings: Any, media_root: Path) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = reverse("crisis:attachment-upload", args=[case.pk])
    response = browser(gm).post(upload, {"file": SimpleUploadedFile("a.pdf", PDF + b"0" * (1024 * 1024))})
    assert response.status_code == 400 and "文件不能超过 1 MB" in response.content.decode()
    assert not CrisisAttachment.objects.exists()


def test_a_full_disk_leaves_no_half_file_and_says_so(
    case: CrisisCase, gm: Any, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit (a bad day): the disk full half-way through a media report's photo answered the generic
    500 and left the half-written file in MEDIA_ROOT; now 503 naming the full disk, nothing kept."""

    def full(self: FileSystemStorage, name: str, content: Any) -> str:
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG\r\n\x1a\n")  # what the disk took before it was full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    client = Client(raise_request_exception=False)
    client.force_login(gm)
    upload = reverse("crisis:attachment-upload", args=[case.pk])
    response = client.post(
        upload, {"photo": SimpleUploadedFile("报道.png", png()), "description": "报道截图"}
    )
    assert response.status_code == 503
    assert "服务器存储空间不足，文件未保存" in response.content.decode()
    assert not CrisisAttachment.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


@pytest.fixture
def attachment(case: CrisisCase, agent: Any) -> CrisisAttachment:
    return crisis_attachment_add(
        crisis=case, actor=agent, upload=SimpleUploadedFile("c.pdf", PDF), description="报道"
    )


def test_who_may_not_open_the_case_gets_404_on_every_route(
    case: CrisisCase, attachment: CrisisAttachment, agent2: Any, sales_mgr: Any, other_gm: Any
) -> None:
    urls = routes(case, attachment.pk)
    for user in (agent2, sales_mgr, other_gm):
        client = browser(user)
        assert client.get(urls["file"]).status_code == 404
        assert client.get(urls["thumb"]).status_code == 404
        assert client.post(urls["delete"]).status_code == 404
        assert client.post(urls["upload"], {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 404
    assert CrisisAttachment.objects.filter(deleted_at__isnull=True).count() == 1


def test_head_office_reads_only(case: CrisisCase, attachment: CrisisAttachment, viewer: Any) -> None:
    urls = routes(case, attachment.pk)
    assert browser(viewer).get(urls["file"]).status_code == 200
    assert browser(viewer).post(urls["upload"], {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 403
    assert browser(viewer).post(urls["delete"]).status_code == 403


def test_removal_by_uploader_or_manager_is_soft_and_in_the_history(
    case: CrisisCase, attachment: CrisisAttachment, assessor: Any, gm: Any
) -> None:
    urls = routes(case, attachment.pk)
    assert browser(assessor).post(urls["delete"]).status_code == 403  # reads the case, not a manager of it
    assert browser(gm).post(urls["delete"]).status_code == 302
    attachment.refresh_from_db()
    assert attachment.deleted_by == gm and Path(attachment.file.path).exists()
    assert browser(gm).get(urls["file"]).status_code == 404
    entries = [
        e for e in record_history(kind="crisis", pk=case.pk, viewer=gm) if e.model_label == "危机事件附件"
    ]
    assert [(e.action, e.reason) for e in entries] == [("~", "删除附件"), ("+", "上传附件")]
    page = browser(gm).get(reverse("audit:history", args=["crisis", case.pk]))
    assert page.status_code == 200 and "危机事件附件" in page.content.decode()
