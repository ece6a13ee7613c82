"""Effects of lower apps' events (csat.events) on survey links."""

from __future__ import annotations

import logging
from typing import Any

from csat.exceptions import ApplicationError

log = logging.getLogger(__name__)


def invite_unreachable(sender: Any, *, task_id: int, store_id: int, **kwargs: Any) -> None:
    """A task became unreachable by phone: the customer gets a survey link by SMS (DOMAIN §4 suggests
    a letter/SMS survey). Refusals (do-not-contact, opted out, already invited) change nothing."""
    from surveylinks.models import Trigger
    from surveylinks.services import survey_link_invite

    try:
        survey_link_invite(task=task_id, actor=None, trigger=Trigger.UNREACHABLE)
    except ApplicationError as exc:
        log.info("no survey link for task %s: %s", task_id, exc)
