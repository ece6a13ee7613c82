"""The agent's queue and call screen (issue #22, "Agent queue"):

- search by customer name, mobile tail and plate, with the header search box's rules
  (csat.selectors.customer_match_q, one matcher for the site); sortable columns; pages past 25;
  "领取下一个任务" keeps the search and still skips a task inside its "next try after" time;
- booked call-back presets "1 小时后", "今天下班前", "明早 9:00", computed on the server from the office
  hours (CSAT["OFFICE_HOURS"]) and the working calendar (DOMAIN §5, §9 "Working time"), usable
  without script; every booked time must lie ahead and inside working time;
- click-to-dial through the CTI (settings.CTI_DIAL_URL_TEMPLATE): our server asks the CTI, the task's
  timeline records one "dial" event (an attempt needs its outcome, which the agent records after);
  a failure changes nothing; with the setting empty there is no button;
- the attempts column says what it shows.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from callbacks import booking
from callbacks.models import CallAttempt, CallbackEvent, CallbackTask, Outcome, SurveyType, TaskStatus
from csat.models import CalendarOverride
from tests.factories import CustomerFactory
from tests.fixtures import at
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ids(client: Client, query: str = "") -> list[int]:
    response = client.get(f"/callbacks/{query}")
    assert response.status_code == 200
    return [task.pk for task in response.context["tasks"]]


def _task_for(
    make_task: Callable[..., CallbackTask], store: Any, *, name: str, mobile: str, plate: str, **kw: Any
) -> CallbackTask:
    customer = CustomerFactory(store=store, name=name, mobile=mobile)
    task = make_task(store, customer=customer, **kw)
    assert task.vehicle is not None
    task.vehicle.plate = plate
    task.vehicle.save(update_fields=["plate"])
    return task


@pytest.fixture
def three(clock: Any, store: Any, make_task: Callable[..., CallbackTask]) -> dict[str, CallbackTask]:
    return {
        "wang": _task_for(make_task, store, name="王建国", mobile="13800001234", plate="粤B12345"),
        "li": _task_for(
            make_task, store, name="李丽", mobile="13900005678", plate="粤A88776", type=SurveyType.AFTER_SALES
        ),
        "zhao": _task_for(make_task, store, name="赵强", mobile="13700009999", plate="湘C55501"),
    }


# ---- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("王建", "wang"),  # the customer's name, its start
        ("5678", "li"),  # the mobile's last four digits
        ("13900005678", "li"),  # the whole mobile
        ("粤B12345", "wang"),  # the plate as written
        ("B12345", "wang"),  # without the province character
        ("粤B·12345", "wang"),  # with a separator
        ("55501", "zhao"),  # the plate's tail
    ],
)
def test_queue_search_finds_by_name_phone_tail_and_plate(
    agent: Any, three: dict[str, CallbackTask], query: str, found: str
) -> None:
    """Issue #22: the queue's search, with the header search box's rules (csat.selectors)."""
    shown = _ids(_client(agent), "?" + urllib.parse.urlencode({"q": query}))
    assert shown == [three[found].pk]


def test_queue_search_without_a_match_lists_nothing_and_blank_lists_all(
    agent: Any, three: dict[str, CallbackTask]
) -> None:
    client = _client(agent)
    assert _ids(client, "?q=" + urllib.parse.quote("孙")) == []
    assert _ids(client, "?q=0000") == []  # no mobile, plate or VIN ends in 0000
    assert sorted(_ids(client, "?q=")) == sorted(t.pk for t in three.values())


def test_queue_search_stays_within_the_agents_store(
    agent: Any, other_store: Any, three: dict[str, CallbackTask], make_task: Callable[..., CallbackTask]
) -> None:
    elsewhere = _task_for(make_task, other_store, name="王建华", mobile="13600001111", plate="粤B77777")
    shown = _ids(_client(agent), "?q=" + urllib.parse.quote("王建"))
    assert elsewhere.pk not in shown and shown == [three["wang"].pk]


def test_claim_next_keeps_the_search_and_the_next_try_after_time(
    agent: Any, three: dict[str, CallbackTask], make_task: Callable[..., CallbackTask], store: Any
) -> None:
    """领取下一个任务 takes the first task of the searched queue, never one tried in the last
    CSAT["RETRY_AFTER_MINUTES"] (issue #22, next try after)."""
    second = _task_for(make_task, store, name="王建军", mobile="13800002222", plate="粤B22222")
    CallAttempt.objects.create(task=three["wang"], outcome=Outcome.NO_ANSWER, at=timezone.now(), by=agent)
    response = _client(agent).post("/callbacks/next/?" + urllib.parse.urlencode({"q": "王建"}))
    assert response.status_code == 302 and response["Location"] == f"/callbacks/{second.pk}/"
    none_left = _client(agent).post("/callbacks/next/?" + urllib.parse.urlencode({"q": "赵强X"}))
    assert none_left["Location"] == "/callbacks/"


