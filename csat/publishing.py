"""Queue a Celery task without ever failing or hanging the caller (degrade, don't fail).

Used after a commit: the change is saved, so a broker that is down or silent must not turn it into
a 500 or a hang. The publish is bounded by the broker settings (socket timeouts, one retry); a
failure is logged, the broker skipped for a cool-down (``csat.outage``), and the work is left in the
database for beat to queue again (``requeue-deliveries``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from csat.outage import broker_outage

log = logging.getLogger(__name__)


def publish(task: Any, *args: Any, **kwargs: Any) -> bool:
    """``task.delay(*args, **kwargs)``; False (logged) when the broker cannot take it now."""
    if broker_outage.down():
        log.warning("broker unavailable (cool-down), %s not queued", task.name)
        return False
    started = time.monotonic()
    try:
        task.delay(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the caller's change is committed; never undo or fail it
        log.exception("could not queue %s", task.name)
        if not task.app.conf.task_always_eager:  # an eager task's own error says nothing of the broker
            broker_outage.failed(since=started)
        return False
    return True


def broker_recovered() -> None:
    """Forget a past failure (tests; an operator's shell)."""
    broker_outage.recovered()
