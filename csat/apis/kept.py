"""API lists kept whole under a revision token (issue #25), like the pages of ``csat.fragments``:
the JSON of one list is read far more often than the tables it reads change. Kept per user,
language and absolute address (the paging links name the host), as rendered; a write to any table
of the revision replaces the token, so a kept list is never older than the last write. Only
lists that read no clock, and only JSON (the browsable API is rendered per request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils import translation
from rest_framework.response import Response

from csat import revisions
from csat.fragments import release


def kept_json(request: Any, view: Any, *, revision: str, build: Callable[[], Response]) -> Any:
    """``build()``'s response, kept rendered (``revisions.revision_cached``) while the tables of
    ``revision`` are unchanged."""
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or renderer.format != "json":
        return build()
    key = ":".join(
        (
            "api",
            release(),
            str(request.user.pk),
            translation.get_language() or "",
            request.accepted_media_type,
            request.build_absolute_uri(),  # a long one is stored by its digest (csat.caching)
        )
    )
    # A refused filter or a bad cursor raises before anything is kept; a list that builds is a 200.
    body = revisions.revision_cached(revision, key, lambda: _rendered(request, view, build()))
    return HttpResponse(body, content_type=renderer.media_type)


def _rendered(request: Any, view: Any, response: Response) -> bytes:
    context = {"view": view, "request": request, "response": response}
    return bytes(request.accepted_renderer.render(response.data, request.accepted_media_type, context))
