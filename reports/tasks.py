"""Celery entry points of the reports app.

Beat (config/settings/base.py) runs ``build_monthly_report`` on the 28th for the current month, so
departments have it before the 30th, and on the 1st for the month just closed. Each scope's build
carries a run key, so a second run — or a second worker — builds nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation

from csat.models import Store
from reports import selectors
from reports.models import Trigger
from reports.services import report_build

log = logging.getLogger(__name__)

WHICH = ("current", "previous")


def run_key(which: str, month: dt.date, scope: str) -> str:
    return f"beat:{which}:{month:%Y-%m}:{scope}"


@shared_task(acks_late=True, ignore_result=True)
def build_monthly_report(which: str = "current", month: str | None = None) -> list[int]:
    """Build the group's and every store's report; returns the report ids (existing ones included)."""
    if which not in WHICH:
        raise ValueError(f"which must be one of {WHICH}, got {which!r}")
    if month:
        target = selectors.parse_month(month)
    else:
        target = selectors.current_month()
        if which == "previous":
            target = selectors.previous_month(target)
    ids = []
    with translation.override(settings.LANGUAGE_CODE):
        for store in [None, *Store.objects.order_by("code")]:
            scope = selectors.scope_of(store)
            report = report_build(
                month=target, store=store, trigger=Trigger.BEAT, run_key=run_key(which, target, scope)
            )
            ids.append(report.pk)
    log.info("monthly report %s %s: %s reports", which, f"{target:%Y-%m}", len(ids))
    return ids


@shared_task(ignore_result=True)
def refresh_dashboard_figures(month: str, store_id: int | None, language: str) -> None:
    """Recompute the report dashboard's cached figures of one month and scope (issue #25)."""
    from reports import dashboard

    dashboard.refresh(month, store_id, language)
