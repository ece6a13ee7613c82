"""Celery entry points for the shared records: thin wrappers that take ids and call one service."""

from celery import shared_task


# One send is a few network calls of at most EMAIL_TIMEOUT / WEBHOOK_TIMEOUT_SECONDS each; the hard
# limit stays well below csat.notifications.CLAIM_STALE_AFTER (a claim is never taken from a live
# worker). The soft limit fails the attempt like any channel error (recorded, retried).
@shared_task(bind=True, acks_late=True, max_retries=6, soft_time_limit=120, time_limit=150)
def send_delivery(self, uid: str) -> None:  # type: ignore[no-untyped-def]
    from csat.notifications import delivery_retry_countdown, delivery_send

    try:
        delivery_send(uid=uid)
    except Exception as exc:  # noqa: BLE001 - any channel failure is retried with backoff
        raise self.retry(exc=exc, countdown=delivery_retry_countdown(uid=uid)) from exc


@shared_task(acks_late=True, ignore_result=True)
def requeue_deliveries() -> int:
    """Beat, every 5 minutes: queue again the deliveries whose publish failed, whose retries ran out
    (hourly) or whose worker died; give up those not sent within DELIVERY_GIVE_UP_HOURS."""
    from csat.notifications import deliveries_requeue

    return deliveries_requeue()


@shared_task(acks_late=True, ignore_result=True)
def expire_idempotency_keys() -> int:
    """Beat, daily: drop API idempotency keys older than 24 hours."""
    from csat.idempotency import idempotency_keys_expire

    return idempotency_keys_expire()
