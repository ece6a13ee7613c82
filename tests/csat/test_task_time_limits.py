"""Every Celery task has a time limit (a network call that never returns cannot hold a worker for
ever), and the long ones — the monthly reports, the DMS imports, the hourly sweeps over every
customer or ticket — have limits far above their measured durations."""

from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app
from tests.csat.test_settings_hardening import _settings

PROJECT = (
    "csat.",
    "intake.",
    "callbacks.",
    "complaints.",
    "prevention.",
    "crisis.",
    "reports.",
    "surveylinks.",
)


def _project_tasks() -> dict[str, object]:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(PROJECT)}


def test_every_project_task_has_a_soft_and_a_hard_limit() -> None:
    tasks = _project_tasks()
    assert "csat.tasks.send_delivery" in tasks and "reports.tasks.build_monthly_report" in tasks
    for name, task in tasks.items():
        soft, hard = task.soft_time_limit, task.time_limit  # type: ignore[attr-defined]
        assert soft is not None and hard is not None, name
        assert 0 < soft < hard, name


def test_the_default_leaves_every_short_task_minutes_of_room() -> None:
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT >= 5 * 60
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT


@pytest.mark.parametrize(
    ("name", "at_least"),
    [
        # 50 stores: the group ~1 min plus each store's; 200 stores: 1.5 min for the group alone.
        ("reports.tasks.build_monthly_report", 2 * 3600),
        # 100,000 rows: ~40 s on PostgreSQL under load, minutes on SQLite.
        ("intake.tasks.validate_import", 30 * 60),
        ("intake.tasks.run_import", 30 * 60),
        ("callbacks.tasks.generate_callback_tasks", 30 * 60),
        ("complaints.tasks.refresh_grades", 30 * 60),
    ],
)
def test_long_tasks_have_their_own_larger_limits(name: str, at_least: int) -> None:
    task = _project_tasks()[name]
    assert task.soft_time_limit >= at_least  # type: ignore[attr-defined]
    assert task.time_limit > task.soft_time_limit  # type: ignore[attr-defined]


def test_the_default_limits_come_from_the_environment() -> None:
    prod = _settings(
        "config.settings.production",
        ["CELERY_TASK_SOFT_TIME_LIMIT", "CELERY_TASK_TIME_LIMIT"],
        CELERY_TASK_SOFT_TIME_LIMIT="1200",
        CELERY_TASK_TIME_LIMIT="1500",
    )
    assert prod == {"CELERY_TASK_SOFT_TIME_LIMIT": 1200, "CELERY_TASK_TIME_LIMIT": 1500}
