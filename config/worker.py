"""The Celery worker's consumer (``CELERY_WORKER_CONSUMER``): Celery's, surviving a broker restart.

Found by the soak test (issue #21, ``bench/soak.py``): with celery/kombu 5.7.0 a Redis restart
stopped the worker for good ("Unrecoverable error: AttributeError: 'NoneType' object has no attribute
'hostname'"). On a lost connection the consumer first collects the broken connection (its transport
forgets the broker's address) and then closes it; closing the Redis channel restores the unacked
messages through a new client built from that forgotten address, and the AttributeError escapes
``kombu.common.ignore_errors`` (it only swallows connection and channel errors). Here it is treated
as the connection error it is, and the consumer goes on to reconnect as it does for any other.
The unacked messages are requeued by Redis' own visibility timeout when the broker kept them, and
lost with it when it did not; beat's ``requeue-deliveries`` and ``requeue-stalled-imports`` queue
the work again, and every task is idempotent.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer

log = logging.getLogger(__name__)

__all__ = ["Consumer"]


class Consumer(CeleryConsumer):  # type: ignore[misc]
    def on_connection_error_after_connected(self, exc: Any) -> None:
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError as error:
            log.warning("closing the lost broker connection failed (%r); reconnecting", error)
            self.connection = None
