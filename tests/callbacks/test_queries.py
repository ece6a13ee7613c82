"""Every callback list answers in a fixed number of queries, whatever the number of tasks: the work
queue page (and its htmx partial), the dashboard, /api/callbacks/, /api/surveys/, /api/reason-codes/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from callbacks import services
from callbacks.models import CallAttempt, CallbackTask, Outcome
from callbacks.services import SurveyInput
from tests.callbacks.test_services_surveys import SALES_ITEMS
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def test_callback_lists_have_a_fixed_query_count(
    store_a: Any, agent: Any, ccmanager: Any, hq: Any, make_task: Callable[..., CallbackTask]
) -> None:
    made: list[CallbackTask] = []

    def grow(k: int) -> None:
        for i in range(k):
            task = make_task(store_a)
            services.call_attempt_log(task=task, actor=agent, outcome=Outcome.NO_ANSWER)
            # tried three hours ago: past its "next try after" time, so back in the queue
            CallAttempt.objects.filter(task=task).update(at=timezone.now() - dt.timedelta(hours=3))
            if i % 2:
                done = make_task(store_a)
                services.survey_submit(
                    actor=agent, data=SurveyInput(type="sales", score=60, items=SALES_ITEMS), callback=done
                )
            made.append(task)
        cache.clear()  # each measurement reads the figures (the queue keeps them a minute)

    bodies = assert_flat(
        {
            "queue": (agent, "/callbacks/", False),
            "queue_manager": (ccmanager, "/callbacks/", False),
            "queue_group": (hq, "/callbacks/", False),
            "dashboard": (agent, "/callbacks/dashboard/", False),
            "dashboard_group": (hq, "/callbacks/dashboard/", False),
            "api_callbacks": (agent, "/api/callbacks/", True),
            "api_callbacks_open": (agent, "/api/callbacks/?status=pending&status=in_progress", True),
            "api_surveys": (agent, "/api/surveys/", True),
            "api_reason_codes": (agent, "/api/reason-codes/", True),
        },
        grow,
        pinned={
            # session, user, profile; the page of tasks; four dashboard figures; unread badge; the
            # filter form's stores and agents; the crisis banner
            # + the page's survey links, one query for all rows (issue #24)
            # + the count of the whole queue for its pager (issue #22: paging past 25 rows)
            "queue": 13,  # the queue's count, a page of its ids, then its rows
            "queue_manager": 11,  # the store's month figures, cached by the agent's page just before
            "queue_group": 13,
            # the unread badge and the user kept (csat.fragments, csat.backends); the people's calls
            # and surveys (two queries however many people)
            "dashboard": 8,
            "dashboard_group": 11,  # + the stores side by side (three queries however many stores)
            "api_callbacks": 1,  # one page by a cursor, no COUNT
            "api_callbacks_open": 1,
            "api_surveys": 2,  # the page, the reason codes of its rows
            "api_reason_codes": 2,
        },
    )
    assert all(f"task-{t.pk}" in bodies["queue"] for t in made)
