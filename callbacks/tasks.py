"""Celery entry points of the callbacks app (beat runs generate_callback_tasks hourly)."""

from celery import shared_task

from callbacks import services


@shared_task(acks_late=True, ignore_result=True)
def generate_callback_tasks() -> dict[str, int]:
    """Create the missing callback tasks and expire stale ones. Idempotent: unique sources, not luck."""
    summary = services.callback_tasks_generate()
    summary["expired"] = services.callback_tasks_expire()
    return summary
