"""Sign-in protection helpers: the client address django-axes locks out on."""

from __future__ import annotations

import ipaddress

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
