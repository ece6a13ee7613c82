"""The one Celery app. Beat's schedule lives in ``csat.settings.base.CELERY_BEAT_SCHEDULE``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csat.settings.local")

app = Celery("csat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
