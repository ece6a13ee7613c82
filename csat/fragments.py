"""Rendered pages kept under a revision token (issue #25): the ticket page costs 15–80 ms to build
(a dozen queries, the action forms, the history) and is read far more often than the ticket
changes. A page is kept whole — navigation and the user's name included — per user, language,
time zone and address under the token of every table it reads (``csat.revisions``): any write to
one of them replaces the token, so a kept page is never older than the last write. What a page
shows of the clock is bounded by a validity time its builder gives (a form that opens at a given
minute, at most a minute for the countdowns, which countdown.js keeps current anyway).

Per-request values never enter the cache: the CSRF token and the navigation's unread badge are
rendered as placeholders and the request's own are put in on the way out; a request with flashed
messages gets a page built for it alone. A deployment (code, templates, static manifest, business
settings) changes the key too, so a new release never serves an old release's markup.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from csat import caching, revisions

# What {% csrf_token %} and {{ csrf_token }} render inside a kept part; never a valid token
# (tokens are 32 or 64 letters and digits).
CSRF_PLACEHOLDER = "csrf-placeholder-kept-fragment"
# Where a kept page's unread-notification badge goes (the navigation renders it in a build).
UNREAD_PLACEHOLDER = "<!--unread-placeholder-kept-fragment-->"
# At most this long, whatever the builder says: countdown texts are rendered server-side first.
MAX_SECONDS = 60

_release: str | None = None


@dataclass(frozen=True)
class Part:
    """A built part: its markup, until when the clock leaves it right (Unix time, None: at most
    ``MAX_SECONDS``), and what the page around it needs from the build."""

    html: str
    until: float | None = None
    meta: Any = None


def release() -> str:
    """A digest of what a deployment changes: the project's code, templates and translations (file
    sizes and times, read once per process), the static manifest, and settings.CSAT (every call)."""
    global _release
    if _release is None:
        digest = hashlib.sha256()
        base = Path(settings.BASE_DIR)
        roots = [path for path in base.iterdir() if (path / "__init__.py").exists()]
        roots += [base / "templates", base / "locale"]
        for root in sorted(roots):
            if root.name in ("bench", "tests"):
                continue
            for path in sorted(root.rglob("*")):
                if path.suffix in (".py", ".html", ".mo"):
                    stat = path.stat()
                    digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        if settings.STATIC_ROOT and (manifest := Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            digest.update(str(manifest.stat().st_mtime_ns).encode())
        _release = digest.hexdigest()[:12]
    business = hashlib.sha256(repr(sorted(settings.CSAT.items())).encode()).hexdigest()[:8]
    return f"{_release}{business}"


def kept(
    request: HttpRequest,
    *,
    revision: str,
    key: str,
    build: Callable[[str], Part],
) -> tuple[SafeString, Any]:
    """The part named ``key`` for this request's user, language and time zone, and what its
    builder said of it (``Part.meta``: the page's title, say): kept while the tables of
    ``revision`` are unchanged, else ``build(csrf_token)`` built, kept and returned. ``build``
    renders with the given CSRF token and raises (Http404, PermissionDenied) when the user may not
    see the part, so a kept part proves the user could see it at this revision; ``key`` must name
    everything else the part depends on (the record, the query string)."""
    user = getattr(request, "user", None)
    full = ":".join(
        (
            "fragment",
            release(),
            revision,
            key,
            str(getattr(user, "pk", "") or ""),
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
        )
    )
    # The token and the part kept for it, in one round trip (the token read before building).
    current = revisions.current(revision, full)
    if current is None:  # no cache: build for this request only
        part = build(get_token(request))
        return mark_safe(part.html), part.meta  # noqa: S308 - rendered by the template engine
    token, found = current
    now = time.time()
    if found is not None and found[1] > now:
        html, meta = found[0], found[2]
    else:
        part = build(CSRF_PLACEHOLDER)
        html, meta = part.html, part.meta
        until = min(part.until if part.until is not None else now + MAX_SECONDS, now + MAX_SECONDS)
        if until > now:
            caching.keep(full, (token, (html, until, meta)), max(1, int(until - now) + 1))
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request))), meta  # noqa: S308


def render_page(
    request: HttpRequest,
    template_name: str,
    *,
    revision: str,
    context: Callable[[], dict[str, Any]],
    until: Callable[[dict[str, Any]], float | None] | None = None,
) -> HttpResponse:
    """``template_name`` kept whole (``kept``) under the revision of the tables it reads, per user,
    language and full path: the navigation and the user's name too (the revisions watch the users,
    profiles, stores and departments), so a kept page renders no template at all. What changes per
    request is put in on the way out: the CSRF token and the unread-notification badge (kept per
    user under its own revision). A request with flashed messages gets a page built for it alone
    (they are shown once). ``context()`` is called only to build; its ``status`` (200 when absent)
    is kept with the page. ``until(values)``, given what ``context()`` returned, bounds a page that
    reads the clock: the next moment it would change without a write."""
    if len(messages.get_messages(request)):
        values = context()
        return render(request, template_name, values, status=values.get("status", 200))

    def build(csrf_token: str) -> Part:
        values = context()
        values["csrf_token"] = csrf_token
        # The navigation renders the badge's placeholder (csat.context_processors.navigation).
        request.kept_build = True  # type: ignore[attr-defined]
        try:
            html = render_to_string(template_name, values, request)
        finally:
            del request.kept_build  # type: ignore[attr-defined]
        return Part(html, until(values) if until else None, values.get("status", 200))

    page, status = kept(request, revision=revision, key=f"page:{request.get_full_path()}", build=build)
    return HttpResponse(page.replace(UNREAD_PLACEHOLDER, unread_badge(request.user)), status=status)


def unread_count(user: Any) -> int:
    """How many of ``user``'s notifications are unread, kept under the revision of the notifications
    (the badge and the inbox's unread tab ask it on every page: one count until the next change)."""
    from csat.models import Notification

    return revisions.revision_cached(
        "notifications",
        f"unread:{user.pk}",
        lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    )


def unread_badge(user: Any) -> str:
    """The navigation's unread-notification badge of ``user`` (nothing when none is unread)."""
    count = unread_count(user)
    if not count:
        return ""
    return str(
        format_html(
            '<span class="badge rounded-pill text-bg-danger ms-1" data-testid="unread-count">{}</span>', count
        )
    )
