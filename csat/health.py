"""Liveness of what the app depends on, for ``/healthz``: database, broker and beat; and warnings an
admin should see (an unconfirmed holiday schedule, notifications the mail server or robot did not take).

Every check is bounded (short timeouts) so a dead dependency makes the probe fail fast instead of
hanging it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from csat.selectors import calendar_unconfirmed_year, delivery_backlog

CHECK_TIMEOUT_SECONDS = 1.5


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not ok"
        return False


def broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        # The embedded broker is a folder: ok when it is there and writable.
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        return folder.is_dir() and os.access(folder, os.W_OK)
    try:
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001
        return False


def beat_status() -> dict[str, Any]:
    """Beat is alive when it recorded a run recently.

    django-celery-beat's DatabaseScheduler writes ``last_run_at`` of each periodic task it sends
    (``CELERY_BEAT_SYNC_EVERY = 1``; the deadline sweep runs every minute), so a newest
    ``last_run_at`` older than ``HEALTH_BEAT_MAX_AGE`` means beat is down. This needs no worker and
    no Redis, unlike a heartbeat key a task would write.

    Every ``CELERY_BEAT_SCHEDULE`` entry must also exist as a periodic task: ``missing`` names the
    ones beat would never send (e.g. the closed month's report), and any makes beat not ok.
    """
    from django.db.models import Max
    from django_celery_beat.models import PeriodicTask

    from csat.beat import missing_entries

    try:
        last_run = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
        missing = missing_entries()
    except Exception:  # noqa: BLE001
        return {"last_run": None, "ok": False}
    max_age = timedelta(seconds=settings.HEALTH_BEAT_MAX_AGE)
    ok = last_run is not None and timezone.now() - last_run <= max_age and not missing
    return {"last_run": last_run.isoformat() if last_run else None, "missing": missing, "ok": ok}


def health(*, skip: frozenset[str] = frozenset()) -> tuple[dict[str, Any], bool]:
    """The report and whether everything checked is ok; ``skip`` leaves checks out (e.g. beat)."""
    report: dict[str, Any] = {}
    if "database" not in skip:
        report["database"] = database_ok()
    if "broker" not in skip:
        report["broker"] = broker_ok()
    if "beat" not in skip:
        report["beat"] = beat_status() if report.get("database", True) else {"last_run": None, "ok": False}
    ok = all(value["ok"] if isinstance(value, dict) else value for value in report.values())
    # Warnings, not failures (the status stays 200: the app works, a load balancer must keep it): a
    # year the timers need is unconfirmed; notifications wait on a mail server or robot, or were
    # given up.
    database = report.get("database", True)
    report["warnings"] = calendar_warnings() if database else []
    if "deliveries" not in skip and database:
        backlog = deliveries_status()
        if backlog is not None:
            report["deliveries"] = backlog
            report["warnings"] += delivery_warnings(backlog)
    return report, ok


def deliveries_status() -> dict[str, int] | None:
    """Counts of notification deliveries unsent for over an hour and given up in the last 7 days."""
    try:
        return delivery_backlog()
    except Exception:  # noqa: BLE001 - the probe reports, never crashes
        return None


def delivery_warnings(backlog: dict[str, int]) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = []
    if backlog["unsent_over_1h"]:
        warnings.append(
            {
                "code": "deliveries_unsent",
                "count": backlog["unsent_over_1h"],
                "message": f"{backlog['unsent_over_1h']} notification e-mails/robot messages unsent for over an hour",
            }
        )
    if backlog["given_up_7d"]:
        warnings.append(
            {
                "code": "deliveries_given_up",
                "count": backlog["given_up_7d"],
                "message": f"{backlog['given_up_7d']} notification e-mails/robot messages given up in the last 7 days",
            }
        )
    return warnings


def calendar_warnings() -> list[dict[str, Any]]:
    """DOMAIN §9: an unconfirmed year (this one, or from 1 November the next) is on ``/healthz``."""
    try:
        year = calendar_unconfirmed_year()
    except Exception:  # noqa: BLE001 - the probe reports, never crashes
        return []
    if year is None:
        return []
    return [
        {
            "code": "calendar_unconfirmed",
            "year": year,
            "message": f"holiday schedule for {year} not confirmed",
        }
    ]
