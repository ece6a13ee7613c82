"""Uploaded files (signed complaint agreements, attachments of tickets and crisis cases): one
validator, random stored names, served only through a view that has checked the record's access rules.

- ``validate_upload``: the one check for pages (Django form field) and API (DRF serializer field
  — DRF turns a Django ``ValidationError`` into a 400 with the field's error): a size limit, and a
  type judged by the file's first bytes, never its name or the browser's content type.
  ``validate_agreement`` (PDF, JPEG, PNG up to ``AGREEMENT_MAX_BYTES``) and ``validate_attachment``
  (photos, PDF, call recordings up to ``settings.ATTACHMENT_MAX_BYTES``; issue #22) are its two uses.
- ``thumbnail_for``: a small JPEG of an image (Pillow), which also proves the image decodes.
- ``stored_name``: a uuid and the extension the content decided; no client file name reaches the
  disk or a URL, and no name can be guessed from a ticket number.
- ``protected_file_response``: never a ``MEDIA_URL`` link. The caller has already found the record
  through its access-scoped selector (404 otherwise); the file then goes out as an attachment with
  ``X-Content-Type-Options: nosniff``, streamed by Django (``FileResponse``) or, when
  ``PROTECTED_MEDIA_HEADER`` names one, handed to the web server: ``X-Accel-Redirect`` (nginx, an
  ``internal`` location at ``PROTECTED_MEDIA_PREFIX`` aliasing ``MEDIA_ROOT``) or ``X-Sendfile``
  (Apache mod_xsendfile, lighttpd: the absolute path).
- ``atomic_with_files``: a transaction whose stored files are deleted again when it does not commit
  (a full disk half-way through a write, a database refusing the row), so no orphan stays in
  ``MEDIA_ROOT``; the error page names a full disk (``csat.errors.failure_message``).
"""

from __future__ import annotations

import io
import logging
import mimetypes
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

AGREEMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_BYTES = (
    10 * 1024 * 1024
)  # default of settings.ATTACHMENT_MAX_BYTES (the request limit is 12 MB)
THUMBNAIL_SIZE = (240, 240)


class FileType(NamedTuple):
    extension: str
    content_type: str
    kind: str  # "image", "pdf", "audio"
    label: str
    names: frozenset[str]  # the extensions a file of this type is named with


PDF = FileType("pdf", "application/pdf", "pdf", "PDF", frozenset({"pdf"}))
JPEG = FileType("jpg", "image/jpeg", "image", "JPG", frozenset({"jpg", "jpeg", "jpe", "jfif"}))
PNG = FileType("png", "image/png", "image", "PNG", frozenset({"png"}))
WEBP = FileType("webp", "image/webp", "image", "WebP", frozenset({"webp"}))
MP3 = FileType("mp3", "audio/mpeg", "audio", "MP3", frozenset({"mp3"}))
M4A = FileType("m4a", "audio/mp4", "audio", "M4A", frozenset({"m4a", "m4b", "mp4", "aac", "3gp", "3ga"}))
AMR = FileType("amr", "audio/amr", "audio", "AMR", frozenset({"amr", "3ga"}))
WAV = FileType("wav", "audio/wav", "audio", "WAV", frozenset({"wav", "wave"}))

AGREEMENT_TYPES = (PDF, JPEG, PNG)  # what a scanned, signed agreement may be
# Photos from a phone camera, receipts and documents, call recordings (issue #22). No office
# documents (macros), no HEIC (phone browsers hand the camera's photo over as JPEG).
ATTACHMENT_TYPES = (PDF, JPEG, PNG, WEBP, MP3, M4A, AMR, WAV)
_M4A_BRANDS = (b"M4A ", b"M4B ", b"mp42", b"isom", b"3gp4", b"3gp5")
_HEADERS = ("", "X-Accel-Redirect", "X-Sendfile")


def _sniff(head: bytes) -> FileType | None:
    """The type the first bytes say, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"#!AMR"):
        return AMR
    if head[4:8] == b"ftyp" and head[8:12] in _M4A_BRANDS:
        return M4A
    # An ID3 tag, or an MPEG audio frame: 11 sync bits, layer III (the JPEG marker FF D8 is not one).
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return MP3
    return None


def file_type(upload: Any, allowed: tuple[FileType, ...] = ATTACHMENT_TYPES) -> FileType | None:
    """The type the content says, if it is one of ``allowed``; the stream is rewound."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = _sniff(head)
    return found if found in allowed else None


def document_type(upload: Any) -> str | None:
    """The extension the content says for an agreement ("pdf", "jpg", "png"), or None."""
    found = file_type(upload, AGREEMENT_TYPES)
    return found.extension if found else None


