"""Rate limits of the public survey page and the SMS reply webhook: each token and each client
address, counted by django-ratelimit in the shared cache (Redis in production; one per process in
the tests)."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest
from django_ratelimit.core import get_usage


def hit(request: HttpRequest, scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one request; False once ``limit`` requests were made in the current window."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no token in a cache key
    usage = get_usage(
        request,
        group=f"surveylinks.{scope}",
        key=lambda _group, _request: digest,
        rate=f"{int(limit)}/{int(window)}s",
        increment=True,
    )
    return not (usage and usage["should_limit"])
