"""Per-queue workers for a large group (issue #25, docs/scaling.md): every periodic and queued task
lands on the queue a worker of that kind serves, so a report build never delays a deadline sweep."""

from __future__ import annotations

import importlib

from celery import current_app
from django.conf import settings


def _routes() -> dict[str, dict[str, str]]:
    return {f"{module}.*": {"queue": queue} for module, queue in settings.TASK_QUEUE_OF_MODULE.items()}


def test_every_task_of_the_project_has_a_queue() -> None:
    for module in {entry["task"].rsplit(".", 1)[0] for entry in settings.CELERY_BEAT_SCHEDULE.values()}:
        assert module in settings.TASK_QUEUE_OF_MODULE, module
    for module in settings.TASK_QUEUE_OF_MODULE:
        importlib.import_module(module)
    ours = [
        name
        for name in current_app.tasks
        if name.split(".")[0] in {m.split(".")[0] for m in settings.TASK_QUEUE_OF_MODULE}
    ]
    assert ours
    for name in ours:
        assert name.rsplit(".", 1)[0] in settings.TASK_QUEUE_OF_MODULE, name


def test_routes_send_the_sweep_and_the_report_to_their_own_queues() -> None:
    from celery.app.routes import Router, prepare

    router = Router(prepare(_routes()), current_app.amqp.queues, create_missing=True, app=current_app)
    assert router.route({}, "complaints.tasks.enforce_deadlines")["queue"].name == "deadlines"
    assert router.route({}, "reports.tasks.build_monthly_report")["queue"].name == "reports"
    assert router.route({}, "csat.tasks.send_delivery")["queue"].name == "notifications"
    assert router.route({}, "intake.tasks.run_import")["queue"].name == "imports"


def test_one_queue_by_default() -> None:
    assert settings.CSAT_TASK_QUEUES is False
    assert not getattr(settings, "CELERY_TASK_ROUTES", None)
