"""The disk filling up while a file is uploaded (a ticket's or a crisis case's attachment, a DMS
import file): nothing of the upload stays — no row, and no file or half a file in ``MEDIA_ROOT`` —
and the user reads that the server's storage is full (503), not the generic 500.

Before (audit "a bad day"): the 500 page "系统出错，本次操作没有完成", and the half-written files
stayed in MEDIA_ROOT, orphans no row pointed to. The full disk is simulated the way Django's storage
meets it: the file is created, part of it written, then ``OSError(ENOSPC)``.
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from complaints.models import ComplaintAttachment, Status
from complaints.services import workflow
from csat.uploads import atomic_with_files
from intake.models import ImportJob
from tests.intake.support import csv_bytes, customer_row, grid

pytestmark = pytest.mark.django_db

MESSAGE = "服务器存储空间不足，文件未保存，本次操作没有生效。请联系系统管理员。"
PDF = b"%PDF-1.4\n% a repair receipt\n" + b"0" * 4096


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def files_in(media_root: Path) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[str]]:
    """``disk_full(part)``: the disk fills up while a file whose name contains ``part`` is written
    (10 bytes of it reach the disk); other files are stored. Returns the names attempted."""
    real = FileSystemStorage._save
    attempted: list[str] = []

    def install(part: str = "") -> list[str]:
        def save(self: FileSystemStorage, name: str, content: Any) -> str:
            attempted.append(name)
            if part not in name:
                return real(self, name, content)
            path = self.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as half:
                half.write(next(iter(content.chunks()))[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(FileSystemStorage, "_save", save)
        return attempted

    return install


def _browser(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _says_disk_full(response: Any) -> None:
    assert response.status_code == 503
    body = response.content.decode()
    assert MESSAGE in body and "Traceback" not in body and "No space left" not in body


def test_a_ticket_attachment_leaves_no_half_file(
    ticket: Any, agent: Any, media_root: Path, disk_full: Callable[[str], list[str]]
) -> None:
    attempted = disk_full("attachments/")
    response = _browser(agent).post(
        f"/complaints/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("收据.pdf", PDF, "application/pdf"), "description": "维修收据"},
    )
    _says_disk_full(response)
    assert len(attempted) == 1 and ComplaintAttachment.objects.count() == 0
    assert files_in(media_root) == []


def test_a_photo_whose_thumbnail_finds_the_disk_full_leaves_neither(
    ticket: Any, agent: Any, media_root: Path, disk_full: Callable[[str], list[str]]
) -> None:
    """The photo itself was stored; its thumbnail was not: both go, with the row."""
    attempted = disk_full("thumbs/")
    response = _browser(agent).post(
        f"/complaints/{ticket.pk}/attachments/",
        {"photo": SimpleUploadedFile("车门.jpg", jpeg(), "image/jpeg"), "description": "车门划痕"},
    )
    _says_disk_full(response)
    assert len(attempted) == 2 and ComplaintAttachment.objects.count() == 0
    assert files_in(media_root) == []


def test_a_refused_row_takes_its_stored_files_with_it(
    ticket: Any, agent: Any, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files were stored and the database refused the row: the files are deleted too."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise DatabaseError("could not extend file: No space left on device")

    monkeypatch.setattr(ComplaintAttachment, "save", refuse)
    response = _browser(agent).post(
        f"/complaints/{ticket.pk}/attachments/",
        {"photo": SimpleUploadedFile("车门.jpg", jpeg(), "image/jpeg"), "description": "车门划痕"},
    )
    assert response.status_code == 503
    assert files_in(media_root) == []


def test_the_api_answers_503_in_json(
    ticket: Any, agent: Any, media_root: Path, disk_full: Callable[[str], list[str]]
) -> None:
    disk_full("attachments/")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(agent)
    response = client.post(
        f"/api/complaints/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("收据.pdf", PDF, "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 503 and response.json() == {"detail": MESSAGE}
    assert ComplaintAttachment.objects.count() == 0 and files_in(media_root) == []


def test_an_import_file_leaves_no_half_file(
    ccm: Any, store: Any, media_root: Path, disk_full: Callable[[str], list[str]]
) -> None:
    attempted = disk_full("imports/")
    data = csv_bytes(grid("customers", [customer_row(1)]))
    response = _browser(ccm).post(
        "/imports/",
        {"kind": "customers", "store": store.pk, "file": SimpleUploadedFile("客户.csv", data, "text/csv")},
    )
    _says_disk_full(response)
    assert len(attempted) == 1 and ImportJob.objects.count() == 0
    assert files_in(media_root) == []


def test_an_import_through_the_api_answers_503_in_json(
    ccm: Any, store: Any, media_root: Path, disk_full: Callable[[str], list[str]]
) -> None:
    disk_full("imports/")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(ccm)
    data = csv_bytes(grid("customers", [customer_row(1)]))
    response = client.post(
        "/api/import/",
        {"kind": "customers", "store": store.pk, "file": SimpleUploadedFile("客户.csv", data, "text/csv")},
        format="multipart",
    )
    assert response.status_code == 503 and response.json() == {"detail": MESSAGE}
    assert ImportJob.objects.count() == 0 and files_in(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_files_of_a_committed_transaction_stay_whatever_follows(
    ticket: Any, agent: Any, media_root: Path
) -> None:
    """Committed is committed: an on-commit callback that fails after the commit deletes nothing;
    an error before it deletes what was stored."""
    attachment = ComplaintAttachment(
        complaint=ticket, kind="pdf", content_type="application/pdf", size=len(PDF), uploaded_by=agent
    )

    def later() -> None:
        raise RuntimeError("a callback after the commit")

    with pytest.raises(RuntimeError), atomic_with_files() as files:
        files.save(attachment.file, "kept.pdf", ContentFile(PDF))
        attachment.save()
        transaction.on_commit(later)
    assert ComplaintAttachment.objects.filter(pk=attachment.pk).exists()
    assert files_in(media_root) == [attachment.file.name]

    with pytest.raises(RuntimeError), atomic_with_files() as files:
        files.save(attachment.file, "gone.pdf", ContentFile(PDF))
        raise RuntimeError("before the commit")
    assert files_in(media_root) == [ComplaintAttachment.objects.get().file.name]


# --- the signed agreement of a resolve ---------------------------------------------------------------


@pytest.fixture
def in_progress(ticket: Any, agent: Any, sales_mgr: Any, sales: Any) -> Any:
    """The ticket dispatched to sales and contacted: the sales manager may resolve it."""
    ticket = workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)
    return workflow.complaint_contact(complaint=ticket, actor=sales_mgr, note="客户同意复检")


def test_a_resolve_whose_agreement_finds_the_disk_full_saves_nothing(
    in_progress: Any, sales_mgr: Any, media_root: Path, disk_full: Callable[[str], list[str]]
) -> None:
    """Before: the half-written agreement stayed in MEDIA_ROOT, no row pointing to it."""
    attempted = disk_full("agreements/")
    response = _browser(sales_mgr).post(
        f"/complaints/{in_progress.pk}/resolve/",
        {"result": "客户接受方案", "agreement": SimpleUploadedFile("协议.pdf", PDF, "application/pdf")},
    )
    _says_disk_full(response)
    assert len(attempted) == 1 and files_in(media_root) == []
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS and not in_progress.agreement
    assert not in_progress.events.filter(action="resolve").exists()


def test_a_resolve_through_the_api_answers_503_in_json(
    in_progress: Any, sales_mgr: Any, media_root: Path, disk_full: Callable[[str], list[str]]
) -> None:
    disk_full("agreements/")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(sales_mgr)
    response = client.post(
        f"/api/complaints/{in_progress.pk}/resolve/",
        {"result": "客户接受方案", "agreement": SimpleUploadedFile("协议.pdf", PDF, "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 503 and response.json() == {"detail": MESSAGE}
    assert files_in(media_root) == []
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS and not in_progress.agreement


def test_a_block_inside_another_shares_its_files(ticket: Any, agent: Any, media_root: Path) -> None:
    """The action runner holds the outer block, the resolve service an inner one: a failure after the
    inner block (the outer's commit) deletes the inner's file; an inner failure the outer block
    survives deletes only what the inner one stored."""

    def attachment() -> ComplaintAttachment:
        return ComplaintAttachment(
            complaint=ticket, kind="pdf", content_type="application/pdf", size=len(PDF), uploaded_by=agent
        )

    with pytest.raises(RuntimeError), atomic_with_files():
        with atomic_with_files() as inner:
            inner.save(attachment().file, "inner.pdf", ContentFile(PDF))
        assert len(files_in(media_root)) == 1
        raise RuntimeError("the outer block fails after the inner one")
    assert files_in(media_root) == []

    kept = attachment()
    with atomic_with_files() as outer:
        outer.save(kept.file, "kept.pdf", ContentFile(PDF))
        kept.save()
        with pytest.raises(RuntimeError), atomic_with_files() as inner:
            inner.save(attachment().file, "gone.pdf", ContentFile(PDF))
            raise RuntimeError("the inner block fails")
    assert files_in(media_root) == [kept.file.name]
