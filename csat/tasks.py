"""Celery entry points for the shared records: thin wrappers that take ids and call one service."""

from celery import shared_task


# One send is a few network calls of at most EMAIL_TIMEOUT / WEBHOOK_TIMEOUT_SECONDS each; the hard
# limit stays well below csat.notifications.CLAIM_STALE_AFTER (a claim is never taken from a live
# worker). The soft limit fails the attempt like any channel error (recorded, retried).
@shared_task(bind=True, acks_late=True, max_retries=6, soft_time_limit=120, time_limit=150)
def send_delivery(self, uid: str) -> None:  # type: ignore[no-untyped-def]
    from csat.notifications import delivery_send

    try:
        delivery_send(uid=uid)
    except Exception as exc:  # noqa: BLE001 - any channel failure is retried with backoff
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc


@shared_task(acks_late=True, ignore_result=True)
def requeue_deliveries() -> int:
    """Beat, every 5 minutes: queue the notifications whose publish failed after their commit."""
    from csat.notifications import deliveries_requeue

    return deliveries_requeue()


@shared_task(acks_late=True, ignore_result=True)
def expire_idempotency_keys() -> int:
    """Beat, daily: drop API idempotency keys older than 24 hours."""
    from csat.idempotency import idempotency_keys_expire

    return idempotency_keys_expire()