# ---- sort and pages --------------------------------------------------------------------------


def test_queue_sorts_by_the_clicked_column_both_ways(agent: Any, three: dict[str, CallbackTask]) -> None:
    wang, li, zhao = three["wang"], three["li"], three["zhao"]
    CallbackTask.objects.filter(pk=wang.pk).update(due_at=timezone.now() - dt.timedelta(hours=5))
    CallbackTask.objects.filter(pk=zhao.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))
    CallAttempt.objects.create(task=li, outcome=Outcome.WRONG_NUMBER, at=timezone.now(), by=agent)
    for _ in range(2):
        CallAttempt.objects.create(
            task=zhao, outcome=Outcome.NO_ANSWER, at=timezone.now() - dt.timedelta(hours=4), by=agent
        )
    client = _client(agent)
    assert _ids(client, "?sort=due") == [wang.pk, zhao.pk, li.pk]
    assert _ids(client, "?sort=-due") == [li.pk, zhao.pk, wang.pk]
    names = [t.customer.name for t in client.get("/callbacks/?sort=customer").context["tasks"]]
    assert names == sorted(names) and len(names) == 3
    assert [t.customer.name for t in client.get("/callbacks/?sort=-customer").context["tasks"]] == names[::-1]
    assert _ids(client, "?sort=-attempts") == [zhao.pk, li.pk, wang.pk]
    assert _ids(client, "?sort=attempts")[0] == wang.pk
    assert _ids(client, "?sort=type")[0] == li.pk  # by the type's code: after_sales before sales
    assert _ids(client, "?sort=-type")[-1] == li.pk
    html = client.get("/callbacks/?sort=customer&q=").content.decode()
    assert 'aria-sort="ascending"' in html and 'data-testid="sort-customer">客户 ▲' in html
    assert "sort=-customer" in html  # the header links the other way round
    # An unknown sort: the queue's own order, the other filters kept.
    assert _ids(client, "?sort=bogus&q=" + urllib.parse.quote("赵强")) == [zhao.pk]


def test_page_two_exists_with_thirty_tasks(
    agent: Any, store: Any, clock: Any, make_task: Callable[..., CallbackTask]
) -> None:
    """Issue #22: paging past 25 — 30 tasks are 25 on page 1 and 5 on page 2, each once."""
    made = {make_task(store, due_in=dt.timedelta(minutes=-(i + 1))).pk for i in range(30)}
    client = _client(agent)
    first = client.get("/callbacks/")
    html = first.content.decode()
    assert "待回访 30 个任务" in html and "第 1 / 2 页" in html and 'data-testid="next-page"' in html
    page1 = [t.pk for t in first.context["tasks"]]
    page2 = _ids(client, "?page=2")
    assert len(page1) == 25 and len(page2) == 5
    assert set(page1) | set(page2) == made and not set(page1) & set(page2)
    assert _ids(client, "?page=99") == page2  # past the end: the last page


def test_attempts_column_says_what_it_shows(agent: Any, three: dict[str, CallbackTask]) -> None:
    CallAttempt.objects.create(
        task=three["li"], outcome=Outcome.WRONG_NUMBER, at=timezone.now() - dt.timedelta(minutes=5), by=agent
    )
    html = _client(agent).get("/callbacks/").content.decode()
    assert "拨打次数 · 最近一次拨打" in html and "号码错误" in html  # count, last call's time and outcome
    english = _client(agent)
    english.cookies["django_language"] = "en"
    assert "Calls · last call" in english.get("/callbacks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_queue_with_search_and_sort_has_a_fixed_query_count(
    agent: Any, store: Any, clock: Any, make_task: Callable[..., CallbackTask]
) -> None:
    made = iter(range(1000))

    def grow(k: int) -> None:
        for _ in range(k):
            n = next(made)
            customer = CustomerFactory(store=store, name=f"王{n}", mobile=f"139{n:04d}7788")
            task = make_task(store, customer=customer)
            CallAttempt.objects.create(
                task=task, outcome=Outcome.NO_ANSWER, at=timezone.now() - dt.timedelta(hours=3), by=agent
            )
        cache.clear()

    bodies = assert_flat(
        {
            "by_name": (agent, "/callbacks/?q=%E7%8E%8B&sort=-attempts", False),
            "by_tail": (agent, "/callbacks/?q=7788&sort=customer", False),
            "page_2": (agent, "/callbacks/?q=%E7%8E%8B&page=2", False),
        },
        grow,
        # As the plain queue (tests/callbacks/test_queries.py, 13): the search and the sort are
        # conditions of the same count and id queries, not queries of their own. The agent's four
        # figures are cached for a minute: only the first page measured reads them.
        pinned={"by_name": 13, "by_tail": 7, "page_2": 7},
    )
    assert bodies["by_name"].count('data-testid="task-') == 6
    assert bodies["by_tail"].count('data-testid="task-') == 6


