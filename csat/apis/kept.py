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

from csat import caching, revisions
from csat.fragments import release


def kept_json(request: Any, view: Any, *, revision: str, build: Callable[[], Response]) -> Any:
    """``build()``'s response, kept rendered while the tables of ``revision`` are unchanged.
    ``build`` raises (a refused filter, a bad cursor) before anything is kept."""
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or renderer.format != "json":
        return build()
    key = ":".join(
        (
            revision,
            "api",
            release(),
            str(request.user.pk),
            translation.get_language() or "",
            request.accepted_media_type,
            request.build_absolute_uri(),
        )
    )
    found = revisions.current(revision, key)
    if found is not None and found[1] is not None:
        status, body = found[1]
        return HttpResponse(body, status=status, content_type=renderer.media_type)
    response = build()
    body = renderer.render(
        response.data, request.accepted_media_type, {"view": view, "request": request, "response": response}
    )
    if found is not None and response.status_code == 200:
        caching.keep(key, (found[0], (response.status_code, body)), revisions.TTL_SECONDS)
    return HttpResponse(body, status=response.status_code, content_type=renderer.media_type)
