"""Uploaded documents (signed complaint agreements): one validator, random stored names, served
only through a view that has checked the record's access rules.

- ``validate_agreement``: the one check for pages (Django form field) and API (DRF serializer field
  — DRF turns a Django ``ValidationError`` into a 400 with the field's error): at most
  ``AGREEMENT_MAX_BYTES``, and a PDF, JPEG or PNG judged by the file's first bytes, not its name.
- ``stored_name``: a uuid and the extension the content decided; no client file name reaches the
  disk or a URL, and no name can be guessed from a ticket number.
- ``protected_file_response``: never a ``MEDIA_URL`` link. The caller has already found the record
  through its access-scoped selector (404 otherwise); the file then goes out as an attachment with
  ``X-Content-Type-Options: nosniff``, streamed by Django (``FileResponse``) or, when
  ``PROTECTED_MEDIA_HEADER`` names one, handed to the web server: ``X-Accel-Redirect`` (nginx, an
  ``internal`` location at ``PROTECTED_MEDIA_PREFIX`` aliasing ``MEDIA_ROOT``) or ``X-Sendfile``
  (Apache mod_xsendfile, lighttpd: the absolute path).
"""

from __future__ import annotations

import mimetypes
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

AGREEMENT_MAX_BYTES = 10 * 1024 * 1024
# (magic bytes, extension, content type): what a scanned, signed agreement may be.
_DOCUMENT_TYPES = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
_HEADERS = ("", "X-Accel-Redirect", "X-Sendfile")


def document_type(upload: Any) -> str | None:
    """The extension the content says ("pdf", "jpg", "png"), or None; the stream is rewound."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, extension, _content_type in _DOCUMENT_TYPES:
        if head.startswith(magic):
            return extension
    return None


def validate_agreement(upload: Any) -> None:
    """Size first (cheap), then the type by content."""
    if upload.size is not None and upload.size > AGREEMENT_MAX_BYTES:
        raise ValidationError(
            _("文件不能超过 %(mb)d MB。") % {"mb": AGREEMENT_MAX_BYTES // (1024 * 1024)}, code="too_large"
        )
    if document_type(upload) is None:
        raise ValidationError(_("只支持 PDF、JPG、PNG 文件（按文件内容判断）。"), code="file_type")


def stored_name(upload: Any) -> str:
    """A random name with the extension the content decided."""
    return f"{uuid.uuid4().hex}.{document_type(upload) or 'bin'}"


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
