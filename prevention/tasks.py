"""Celery entry points of the prevention app (beat runs the overdue sweep daily at 08:00)."""

from celery import shared_task

from prevention.services import measures_sweep


# The registered name is the one the task had in the complaints app: beat's stored schedule and any
# message already queued keep working across the move.
@shared_task(name="complaints.tasks.sweep_preventive_measures", acks_late=True, ignore_result=True)
def sweep_preventive_measures() -> int:
    return measures_sweep()
