"""Celery entry points of the reports app.

Beat (config/settings/base.py) runs ``build_monthly_report`` on the 28th for the current month, so
departments have it before the 30th — again at 12:00, 18:00 and on the 29th —, and on the 1st for the month just closed — then again every
six hours until the 3rd, so a 1st that beat missed is caught up. Each scope's build carries a run
key, so a second run — or a second worker — builds nothing new and tells no one again.

A scope whose build fails (the disk full at 02:00 on the 1st) does not stop the others, and the task
is retried with backoff for about two days: the retry builds only the scopes still missing (their
run keys are free) and tells each reader once (``reports.services.publication_key``). The retry
names the month it was for, so a retry after midnight of the next month still builds that month.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task, shared_task
from django.conf import settings
from django.utils import translation

from csat.models import Store
from reports import selectors
from reports.models import Trigger
from reports.services import report_build

log = logging.getLogger(__name__)

WHICH = ("current", "previous")
# Retries of a run in which a scope failed: 5, 10, 20 … minutes, at most 6 hours apart, 12 of them
# (about 40 hours: a full disk on the 1st at 02:00 is caught up once there is room again).
RETRY_FIRST_SECONDS = 300
RETRY_MAX_SECONDS = 6 * 3600
MAX_RETRIES = 12


def retry_countdown(retries: int) -> int:
    """Seconds before the retry that follows ``retries`` earlier ones."""
    return min(RETRY_FIRST_SECONDS * 2**retries, RETRY_MAX_SECONDS)


def run_key(which: str, month: dt.date, scope: str) -> str:
    return f"beat:{which}:{month:%Y-%m}:{scope}"


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def build_monthly_report(self: Task, which: str = "current", month: str | None = None) -> list[int]:
    """Build the group's and every store's report; returns the report ids (existing ones included).

    A scope that fails is logged and left for the retry; the others are built all the same."""
    if which not in WHICH:
        raise ValueError(f"which must be one of {WHICH}, got {which!r}")
    if month:
        target = selectors.parse_month(month)
    else:
        target = selectors.current_month()
        if which == "previous":
            target = selectors.previous_month(target)
    ids: list[int] = []
    failed: list[str] = []
    error: Exception | None = None
    with translation.override(settings.LANGUAGE_CODE):
        try:
            stores: list[Store | None] = [None, *Store.objects.order_by("code")]
        except Exception as exc:  # noqa: BLE001 - the database down at 02:00: retried below
            log.exception("monthly report %s %s: the stores could not be read", which, f"{target:%Y-%m}")
            stores, failed, error = [], ["*"], exc
        for store in stores:
            scope = selectors.scope_of(store)
            try:
                report = report_build(
                    month=target, store=store, trigger=Trigger.BEAT, run_key=run_key(which, target, scope)
                )
            except Exception as exc:  # noqa: BLE001 - logged, the other scopes go on, retried below
                log.exception("monthly report %s %s: scope %s failed", which, f"{target:%Y-%m}", scope)
                failed.append(scope)
                error = exc
                continue
            ids.append(report.pk)
    log.info("monthly report %s %s: %s reports", which, f"{target:%Y-%m}", len(ids))
    if error is None:
        return ids
    retries = self.request.retries
    if retries >= MAX_RETRIES:
        log.error(
            "monthly report %s %s: %s still not built after %s retries, given up",
            which,
            f"{target:%Y-%m}",
            ", ".join(failed),
            retries,
        )
        raise error
    countdown = retry_countdown(retries)
    log.warning(
        "monthly report %s %s: %s not built, retry %s of %s in %s s",
        which,
        f"{target:%Y-%m}",
        ", ".join(failed),
        retries + 1,
        MAX_RETRIES,
        countdown,
    )
    raise self.retry(kwargs={"which": which, "month": f"{target:%Y-%m}"}, countdown=countdown, exc=error)


@shared_task(ignore_result=True)
def refresh_dashboard_figures(month: str, store_id: int | None, language: str) -> None:
    """Recompute the report dashboard's cached figures of one month and scope (issue #25)."""
    from reports import dashboard

    dashboard.refresh(month, store_id, language)
