"""The one Celery app. Beat's schedule lives in ``config.settings.base.CELERY_BEAT_SCHEDULE``."""

import os

from celery import Celery

from csat.observability import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("csat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every log line a task writes carries its task id (csat.observability.RequestIdFilter).
connect_celery_signals()
