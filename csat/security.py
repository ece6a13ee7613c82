"""Sign-in protection helpers: the client address django-axes locks out on."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies.

    With ``TRUSTED_PROXY_COUNT`` = 0 (no proxy) the header is ignored, so a direct client cannot
    spoof it. With N proxies, each proxy appends the address it saw: the N-th entry from the right
    was written by our outermost proxy; whatever a client put further left is not trusted.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote  # not (fully) behind our proxies: the socket address is the truth
    return _valid_ip(forwarded[-proxies]) or remote


# django-axes stores the username of every attempt in a varchar(255): a longer one (a hostile
# sign-in) raises DataError on PostgreSQL, and the user would see "the database is unavailable".
AXES_USERNAME_MAX = 255


def client_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username axes records and locks out on: axes' own lookup (the credentials, else the
    posted form or API data), cut to its column's length."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        value = credentials.get(field)
    else:
        data: Any = getattr(request, "data", None)  # a DRF request's parsed body
        value = (data if hasattr(data, "get") else request.POST).get(field)
    return None if value is None else str(value)[:AXES_USERNAME_MAX]
