"""Celery entry points for the shared records: thin wrappers that take ids and call one service."""

from celery import shared_task

from csat.intake import services


@shared_task(acks_late=True)
def validate_import(job_id: int) -> None:
    services.import_job_validate(job_id=job_id)


@shared_task(acks_late=True)
def run_import(job_id: int) -> None:
    services.import_job_run(job_id=job_id)
