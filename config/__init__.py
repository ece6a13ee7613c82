"""Project wiring: settings, URLs, the API router, Celery and WSGI/ASGI. No app code lives here."""

# Load the Celery app with Django so @shared_task binds to it.
from .celery import app as celery_app

__all__ = ("celery_app",)
