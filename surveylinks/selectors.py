"""Reads of the survey links: the masked plate, the queue's link status, the report figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from callbacks.models import LINK_CHANNELS, Survey
from csat.domain.privacy import mask_plate  # the one plate mask (csat.domain.privacy)
from surveylinks.models import SendState, SurveyLink

__all__ = ["link_figures", "link_status", "mask_plate", "surveys_by_channel"]


def link_status(link: SurveyLink | None) -> str:
    """invited / opened / answered (or revoked) for the agent's queue and call page."""
    if link is None:
        return ""
    if link.answered_at:
        return "answered"
    if link.revoked_at:
        return "revoked"
    if link.opened_at:
        return "opened"
    return "invited"


def link_figures(*, store_ids: list[int] | None, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The links made in [start, end): invited, sent, opened, answered, and the open/answer rates."""
    links = SurveyLink.objects.filter(created_at__gte=start, created_at__lt=end)
    if store_ids is not None:
        links = links.filter(store_id__in=store_ids)
    row = links.aggregate(
        invited=Count("id"),
        sent=Count("id", filter=Q(send_state=SendState.SENT) | Q(send_state=SendState.NOT_SENT)),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
    )
    delivered = row["sent"] or 0
    row["open_rate"] = round(row["opened"] / delivered, 4) if delivered else None
    row["answer_rate"] = round(row["answered"] / delivered, 4) if delivered else None
    return row


def surveys_by_channel(
    *, store_ids: list[int] | None, start: dt.datetime, end: dt.datetime
) -> dict[str, int]:
    surveys = Survey.objects.filter(surveyed_at__gte=start, surveyed_at__lt=end)
    if store_ids is not None:
        surveys = surveys.filter(store_id__in=store_ids)
    row = surveys.aggregate(
        phone=Count("id", filter=~Q(channel__in=LINK_CHANNELS)),
        link=Count("id", filter=Q(channel__in=LINK_CHANNELS)),
    )
    return {"phone": row["phone"], "link": row["link"]}
