"""The agent's home (csat.home): due today, overdue, my booked call-backs and my numbers today, each
linking to the work queue kept to that part (or to the dashboard)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from callbacks import selectors
from callbacks.selectors.figures import day_bounds, my_day_figures
from csat.home import Tile, register_home_tiles
from csat.models import Role


def queue_url(**query: Any) -> str:
    return reverse("callbacks:index") + "?" + urlencode(query)


def agent_tiles(user: Any, now: dt.datetime) -> Iterable[Tile]:
    today, _tomorrow = day_bounds(now)
    counts = selectors.work_queue(user=user, now=now).aggregate(
        today=Count("pk", filter=Q(callback_later_at__isnull=True, due_at__gte=today)),
        overdue=Count("pk", filter=Q(callback_later_at__isnull=True, due_at__lt=today)),
    )
    booked = selectors.work_queue(user=user, now=now, due="booked", agent=user.pk).count()
    mine = my_day_figures(agent=user, now=now)
    yield Tile("due_today", _("今日到期"), counts["today"], queue_url(due="today"))
    yield Tile(
        "overdue", _("已逾期"), counts["overdue"], queue_url(due="overdue"),
        tone="danger" if counts["overdue"] else "",
    )  # fmt: skip
    yield Tile(
        "booked", _("我的约定回拨"), booked, queue_url(due="booked", agent=user.pk),
        tone="warning" if booked else "",
    )  # fmt: skip
    dashboard = reverse("callbacks:dashboard")
    yield Tile("my_calls", _("今日拨打"), mine["calls"], dashboard, group=_("我的今日数字"))
    yield Tile("my_surveys", _("今日完成调查"), mine["surveys"], dashboard, group=_("我的今日数字"))


def register() -> None:
    register_home_tiles([Role.AGENT], agent_tiles)
