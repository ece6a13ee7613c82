"""Celery entry points for the shared records: thin wrappers that take ids and call one service."""

from celery import shared_task

from csat.intake import services


@shared_task(acks_late=True)
def validate_import(job_id: int) -> None:
    services.import_job_validate(job_id=job_id)


@shared_task(acks_late=True)
def run_import(job_id: int) -> None:
    services.import_job_run(job_id=job_id)


@shared_task(bind=True, acks_late=True, max_retries=6)
def send_delivery(self, uid: str) -> None:  # type: ignore[no-untyped-def]
    from csat.notifications import delivery_send

    try:
        delivery_send(uid=uid)
    except Exception as exc:  # noqa: BLE001 - any channel failure is retried with backoff
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
