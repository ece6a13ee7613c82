from celery import shared_task

from crisis.early_warning import signal_digest_send, sweep_patterns
from crisis.services import crisis_actions_sweep


@shared_task(acks_late=True, ignore_result=True)
def sweep_crisis_actions() -> int:
    return crisis_actions_sweep()


@shared_task(acks_late=True, ignore_result=True)
def sweep_warning_signals() -> int:
    return sweep_patterns()


@shared_task(acks_late=True, ignore_result=True)
def send_signal_digest() -> int:
    return signal_digest_send()
