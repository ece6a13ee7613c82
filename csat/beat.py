"""The beat schedule in the database: every ``CELERY_BEAT_SCHEDULE`` entry is a PeriodicTask row.

django-celery-beat's DatabaseScheduler writes the entries itself when beat starts, but one failed
write there ("database is locked" on SQLite while the worker wrote notifications) is only logged,
and the entry is missing until beat restarts — the report due on the 1st was never built. So the
rows are also written after every ``migrate`` (a ``post_migrate`` handler, idempotent: update or
create by name), and ``/healthz`` reports an entry that is missing.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from celery import schedules
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


def _schedule_fields(schedule: Any, using: str) -> dict[str, Any]:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    fields: dict[str, Any] = {"interval": None, "crontab": None, "solar": None, "clocked": None}
    schedule = schedules.maybe_schedule(schedule)
    if isinstance(schedule, schedules.crontab):
        spec = {
            "minute": schedule._orig_minute,
            "hour": schedule._orig_hour,
            "day_of_week": schedule._orig_day_of_week,
            "day_of_month": schedule._orig_day_of_month,
            "month_of_year": schedule._orig_month_of_year,
            # What beat itself writes (the Celery app's time zone), so the two never disagree.
            "timezone": ZoneInfo(settings.CELERY_TIMEZONE),
        }
        crontab = CrontabSchedule.objects.using(using).filter(**spec).first()
        fields["crontab"] = crontab or CrontabSchedule.objects.using(using).create(**spec)
    elif isinstance(schedule, schedules.schedule):
        every = max(int(schedule.run_every.total_seconds()), 0)
        interval = IntervalSchedule.objects.using(using).filter(every=every, period=IntervalSchedule.SECONDS)
        fields["interval"] = interval.first() or IntervalSchedule.objects.using(using).create(
            every=every, period=IntervalSchedule.SECONDS
        )
    else:
        raise ValueError(f"unsupported schedule {schedule!r}")
    return fields


def beat_schedule_sync(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create or update a PeriodicTask for every configured entry; returns the names created.

    Running it again changes nothing. ``enabled`` and ``last_run_at`` are left as they are (an
    admin may have paused an entry).
    """
    from django_celery_beat.models import PeriodicTask

    created_names: list[str] = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        defaults = {
            "task": entry["task"],
            "args": json.dumps(list(entry.get("args", []))),
            "kwargs": json.dumps(dict(entry.get("kwargs", {}))),
            **_schedule_fields(entry["schedule"], using),
        }
        row = PeriodicTask.objects.using(using).filter(name=name).first()
        if row is None:
            PeriodicTask.objects.using(using).create(name=name, **defaults)
            created_names.append(name)
        elif any(getattr(row, field) != value for field, value in defaults.items()):
            for field, value in defaults.items():
                setattr(row, field, value)
            row.save(using=using)
    return created_names


def missing_entries() -> list[str]:
    """Configured entries without a PeriodicTask row (beat would never send them)."""
    from django_celery_beat.models import PeriodicTask

    present = set(
        PeriodicTask.objects.filter(name__in=list(settings.CELERY_BEAT_SCHEDULE)).values_list(
            "name", flat=True
        )
    )
    return sorted(set(settings.CELERY_BEAT_SCHEDULE) - present)


def sync_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``post_migrate`` receiver: write the schedule once django-celery-beat's tables exist."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    if using != DEFAULT_DB_ALIAS:
        return  # beat reads its schedule from the primary (a replica's stand-in in the tests)
    tables = set(connections[using].introspection.table_names())
    needed = {model._meta.db_table for model in (PeriodicTask, IntervalSchedule, CrontabSchedule)}
    if needed <= tables:
        beat_schedule_sync(using=using)
