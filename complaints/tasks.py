"""Celery entry points of the complaints app (beat runs enforce_deadlines every minute)."""

from celery import shared_task

from complaints.services import deadlines


@shared_task(acks_late=True, ignore_result=True)
def enforce_deadlines() -> dict[str, int]:
    return deadlines.enforce_deadlines()


@shared_task(acks_late=True, ignore_result=True)
def refresh_grades() -> int:
    """Hourly: recompute the grade suggestion of every unsolved ticket (DOMAIN §9; idempotent)."""
    from complaints.services.grading import complaint_grades_refresh

    return complaint_grades_refresh()
