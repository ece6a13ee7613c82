"""The agent's pages: queue, claim, call page with the customer card, attempts, survey form, result."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from callbacks import services
from callbacks.models import CallAttempt, Outcome, Survey, SurveyType, TaskStatus
from callbacks.services import SurveyInput
from complaints.models import Complaint, Kind
from csat.models import IdentityFlag
from tests.callbacks.test_services_surveys import SALES_ITEMS
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def claimed(task: Any, agent: Any) -> tuple[Any, Client]:
    """The task, claimed by the agent through the page, and the agent's signed-in client."""
    client = signed_in(agent)
    client.post(f"/callbacks/{task.pk}/claim/")
    return task, client


def survey_post(**fields: Any) -> dict[str, Any]:
    data = {"channel": "phone", **{f"item_{k}": v for k, v in SALES_ITEMS.items()}}
    data.update(fields)
    return data


def test_queue_page_lists_due_tasks(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    response = signed_in(agent).get("/callbacks/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "回访工作队列" in html and task.customer.name in html and f'data-testid="claim-{task.pk}"' in html
    assert f'action="{reverse("callbacks:claim", args=[task.pk])}"' in html
    assert 'data-testid="figures"' in html and "回访成功率" in html


def test_queue_rows_say_why_each_task_is_there(
    store_a: Any, agent: Any, make_task: Any, time_machine: Any
) -> None:
    """Each row's badge: the agreed call-back time, overdue (due before today), or due today."""
    time_machine.move_to(dt.datetime(2026, 3, 18, 2, 0, tzinfo=dt.UTC), tick=False)  # 10:00 Beijing
    overdue = make_task(store_a, due_in=-dt.timedelta(days=2))
    today = make_task(store_a, due_in=-dt.timedelta(hours=1))
    call_back = make_task(
        store_a, due_in=-dt.timedelta(days=3), callback_later_at=timezone.now() + dt.timedelta(minutes=10)
    )
    html = signed_in(agent).get("/callbacks/").content.decode()

    def badge(task: Any) -> str:
        start = html.index(f'data-testid="task-{task.pk}"')
        return html[start : html.index("</td>", start)]

    assert "约定回拨 03-18 10:10" in badge(call_back)  # with its day (issue: tomorrow read as today)
    assert "已逾期" in badge(overdue) and "今日到期" not in badge(overdue)
    assert "今日到期" in badge(today)
    # In that order: call-backs arriving, overdue, due today.
    assert (
        html.index(f"task-{call_back.pk}") < html.index(f"task-{overdue.pk}") < html.index(f"task-{today.pk}")
    )


def test_queue_filters_answer_htmx_with_the_partial(store_a: Any, agent: Any, make_task: Any) -> None:
    sale = make_task(store_a)
    visit = make_task(store_a, type=SurveyType.AFTER_SALES)
    response = signed_in(agent).get("/callbacks/?type=after_sales", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f"task-{visit.pk}" in html and f"task-{sale.pk}" not in html


def test_queue_page_query_count_is_pinned(store_a: Any, agent: Any, make_task: Any) -> None:
    client = signed_in(agent)
    make_task(store_a)
    cache.clear()  # the month figures computed each time: the count covers their queries too
    with CaptureQueriesContext(connection) as few:
        client.get("/callbacks/")
    for _ in range(10):
        make_task(store_a)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/callbacks/")
    assert response.content.decode().count('data-testid="task-') == 11
    assert len(many) == len(few)


def _today(html: str) -> str:
    return re.search(r'data-testid="today">([^<]+)<', html).group(1).strip()  # type: ignore[union-attr]


def _month_figures(html: str) -> str:
    return re.search(r'data-testid="month">([^<]+)<', html).group(1).strip()  # type: ignore[union-attr]


def test_queue_figures_are_kept_a_minute_and_follow_the_agents_own_work(
    store_a: Any, agent: Any, make_task: Any, time_machine: Any
) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 18, 2, 0, tzinfo=dt.UTC), tick=False)
    client = signed_in(agent)
    task = make_task(store_a)
    assert _month_figures(client.get("/callbacks/").content.decode()) == "1 / 0 / 0"
    # Another task of the month, written elsewhere: the queue's figures are a minute old at most.
    make_task(store_a)
    with CaptureQueriesContext(connection) as cached:
        assert _month_figures(client.get("/callbacks/").content.decode()) == "1 / 0 / 0"
    assert not any("callbacks_survey" in q["sql"] and "AVG" in q["sql"] for q in cached.captured_queries)
    # The agent's own call and survey show at once.
    client.post(f"/callbacks/{task.pk}/claim/")
    services.call_attempt_log(task=task, actor=agent, outcome=Outcome.REACHED)
    html = client.get("/callbacks/").content.decode()
    assert _month_figures(html) == "2 / 1 / 0" and _today(html) == "1 / 0"
    services.survey_submit(
        actor=agent, data=SurveyInput(type="sales", score=95, items=SALES_ITEMS), callback=task
    )
    html = client.get("/callbacks/").content.decode()
    assert _month_figures(html) == "2 / 1 / 1" and _today(html) == "1 / 1"
    # The dashboard page is always live.
    other = make_task(store_a)
    assert other and 'data-testid="month">3 / 1 / 1<' in client.get("/callbacks/dashboard/").content.decode()
    time_machine.move_to(dt.datetime(2026, 3, 18, 2, 1, 1, tzinfo=dt.UTC), tick=False)
    assert _month_figures(client.get("/callbacks/").content.decode()) == "3 / 1 / 1"


def test_queue_shows_a_page_of_rows_and_says_how_many_in_all(
    store_a: Any, agent: Any, make_task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue #22: the queue pages past its limit (it used to show the first rows only, "只显示前 N 个").
    from callbacks.views import queue

    monkeypatch.setattr(queue, "QUEUE_LIMIT", 3)
    for _ in range(4):
        make_task(store_a)
    client = signed_in(agent)
    html = client.get("/callbacks/").content.decode()
    assert html.count('data-testid="task-') == 3 and "待回访 4 个任务" in html and "第 1 / 2 页" in html
    assert client.get("/callbacks/?page=2").content.decode().count('data-testid="task-') == 1


def test_read_only_roles_see_no_claim_button(store_a: Any, hq: Any, make_task: Any) -> None:
    task = make_task(store_a)
    html = signed_in(hq).get("/callbacks/").content.decode()
    assert task.customer.name in html and f"claim-{task.pk}" not in html and "claim-next" not in html


def test_front_line_staff_may_not_open_the_queue(front_line: Any) -> None:
    assert signed_in(front_line).get("/callbacks/").status_code == 403


def test_claim_opens_the_call_page(store_a: Any, agent: Any, agent2: Any, make_task: Any) -> None:
    task = make_task(store_a)
    response = signed_in(agent).post(f"/callbacks/{task.pk}/claim/")
    assert response.status_code == 302 and response.url == f"/callbacks/{task.pk}/"
    task.refresh_from_db()
    assert task.claimed_by == agent
    taken = signed_in(agent2).post(f"/callbacks/{task.pk}/claim/", follow=True)
    assert "已被" in taken.content.decode()


def test_claim_next(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    response = signed_in(agent).post("/callbacks/next/")
    assert response.status_code == 302 and response.url == f"/callbacks/{task.pk}/"
    empty = signed_in(agent).post("/callbacks/next/", follow=True)  # the only task is now mine: it comes back
    assert empty.redirect_chain[-1][0] == f"/callbacks/{task.pk}/"


def test_call_page_shows_the_customer_card_and_the_f_banner(store_a: Any, agent: Any, make_task: Any) -> None:
    customer = CustomerFactory(store=store_a, identity_flags=[IdentityFlag.LAWYER])
    task = make_task(store_a, customer=customer)
    html = signed_in(agent).get(f"/callbacks/{task.pk}/").content.decode()
    assert 'data-testid="vip-banner"' in html and "不做任何明确答复" in html
    assert 'data-testid="customer-card"' in html and task.vehicle.vin in html
    assert "历次调查与客户等级" in html and "未结投诉" in html and "服务禁语" in html
    assert 'data-testid="survey-form"' in html and "交车服务（清洁、四项说明、介绍售后） *" in html
    assert 'data-testid="suggested-grade">F<' in html


def test_every_survey_control_has_a_label(store_a: Any, agent: Any, make_task: Any) -> None:
    import re

    for survey_type in SurveyType.values:
        task = make_task(store_a, type=survey_type)
        html = signed_in(agent).get(f"/callbacks/{task.pk}/").content.decode()
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
        assert ids
        for control_id in ids:
            assert f'for="{control_id}"' in html, f"{survey_type}: no label for {control_id}"


def test_another_stores_task_is_404(store_a: Any, agent_b: Any, make_task: Any) -> None:
    task = make_task(store_a)
    client = signed_in(agent_b)
    assert client.get(f"/callbacks/{task.pk}/").status_code == 404
    assert client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"}).status_code == 404


@pytest.mark.parametrize("role_user", ["sales_manager", "gm", "hq"])
def test_other_roles_cannot_post_attempts_or_surveys(
    store_a: Any, make_task: Any, role_user: str, request: Any
) -> None:
    task = make_task(store_a)
    client = signed_in(request.getfixturevalue(role_user))
    assert client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"}).status_code == 403
    assert client.post(f"/callbacks/{task.pk}/survey/", survey_post(score=90)).status_code == 403
    assert not CallAttempt.objects.exists()


def test_reached_then_survey_with_60_creates_the_dissatisfied_ticket(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task, client = claimed(make_task(store_a), agent)
    response = client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"})
    assert response.status_code == 302 and response.url == f"/callbacks/{task.pk}/#survey"
    response = client.post(f"/callbacks/{task.pk}/survey/", survey_post(score="60", remarks="交车时很仓促"))
    survey = Survey.objects.get()
    assert response.status_code == 302 and response.url == f"/callbacks/surveys/{survey.pk}/"
    html = client.get(response.url).content.decode()
    ticket = Complaint.objects.get()
    assert ticket.kind == Kind.DISSATISFIED and survey.complaint == ticket
    assert 'data-testid="ticket"' in html and ticket.number in html and "回访不满意" in html
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_survey_errors_show_under_their_controls(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    data = survey_post(level="good", level_value="95")
    del data["item_delivery"]
    response = signed_in(agent).post(f"/callbacks/{task.pk}/survey/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "必须调查项，请填写。" in html and "80–90" in html
    assert not Survey.objects.exists()


def test_failed_attempt_sends_the_agent_back_to_the_queue(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    response = signed_in(agent).post(f"/callbacks/{task.pk}/attempts/", {"outcome": "busy"})
    assert response.status_code == 302 and response.url == "/callbacks/"
    bad = signed_in(agent).post(f"/callbacks/{task.pk}/attempts/", {"outcome": "call_back_later"})
    assert bad.status_code == 400 and "约定回拨时请填写回拨时间" in bad.content.decode()


def test_save_and_next_takes_the_next_task_without_the_queue(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    """保存并领取下一个 (help-desk "submit and next"): a failed call is saved and the agent's next task
    of the queue is claimed and opened; a reached call still goes on to its survey; with nothing
    left, the queue says so."""
    first, second = make_task(store_a, due_in=dt.timedelta(hours=-2)), make_task(store_a)
    client = signed_in(agent)
    page = client.get(f"/callbacks/{first.pk}/").content.decode()
    assert 'data-testid="attempt-submit-next"' in page
    response = client.post(f"/callbacks/{first.pk}/attempts/", {"outcome": "no_answer", "then": "next"})
    assert response.status_code == 302 and response.url == f"/callbacks/{second.pk}/"
    second.refresh_from_db()
    assert second.status == TaskStatus.IN_PROGRESS and second.claimed_by == agent
    assert CallAttempt.objects.filter(task=first, outcome="no_answer").count() == 1
    reached = client.post(f"/callbacks/{second.pk}/attempts/", {"outcome": "reached", "then": "next"})
    assert reached.url == f"/callbacks/{second.pk}/#survey"  # the survey follows a reached call


def test_save_and_next_with_nothing_left_goes_to_the_queue(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    client = signed_in(agent)
    response = client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "wrong_number", "then": "next"})
    assert response.status_code == 302 and response.url == "/callbacks/"
    assert "当前没有可领取的回访任务。" in client.get("/callbacks/").content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.UNREACHABLE


def test_the_survey_result_offers_the_next_task_to_callers_only(
    store_a: Any, agent: Any, hq: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    services.call_attempt_log(task=task, actor=agent, outcome=Outcome.REACHED)
    survey = services.survey_submit(
        actor=agent, data=SurveyInput(type="sales", score=95, items=SALES_ITEMS), callback=task
    )
    page = f"/callbacks/surveys/{survey.pk}/"
    mine = signed_in(agent).get(page).content.decode()
    assert 'data-testid="claim-next"' in mine and 'action="/callbacks/next/"' in mine
    assert len(re.findall(r"<[^>]*autofocus[^>]*>", mine)) == 1
    read_only = signed_in(hq).get(page)
    assert read_only.status_code == 200 and 'data-testid="claim-next"' not in read_only.content.decode()


def test_grade_preview_follows_the_form(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    client = signed_in(agent)
    low = client.post(f"/callbacks/{task.pk}/grade-preview/", {"score": "60"}, HTTP_HX_REQUEST="true")
    assert (
        'data-testid="suggested-grade">D<' in low.content.decode() and "按百分制分数" in low.content.decode()
    )
    threat = client.post(
        f"/callbacks/{task.pk}/grade-preview/", {"score": "75", "observed": ["threatens_exposure"]}
    ).content.decode()
    assert 'data-testid="suggested-grade">E<' in threat


def test_five_dimension_form(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    client = signed_in(agent)
    html = client.get(f"/callbacks/{task.pk}/").content.decode()
    assert 'name="rating_timeliness"' in html and "到场时间不及时" in html
    data = {
        "channel": "phone",
        "rating_skill": 9,
        "rating_attitude": 9,
        "rating_timeliness": 5,
        "rating_parts": 9,
    }
    data["rating_overall"] = 9
    missing_reason = client.post(f"/callbacks/{task.pk}/survey/", data)
    assert missing_reason.status_code == 400 and "低分原因" in missing_reason.content.decode()
    response = client.post(f"/callbacks/{task.pk}/survey/", {**data, "reason_codes": ["arrived_late"]})
    assert response.status_code == 302
    assert Survey.objects.get().score_used == 82


def test_dashboard_page(store_a: Any, store_b: Any, agent: Any, hq: Any, make_task: Any) -> None:
    task = make_task(store_a)
    html = signed_in(agent).get("/callbacks/dashboard/").content.decode()
    assert "回访指标" in html and "调查完成率" in html and "stat-short" in html  # 0 of 1 reached: red
    # Not the queue's tiles again: who called, and (head office) the stores side by side.
    assert "本月还没有人拨打或完成调查。" in html and 'data-testid="store-figures"' not in html
    services.call_attempt_log(task=task, actor=agent, outcome="no_answer")
    html = signed_in(agent).get("/callbacks/dashboard/").content.decode()
    people = html.split('data-testid="agent-activity"')[1].split("</table>")[0]
    assert agent.get_full_name() in people
    client = signed_in(hq)
    client.cookies["django_language"] = "en"
    html = client.get("/callbacks/dashboard/").content.decode()
    stores = html.split('data-testid="store-figures"')[1].split("</table>")[0]
    assert store_a.name in stores and store_b.name in stores and "Below target" in stores
    assert "by agent" in html and agent.get_full_name() in html


def test_my_calls_today_is_shown_only_to_who_makes_calls(
    store_a: Any, agent: Any, gm: Any, viewer: Any
) -> None:
    # "今日我的拨打 / 完成调查" is the agent's own count; a GM or head office has no calls of their own.
    for page in ("/callbacks/", "/callbacks/dashboard/"):
        assert 'data-testid="today"' in signed_in(agent).get(page).content.decode()
        for reader in (gm, viewer):
            html = signed_in(reader).get(page).content.decode()
            assert 'data-testid="month"' in html and 'data-testid="today"' not in html, (page, reader)


def test_a_task_never_called_says_so_without_a_numbered_list(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task, client = claimed(make_task(store_a), agent)
    html = client.get(f"/callbacks/{task.pk}/").content.decode()
    assert re.search(r'<p class="small text-muted" data-testid="attempts">\s*尚未拨打', html)
    assert '<ol class="small" data-testid="attempts">' not in html