# ---- booked call-back presets ----------------------------------------------------------------


def _presets(now: dt.datetime) -> dict[str, Any]:
    return {p["key"]: p for p in booking.presets(now=now, hours=booking.Hours.load())}


def test_presets_on_a_friday_afternoon(db: Any) -> None:
    """Friday 15:00: in an hour 16:00; before close 17:00 (17:30 less 30 min); next morning is
    Monday 09:00 (the weekend is no working time)."""
    friday = at(2026, 3, 13, 15, 0)
    with time_machine.travel(friday, tick=False):
        p = _presets(friday)
    assert p["in_1h"]["at"] == at(2026, 3, 13, 16, 0)
    assert p["before_close"]["at"] == at(2026, 3, 13, 17, 0)
    assert p["next_morning"]["at"] == at(2026, 3, 16, 9, 0)


def test_presets_late_on_friday_refuse_times_after_closing(db: Any) -> None:
    late = at(2026, 3, 13, 17, 10)
    p = _presets(late)
    assert p["in_1h"]["at"] is None and "不在工作时间内" in p["in_1h"]["error"]
    assert p["before_close"]["at"] is None and "已过" in p["before_close"]["error"]
    assert p["next_morning"]["at"] == at(2026, 3, 16, 9, 0)


def test_next_morning_before_a_holiday_and_on_an_adjusted_working_saturday(db: Any) -> None:
    """DOMAIN §5/§9: National Day 2026 is 1–7 October; 10 October (Saturday) is worked (调休)."""
    assert _presets(at(2026, 9, 30, 15, 0))["next_morning"]["at"] == at(2026, 10, 8, 9, 0)
    assert _presets(at(2026, 10, 9, 15, 0))["next_morning"]["at"] == at(2026, 10, 10, 9, 0)
    # An admin's override wins: Thursday 12 March made a holiday moves Wednesday's "明早" to Friday.
    CalendarOverride.objects.create(date=dt.date(2026, 3, 12), is_working_day=False, note="店休")
    assert _presets(at(2026, 3, 11, 10, 0))["next_morning"]["at"] == at(2026, 3, 13, 9, 0)
    # On a non-working day there is no "today before close".
    assert "不是工作日" in _presets(at(2026, 10, 3, 10, 0))["before_close"]["error"]


