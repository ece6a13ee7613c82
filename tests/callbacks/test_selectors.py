"""The work queue (what shows, in which order, filters), the dashboard figures, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callbacks import selectors, services
from callbacks.models import CallAttempt, CallbackTask, CloseReason, Survey, SurveyType, TaskStatus
from callbacks.services import SurveyInput
from tests.callbacks.test_services_surveys import SALES_ITEMS

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
# 10:00 Beijing time on a weekday in the middle of a month: "today" and "this month" are unambiguous.
NOW = dt.datetime(2026, 3, 18, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def _queue(user: Any, **filters: Any) -> list[CallbackTask]:
    return list(selectors.work_queue(user=user, now=NOW, **filters))


def test_queue_shows_call_backs_then_overdue_then_today(store_a: Any, agent: Any, make_task: Any) -> None:
    today = make_task(store_a, due_in=-dt.timedelta(hours=1))
    overdue = make_task(store_a, due_in=-2 * DAY)
    later_today = make_task(store_a, due_in=dt.timedelta(hours=5))
    tomorrow = make_task(store_a, due_in=2 * DAY)
    call_back_soon = make_task(store_a, due_in=-3 * DAY, callback_later_at=NOW + dt.timedelta(minutes=10))
    call_back_later = make_task(store_a, due_in=-3 * DAY, callback_later_at=NOW + dt.timedelta(hours=3))
    expired = make_task(store_a, due_in=-16 * DAY)
    done = make_task(store_a, due_in=-DAY, status=TaskStatus.DONE)
    queue = _queue(agent)
    assert queue == [call_back_soon, overdue, today, later_today]
    assert [t.bucket for t in queue] == [0, 1, 2, 2]
    for hidden in (tomorrow, call_back_later, expired, done):
        assert hidden not in queue


def test_queue_hides_do_not_contact_and_other_stores(
    store_a: Any, store_b: Any, agent: Any, make_task: Any
) -> None:
    mine = make_task(store_a)
    make_task(store_b)
    dnc = make_task(store_a)
    dnc.customer.do_not_contact, dnc.customer.do_not_contact_reason = True, "勿扰"
    dnc.customer.save()
    assert _queue(agent) == [mine]


def test_queue_filters_by_store_type_and_agent(
    store_a: Any, store_b: Any, agent: Any, agent2: Any, hq: Any, make_task: Any
) -> None:
    sale = make_task(store_a)
    visit = make_task(store_a, type=SurveyType.AFTER_SALES)
    other = make_task(store_b)
    services.callback_task_claim(task=visit, actor=agent2)
    assert set(_queue(hq)) == {sale, visit, other}
    assert set(_queue(hq, store=store_b.pk)) == {other}
    assert _queue(agent, type=SurveyType.AFTER_SALES) == [visit]
    assert _queue(agent, agent=agent2.pk) == [visit]


def test_queue_page_is_two_queries_whatever_its_length(store_a: Any, agent: Any, make_task: Any) -> None:
    """The page's rows: the queue's order over ids, then those rows with all they show."""

    def page() -> tuple[list[Any], int]:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.work_queue_page(user=agent, now=NOW, limit=50)
            shown = [
                (t.customer.name, t.customer.mobile, t.vehicle.plate, t.attempt_count, t.last_outcome, t.claimed_by,
                 t.assigned_to, t.bucket, t.type_label, t.status_label)
                for t in rows
            ]  # fmt: skip
        return shown, len(ctx.captured_queries)

    for _ in range(3):
        make_task(store_a)
    page()  # the user's profile, read once
    few, few_queries = page()
    for _ in range(12):
        make_task(store_a)
    many, many_queries = page()
    assert len(few) == 3 and len(many) == 15
    assert few_queries == many_queries == 2
    assert [row[0] for row in many] == [t.customer.name for t in _queue(agent)]


def test_survey_list_is_one_query_plus_reason_codes(store_a: Any, agent: Any, make_task: Any) -> None:
    for score in (95, 60, 85):
        services.survey_submit(
            actor=agent,
            data=SurveyInput(type="sales", score=score, items=SALES_ITEMS),
            callback=make_task(store_a),
        )
    agent.refresh_from_db()  # drop the cached profile
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.survey_list(user=agent))
        _ = [
            (
                s.customer.name,
                s.surveyed_by.username,
                s.complaint and s.complaint.number,
                list(s.reason_codes.all()),
            )
            for s in rows
        ]
    assert len(rows) == 3
    assert len(queries) == 3  # profile, surveys (with joins), reason codes (one prefetch)


def _survey(task: Any, agent: Any, score: int | None) -> Any:
    data = SurveyInput(type="sales", score=score, items=SALES_ITEMS, not_rated_reason="" if score else "没空")
    return services.survey_submit(actor=agent, data=data, callback=task)


def test_dashboard_figures_and_red_flags(store_a: Any, agent: Any, make_task: Any) -> None:
    tasks = [make_task(store_a, due_in=-d * DAY) for d in range(1, 11)]  # 10 due this month
    make_task(store_a, due_in=-20 * DAY)  # due last month: not required this month
    skipped = make_task(store_a, due_in=-DAY)
    CallbackTask.objects.filter(pk=skipped.pk).update(
        status=TaskStatus.CANCELLED, close_reason=CloseReason.DO_NOT_CONTACT
    )
    _survey(tasks[0], agent, 60)
    _survey(tasks[1], agent, 80)
    _survey(tasks[2], agent, None)  # reached, not rated
    services.call_attempt_log(task=tasks[3], actor=agent, outcome="refused")
    services.call_attempt_log(task=tasks[4], actor=agent, outcome="no_answer")
    figures = selectors.callback_dashboard(user=agent, now=NOW, agent=agent)
    assert figures["month"] == "2026-03"
    assert (figures["required"], figures["reached"], figures["surveyed"]) == (10, 4, 2)
    assert figures["reach_rate"] == 0.4 and figures["reach_short"]
    assert figures["survey_rate"] == 0.5 and figures["survey_short"]
    assert figures["average"] == 70 and figures["average_short"] and figures["rated"] == 2
    assert figures["today_calls"] == 5  # 3 reached (logged with the surveys), 1 refused, 1 no answer
    assert figures["today_surveys"] == 3


def test_dashboard_is_green_when_the_rules_are_met(store_a: Any, agent: Any, make_task: Any) -> None:
    tasks = [make_task(store_a, due_in=-d * DAY) for d in range(1, 5)]
    _survey(tasks[0], agent, 95)
    _survey(tasks[1], agent, 100)
    figures = selectors.callback_dashboard(user=agent, now=NOW)
    assert figures["reach_rate"] == 0.5 and not figures["reach_short"]
    assert figures["survey_rate"] == 1.0 and not figures["survey_short"]
    assert figures["average"] == 97.5 and not figures["average_short"]


def test_dashboard_with_nothing_due(store_a: Any, agent: Any) -> None:
    figures = selectors.callback_dashboard(user=agent, now=NOW)
    assert figures["required"] == 0 and figures["reach_rate"] is None and not figures["reach_short"]
    assert figures["average"] is None and not figures["average_short"]


def test_dashboard_is_store_scoped(store_a: Any, store_b: Any, agent_b: Any, make_task: Any) -> None:
    make_task(store_a)
    assert selectors.callback_dashboard(user=agent_b, now=NOW)["required"] == 0


def test_the_dashboard_shows_who_called_and_surveyed(
    store_a: Any, store_b: Any, agent: Any, agent_b: Any, make_task: Any
) -> None:
    # Beyond the queue's tiles (issue: the dashboard repeated them): per person, today's and the
    # month's calls, the customers reached, the surveys and their average; the busiest first.
    tasks = [make_task(store_a, due_in=-d * DAY) for d in range(1, 5)]
    _survey(tasks[0], agent, 60)  # logs the reaching call with the survey
    _survey(tasks[1], agent, 90)
    services.call_attempt_log(task=tasks[2], actor=agent, outcome="no_answer")
    services.call_attempt_log(task=tasks[2], actor=agent, outcome="no_answer")
    other_store = make_task(store_b, due_in=-DAY)
    services.call_attempt_log(task=other_store, actor=agent_b, outcome="refused")

    (row,) = selectors.agent_activity(user=agent, now=NOW)  # a store's people only
    assert row["name"] == agent.get_full_name()
    assert (row["today_calls"], row["calls"], row["reached"]) == (4, 4, 2)
    assert (row["today_surveys"], row["surveys"], row["average"], row["rated"]) == (2, 2, 75, 2)
    # Yesterday's call counts for the month, not for today.
    services.call_attempt_log(task=tasks[3], actor=agent, outcome="busy")
    CallAttempt.objects.filter(task=tasks[3]).update(at=NOW - DAY)
    (row,) = selectors.agent_activity(user=agent, now=NOW)
    assert (row["today_calls"], row["calls"]) == (4, 5)


def test_head_office_compares_its_stores(
    store_a: Any, store_b: Any, agent: Any, agent_b: Any, hq: Any, make_task: Any
) -> None:
    a = [make_task(store_a, due_in=-d * DAY) for d in range(1, 5)]
    b = [make_task(store_b, due_in=-d * DAY) for d in range(1, 3)]
    _survey(a[0], agent, 95)
    _survey(a[1], agent, 100)
    _survey(b[0], agent_b, 70)
    rows = {row["store"]: row for row in selectors.store_figures(user=hq, now=NOW)}
    assert set(rows) == {store_a.name, store_b.name}
    first, second = rows[store_a.name], rows[store_b.name]
    assert (first["required"], first["reached"], first["surveyed"]) == (4, 2, 2)
    assert first["reach_rate"] == 0.5 and not first["reach_short"]
    assert first["average"] == 97.5 and not first["average_short"]
    assert (second["required"], second["reached"], second["surveyed"]) == (2, 1, 1)
    assert second["average"] == 70 and second["average_short"]
    # A store's own people see their store alone.
    assert [row["store"] for row in selectors.store_figures(user=agent, now=NOW)] == [store_a.name]
    # Every person of the group, in the head office's view.
    assert {row["name"] for row in selectors.agent_activity(user=hq, now=NOW)} == {
        agent.get_full_name(),
        agent_b.get_full_name(),
    }


def test_customer_panel_lists_surveys_and_open_complaints(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    survey = _survey(task, agent, 55)
    panel = selectors.customer_panel(customer=task.customer, now=NOW)
    assert panel["surveys"] == [survey]
    assert panel["open_complaints"] == [survey.complaint]
    assert Survey.objects.get().grade == "D"