def validate_upload(
    upload: Any, *, allowed: tuple[FileType, ...], max_bytes: int, name_must_match: bool = False
) -> FileType:
    """Size first (cheap), then the type by content; returns the type. With ``name_must_match``, a
    file named as another known type (a PNG called ``.pdf``) is refused too: the name is what the
    people who open it later go by. Names without a known extension are judged by content alone."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("文件不能超过 %(mb)d MB。") % {"mb": max_bytes // (1024 * 1024)}, code="too_large"
        )
    if not upload.size:
        raise ValidationError(_("文件为空。"), code="empty")
    found = file_type(upload, allowed)
    if found is None:
        names = _("、").join(dict.fromkeys(t.label for t in allowed))
        raise ValidationError(
            _("只支持 %(types)s 文件（按文件内容判断，与文件名无关）。") % {"types": names}, code="file_type"
        )
    if name_must_match:
        suffix = Path(getattr(upload, "name", "") or "").suffix.lower().lstrip(".")
        known = {name for kind in ATTACHMENT_TYPES for name in kind.names}
        if suffix in known and suffix not in found.names:
            raise ValidationError(
                _("文件内容是 %(content)s，与文件名后缀 .%(suffix)s 不符，请检查后重新上传。")
                % {"content": found.label, "suffix": suffix},
                code="name_mismatch",
            )
    return found


def validate_agreement(upload: Any) -> None:
    validate_upload(upload, allowed=AGREEMENT_TYPES, max_bytes=AGREEMENT_MAX_BYTES)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES))


def validate_attachment(upload: Any) -> None:
    """Photos, PDF and call recordings; an image must also decode (a thumbnail is made of it)."""
    attachment_type(upload)


def attachment_type(upload: Any) -> FileType:
    """``validate_attachment``, returning the type it found."""
    found = validate_upload(
        upload, allowed=ATTACHMENT_TYPES, max_bytes=attachment_max_bytes(), name_must_match=True
    )
    if found.kind == "image" and thumbnail_for(upload) is None:
        raise ValidationError(_("图片无法打开，文件可能已损坏。"), code="broken_image")
    return found


def thumbnail_for(upload: Any) -> bytes | None:
    """A small JPEG of an image (None when the file is no image Pillow can decode); rewound."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.width * image.height > Image.MAX_IMAGE_PIXELS:  # type: ignore[operator]
                return None  # a decompression bomb is no photo
            image.draft("RGB", THUMBNAIL_SIZE)
            small = ImageOps.exif_transpose(image).convert("RGB")  # phone photos: the camera's rotation
            small.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            small.save(out, "JPEG", quality=80)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return out.getvalue()


def stored_name(upload: Any, allowed: tuple[FileType, ...] = AGREEMENT_TYPES) -> str:
    """A random name with the extension the content decided."""
    found = file_type(upload, allowed)
    return f"{uuid.uuid4().hex}.{found.extension if found else 'bin'}"


def protected_file_response(field_file: Any, *, download_name: str) -> HttpResponse | FileResponse:
    """The file of an access-checked record, as an attachment; 404 when it is missing."""
    if not field_file or not field_file.storage.exists(field_file.name):
        raise Http404
    header = getattr(settings, "PROTECTED_MEDIA_HEADER", "")
    if header not in _HEADERS:
        raise ImproperlyConfigured(f"PROTECTED_MEDIA_HEADER must be one of {_HEADERS}")
    content_type = mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    response: HttpResponse | FileResponse
    if header:
        response = HttpResponse(content_type=content_type)
        if header == "X-Accel-Redirect":
            prefix = getattr(settings, "PROTECTED_MEDIA_PREFIX", "/protected-media/")
            response[header] = prefix.rstrip("/") + "/" + quote(field_file.name)
        else:
            response[header] = str(Path(field_file.path).resolve())
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
    else:
        response = FileResponse(
            field_file.open("rb"), as_attachment=True, filename=download_name, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class StoredFiles:
    """The files one operation stores (``save``), to delete again when it fails (``atomic_with_files``)."""

    def __init__(self) -> None:
        self._names: list[tuple[Storage, str]] = []
        self.kept = False

    def save(self, field_file: FieldFile, name: str, content: Any) -> None:
        """``field_file.save(name, content, save=False)``, the stored name noted before the write: a
        disk that holds only half the file leaves it under that name (Django's storage does not remove
        it), and it is deleted too. A name taken before (never, with random names) is not noted."""
        storage, field = field_file.storage, field_file.field
        target = field.generate_filename(field_file.instance, name)
        if not storage.exists(target):
            self._names.append((storage, target))
        field_file.name = storage.save(target, content, max_length=field.max_length)
        if field_file.name != target:
            self._names.append((storage, field_file.name))
        setattr(field_file.instance, field.attname, field_file.name)

    def keep(self) -> None:
        self.kept = True

    def delete(self, since: int = 0) -> None:
        """Delete the files stored from the ``since``-th on (all by default), and forget them."""
        for storage, name in self._names[since:]:
            try:
                storage.delete(name)
            except OSError:
                log.exception("could not delete the stored file %s of a failed upload", name)
        del self._names[since:]


# The files of the outermost ``atomic_with_files`` block running in this thread (or task).
_open_files: ContextVar[StoredFiles | None] = ContextVar("stored_files", default=None)


@contextmanager
def atomic_with_files() -> Iterator[StoredFiles]:
    """``transaction.atomic()`` whose files, stored through the ``StoredFiles`` it yields, are deleted
    when it does not commit: an exception in the block (a full disk mid-write, a refused row) or at
    its commit. Django has no on-rollback hook; the first on-commit callback marks the files kept,
    so a later callback's error deletes nothing.

    A block inside another one (a service that stores a file, called by an action runner that holds
    the transaction) is a savepoint sharing the outer block's files: its error deletes what it
    stored, and whatever the outer block stored is deleted if the outer one does not commit. Inside
    a plain outer ``transaction.atomic()``, a rollback of that one after this block is not seen (its
    files stay): callers that store files hold the outermost block themselves."""
    outer = _open_files.get()
    if outer is not None:
        since = len(outer._names)
        try:
            with transaction.atomic():
                yield outer
        except BaseException:
            outer.delete(since)
            raise
        return
    files = StoredFiles()
    token = _open_files.set(files)
    try:
        with transaction.atomic():
            transaction.on_commit(files.keep)
            yield files
    except BaseException:
        if not files.kept:
            files.delete()
        raise
    finally:
        _open_files.reset(token)