def test_preset_buttons_fill_the_booked_time_without_script(
    agent: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    friday = at(2026, 3, 13, 15, 0)
    with time_machine.travel(friday, tick=False):
        task = make_task(store)
        client = _client(agent)
        page = client.get(f"/callbacks/{task.pk}/").content.decode()
        assert 'data-preset-at="2026-03-16T09:00"' in page and "明早 9:00" in page
        # Enter in the note field still saves: the form's first submit button is not a preset.
        form = page.split('data-testid="attempt-form"')[1]
        first_button = re.search(r"<button[^>]*>", form)
        assert first_button and 'name="preset"' not in first_button.group(0)
        filled = client.post(
            f"/callbacks/{task.pk}/attempts/", {"preset": "next_morning", "note": "客户在开会"}
        )
        assert filled.status_code == 200
        html = filled.content.decode()
        assert 'value="2026-03-16T09:00"' in html and "客户在开会" in html  # the note is kept
        chosen = re.search(r'<input type="radio" name="outcome" value="call_back_later"[^>]*>', html)
        assert chosen and "checked" in chosen.group(0)  # "约定回拨" ticked
        assert not CallAttempt.objects.filter(task=task).exists()  # filled in, not saved yet
        saved = client.post(
            f"/callbacks/{task.pk}/attempts/",
            {"outcome": "call_back_later", "call_back_at": "2026-03-16T09:00", "note": "客户在开会"},
        )
        assert saved.status_code == 302
    task.refresh_from_db()
    assert task.callback_later_at == at(2026, 3, 16, 9, 0)


def test_a_preset_or_typed_time_outside_working_time_is_refused_in_chinese(
    agent: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    late = at(2026, 3, 13, 17, 10)
    with time_machine.travel(late, tick=False):
        task = make_task(store)
        client = _client(agent)
        refused = client.post(f"/callbacks/{task.pk}/attempts/", {"preset": "before_close"})
        assert refused.status_code == 400 and "今天下班前（17:00）已过" in refused.content.decode()
        evening = client.post(
            f"/callbacks/{task.pk}/attempts/",
            {"outcome": "call_back_later", "call_back_at": "2026-03-13T20:00"},
        )
        assert (
            evening.status_code == 400 and "不在工作时间内（工作日 08:30–17:30）" in evening.content.decode()
        )
        past = client.post(
            f"/callbacks/{task.pk}/attempts/",
            {"outcome": "call_back_later", "call_back_at": "2026-03-13T09:00"},
        )
        assert past.status_code == 400 and "已过，请选择以后的时间" in past.content.decode()
    assert not CallAttempt.objects.filter(task=task).exists()


# ---- click-to-dial ---------------------------------------------------------------------------


class FakeCti:
    """A local CTI: records each GET and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake.requests.append(self.path)
                self.send_response(fake.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def cti(settings: Any, agent: Any) -> Iterator[FakeCti]:
    fake = FakeCti()
    fake.thread.start()
    settings.CTI_DIAL_URL_TEMPLATE = fake.base + "/dial?ext={extension}&number={number}"
    agent.profile.extension = "8001"
    agent.profile.save(update_fields=["extension"])
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def _dials(task: CallbackTask) -> int:
    return CallbackEvent.objects.filter(task=task, action="dial").count()


def test_click_to_dial_asks_the_cti_once_and_logs_the_dial(
    clock: Any, cti: FakeCti, agent: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    task = make_task(store)
    client = _client(agent)
    assert f'data-testid="cti-dial-{task.pk}"' in client.get("/callbacks/").content.decode()
    assert 'data-testid="cti-dial"' in client.get(f"/callbacks/{task.pk}/").content.decode()
    response = client.post(f"/callbacks/{task.pk}/dial/", {"back": "queue"})
    assert response.status_code == 302 and response["Location"] == f"/callbacks/{task.pk}/#attempt-heading"
    assert cti.requests == [f"/dial?ext=8001&number={task.customer.mobile}"]
    assert _dials(task) == 1
    event = CallbackEvent.objects.get(task=task, action="dial")
    assert event.actor == agent and "8001" in event.note
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.claimed_by == agent  # taken by dialling
    assert not CallAttempt.objects.filter(task=task).exists()  # the outcome is the agent's to record
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="dials"' in page and "分机 8001" in page  # the call page lists the dial


def test_a_failing_cti_changes_nothing_and_says_so(
    clock: Any, cti: FakeCti, agent: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    cti.status = 503
    task = make_task(store)
    client = _client(agent)
    response = client.post(f"/callbacks/{task.pk}/dial/", {"back": "queue"}, follow=True)
    assert "呼叫中心（CTI）拒绝了呼叫（状态 503）" in response.content.decode()
    assert len(cti.requests) == 1 and _dials(task) == 0
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING and task.claimed_by is None  # the claim rolled back


def test_an_unreachable_cti_changes_nothing(
    clock: Any, settings: Any, agent: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    settings.CTI_DIAL_URL_TEMPLATE = "http://127.0.0.1:9/dial?number={number}"  # nobody listens
    task = make_task(store)
    response = _client(agent).post(f"/callbacks/{task.pk}/dial/", follow=True)
    assert "呼叫中心（CTI）无法连接" in response.content.decode() and _dials(task) == 0


def test_dialling_needs_the_agents_extension(
    clock: Any, cti: FakeCti, agent: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    agent.profile.extension = ""
    agent.profile.save(update_fields=["extension"])
    task = make_task(store)
    response = _client(agent).post(f"/callbacks/{task.pk}/dial/", follow=True)
    assert "未填写分机号" in response.content.decode()
    assert cti.requests == [] and _dials(task) == 0


def test_without_the_setting_there_is_no_dial_button(
    clock: Any, settings: Any, agent: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    settings.CTI_DIAL_URL_TEMPLATE = ""
    task = make_task(store)
    client = _client(agent)
    assert "cti-dial" not in client.get("/callbacks/").content.decode()
    page = client.get(f"/callbacks/{task.pk}/").content.decode()
    assert "cti-dial" not in page and f'href="tel:{task.customer.mobile}"' in page  # the tel: link stays
    response = client.post(f"/callbacks/{task.pk}/dial/", follow=True)
    assert "未启用点击拨号" in response.content.decode() and _dials(task) == 0


def test_read_only_roles_cannot_dial(
    clock: Any, cti: FakeCti, hq: Any, store: Any, make_task: Callable[..., CallbackTask]
) -> None:
    task = make_task(store)
    assert "cti-dial" not in _client(hq).get(f"/callbacks/{task.pk}/").content.decode()
    assert _client(hq).post(f"/callbacks/{task.pk}/dial/").status_code == 403
    assert cti.requests == [] and _dials(task) == 0
