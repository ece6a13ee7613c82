"""The survey-link status on the callbacks pages (the queue reads all its rows' links in one query)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveylinks.models import SurveyLink
from surveylinks.selectors import link_status
from surveylinks.services import can_revoke

register = template.Library()

LABELS: dict[str, tuple[str, Any]] = {
    "invited": ("text-bg-secondary", _("已发送调查链接")),
    "opened": ("text-bg-info", _("客户已打开链接")),
    "answered": ("text-bg-success", _("客户已自助作答")),
    "revoked": ("text-bg-light", _("链接已作废")),
}


@register.simple_tag
def survey_link_states(tasks: Iterable[Any]) -> dict[int, str]:
    """task id → invited / opened / answered / revoked (of its newest link), for a page of tasks."""
    ids = [task.pk for task in tasks]
    states: dict[int, str] = {}
    for link in SurveyLink.objects.filter(task_id__in=ids).order_by("task_id", "created_at", "id"):
        states[link.task_id] = link_status(link)
    return states


@register.simple_tag
def survey_links_of(task: Any) -> list[SurveyLink]:
    return list(SurveyLink.objects.filter(task_id=task.pk).order_by("created_at", "id"))


@register.simple_tag
def can_revoke_links(user: Any) -> bool:
    return can_revoke(user)


@register.filter
def any_open(links: Iterable[SurveyLink]) -> bool:
    """Whether one of the links can still be answered (what the revoke button stops)."""
    now = timezone.now()
    return any(not link.answered_at and not link.revoked_at and link.expires_at > now for link in links)


@register.filter
def link_state(link: SurveyLink) -> str:
    return link_status(link)


@register.filter
def link_state_of(states: dict[int, str], task_id: int) -> str:
    return states.get(task_id, "")


@register.inclusion_tag("surveylinks/_badge.html")
def link_badge(state: str) -> dict[str, str]:
    css, label = LABELS.get(state, ("", ""))
    return {"css": css, "label": str(label)}
