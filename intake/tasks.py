"""Celery entry points of the intake app: take a job id, call one service."""

from celery import shared_task

from intake import services


@shared_task(acks_late=True)
def validate_import(job_id: int) -> None:
    services.import_job_validate(job_id=job_id)


@shared_task(acks_late=True)
def run_import(job_id: int) -> None:
    services.import_job_run(job_id=job_id)


@shared_task
def requeue_stalled_imports() -> list[int]:
    """Beat: jobs whose task was lost (broker down when it was queued) are queued again."""
    return services.import_jobs_requeue_stalled()
