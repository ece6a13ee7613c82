"""Celery entry points of the callbacks app (beat runs generate_callback_tasks hourly)."""

from celery import shared_task

from callbacks import services


@shared_task(acks_late=True, ignore_result=True)
def generate_callback_tasks() -> dict[str, int]:
    """Expire stale callback tasks, then create the missing ones. Idempotent: unique sources, not luck.

    Expiry comes first: a customer whose only open task expires becomes eligible for the
    five-dimension sample, and must be drawn in this run, not in the next one (issue #21).
    """
    expired = services.callback_tasks_expire()
    summary = services.callback_tasks_generate()
    summary["expired"] = expired
    return summary
