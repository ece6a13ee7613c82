"""Click-to-dial through the store's telephony system (CTI, issue #22).

``settings.CTI_DIAL_URL_TEMPLATE`` (empty: off) is the CTI's dial URL with ``{extension}`` (the
agent's extension, ``StaffProfile.extension``) and ``{number}`` (the customer's mobile), e.g.
``http://cti.local/dial?ext={extension}&number={number}``. Our server calls it (a GET with a short
timeout), not the agent's browser, which may not reach the CTI's network.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from csat.exceptions import ApplicationError

TIMEOUT_SECONDS = 3


def template() -> str:
    return str(getattr(settings, "CTI_DIAL_URL_TEMPLATE", "") or "").strip()


def enabled() -> bool:
    return bool(template())


def extension_of(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return str(getattr(profile, "extension", "") or "").strip()


def dial_url(*, extension: str, number: str) -> str:
    """The template filled in, each value percent-encoded; a broken template is the admin's to fix."""
    quote = lambda value: urllib.parse.quote(value, safe="")  # noqa: E731
    try:
        return template().format(extension=quote(extension), number=quote(number))
    except (KeyError, IndexError, ValueError):
        raise ApplicationError(_("呼叫中心（CTI）拨号地址配置有误，请联系管理员。")) from None


def dial(url: str) -> None:
    """Ask the CTI to dial; any failure (unreachable, timeout, an error status) is an
    ApplicationError with a message for the agent."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ApplicationError(_("呼叫中心（CTI）拨号地址配置有误，请联系管理员。"))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - the admin's CTI URL
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, TimeoutError, OSError):
        raise ApplicationError(_("呼叫中心（CTI）无法连接，未能发起呼叫，请直接用电话拨打。")) from None
    if status >= 300:
        raise ApplicationError(
            _("呼叫中心（CTI）拒绝了呼叫（状态 %(status)s），请直接用电话拨打。") % {"status": status}
        )
