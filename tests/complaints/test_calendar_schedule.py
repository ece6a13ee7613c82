"""DOMAIN §9 "Working time after the package's data ends" on the admin side: an imported schedule
(调休 working Saturday) moves open deadlines; the unconfirmed next year warns the admin and the GM
from 1 November, on /healthz too (a warning, not a failure), until an admin confirms it.
Source: complaint-handling-procedure.zh.txt (timers on working days of the mainland-China calendar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints.models import Complaint, Deadline, DeadlineKind
from csat import services as csat_services
from csat.domain.holiday_schedule import parse_schedule
from csat.models import CalendarOverride, CalendarYear
from tests.fixtures import at

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_imported_adjusted_saturday_becomes_working_day_and_open_deadlines_move(
    make_complaint: Callable[..., Complaint], agent: Any, sales: Any
) -> None:
    # Fri 2027-02-12 17:20, not urgent: 10 minutes today, the rest on the next working day.
    with time_machine.travel(at(2027, 2, 12, 17, 20), tick=False):
        ticket = make_complaint()
    dispatch = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.DISPATCH)
    assert dispatch.due_at == at(2027, 2, 15, 8, 50)  # Monday: Saturday is a weekend by default
    csat_services.calendar_schedule_import(entries=parse_schedule("2027-02-13 班 春节调休\n"))
    assert CalendarOverride.objects.get(date=dt.date(2027, 2, 13)).is_working_day
    dispatch.refresh_from_db()
    assert dispatch.due_at == at(2027, 2, 13, 8, 50)  # the 调休 Saturday


def test_import_through_the_calendar_page(assessor: Any) -> None:
    client = logged_in(assessor)
    response = client.post(
        "/calendar/",
        {"action": "import", "text": "2027-02-13 班\n2027-02-09 休 春节\n", "confirm_year": "2027"},
    )
    assert response.status_code == 302
    assert dict(CalendarOverride.objects.values_list("date", "is_working_day")) == {
        dt.date(2027, 2, 13): True,
        dt.date(2027, 2, 9): False,
    }
    assert CalendarYear.objects.filter(year=2027, confirmed_by=assessor).exists()
    ics = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270926\r\nSUMMARY:\xe5\x9b\xbd\xe5\xba\x86 "
        b"\xe4\xb8\x8a\xe7\x8f\xad\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    response = client.post(
        "/calendar/", {"action": "import", "file": SimpleUploadedFile("2027.ics", ics, "text/calendar")}
    )
    assert response.status_code == 302
    assert CalendarOverride.objects.get(date=dt.date(2027, 9, 26)).is_working_day


def test_bad_import_line_is_400_naming_the_line(assessor: Any) -> None:
    response = logged_in(assessor).post(
        "/calendar/", {"action": "import", "text": "2027-02-13 班\nnonsense\n"}
    )
    assert response.status_code == 400
    assert "2" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_a_day_both_holiday_and_working_day_is_400_naming_both_lines(assessor: Any) -> None:
    response = logged_in(assessor).post(
        "/calendar/", {"action": "import", "text": "2027-02-06 休\n2027-02-13 班\n2027-02-06 班\n"}
    )
    assert response.status_code == 400
    assert "第 3 行与第 1 行矛盾：同一天不能既是休息日又是工作日。" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_import_is_admin_only(gm: Any) -> None:
    assert logged_in(gm).post("/calendar/", {"action": "import", "text": "2027-02-13 班"}).status_code == 403


def test_confirming_a_year_recomputes_open_deadlines(
    make_complaint: Callable[..., Complaint], agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved: list[Any] = []
    from complaints.services import deadlines

    monkeypatch.setattr(deadlines, "deadlines_recompute", lambda since=None: moved.append(since) or 0)
    csat_services.calendar_year_confirm(year=2027, user=agent)
    assert moved == [dt.date(2027, 1, 1)]


def test_unconfirmed_year_warning_from_1_november_until_confirmed(gm: Any, assessor: Any) -> None:
    with time_machine.travel(at(2026, 10, 31, 10, 0), tick=False):
        assert "calendar-unconfirmed" not in logged_in(gm).get("/").content.decode()
        assert Client().get("/healthz?skip=beat").json()["warnings"] == []
    with time_machine.travel(at(2026, 11, 1, 10, 0), tick=False):
        assert "calendar-unconfirmed" in logged_in(gm).get("/").content.decode()
        assert "calendar-unconfirmed" in logged_in(assessor).get("/").content.decode()
        assert "calendar-unconfirmed" in logged_in(assessor).get("/calendar/").content.decode()
        health = Client().get("/healthz?skip=beat")
        assert health.status_code == 200
        assert health.json()["ok"] is True
        assert health.json()["warnings"][0]["code"] == "calendar_unconfirmed"
        assert health.json()["warnings"][0]["year"] == 2027
        csat_services.calendar_year_confirm(year=2027, user=assessor)
        assert "calendar-unconfirmed" not in logged_in(gm).get("/").content.decode()
        assert Client().get("/healthz?skip=beat").json()["warnings"] == []


def test_rule_the_unconfirmed_warning_and_healthz_stay_after_new_years_day(gm: Any, assessor: Any) -> None:
    """DOMAIN §9: unconfirmed until an admin confirms it; on 1 January 2027 its adjusted working
    weekends are still unknown, so the GM, the admin and /healthz still say so."""
    with time_machine.travel(at(2027, 1, 4, 10, 0), tick=False):
        assert "calendar-unconfirmed" in logged_in(gm).get("/").content.decode()
        assert Client().get("/healthz?skip=beat").json()["warnings"][0]["year"] == 2027
        csat_services.calendar_year_confirm(year=2027, user=assessor)
        assert "calendar-unconfirmed" not in logged_in(gm).get("/").content.decode()
        assert Client().get("/healthz?skip=beat").json()["warnings"] == []


def test_agent_landing_shows_no_calendar_warning(agent: Any) -> None:
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False):
        assert "calendar-unconfirmed" not in logged_in(agent).get("/").content.decode()


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN:VEVENT\nDTSTART:99991231\nEND:VEVENT",  # the day after does not exist
        "BEGIN:VEVENT\nDTSTART:20270101\nDTEND:99991231\nEND:VEVENT",
        "BEGIN:VEVENT\nDTSTART:00010101\nEND:VEVENT",  # midnight in Shanghai is before year 1 in UTC
        "BEGIN:VEVENT\nDTSTART:20270101\nDTEND:29991231\nEND:VEVENT",  # 354,000 days: not a holiday
        "0001-01-01 休",
        "9999-12-31 班",
    ],
)
def test_import_of_dates_the_calendar_cannot_hold_is_400_and_saves_nothing(assessor: Any, text: str) -> None:
    # Hostile-input sweep (2026-12-04): each of these was a 500 (OverflowError) or wrote an override
    # a day for a thousand years. Now the line is named, as for any unreadable line.
    response = logged_in(assessor).post("/calendar/", {"action": "import", "text": text})
    assert response.status_code == 400
    assert "无法识别" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_a_holiday_event_of_up_to_a_month_is_imported() -> None:
    # The cap on an event's length is above any real holiday (Spring Festival: 8–9 days).
    entries = parse_schedule("BEGIN:VEVENT\nDTSTART:20270201\nDTEND:20270304\nSUMMARY:长假\nEND:VEVENT")
    assert len(entries) == 31
    assert not any(e.is_working_day for e in entries)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "unconfirm", "year": "²"},  # "²".isdigit() is true, int("²") fails
        {"action": "unconfirm", "year": "99999999999999999999"},
        {"action": "override", "date": "0001-01-01", "is_working_day": "0"},
        {"action": "override", "date": "9999-12-31", "is_working_day": "1"},
    ],
)
def test_calendar_page_refuses_years_and_dates_it_cannot_hold(assessor: Any, data: dict[str, str]) -> None:
    csat_services.calendar_year_confirm(year=2027, user=assessor)
    response = logged_in(assessor).post("/calendar/", data)
    assert response.status_code == 400
    assert not CalendarOverride.objects.exists()
    assert CalendarYear.objects.filter(year=2027, confirmed_by=assessor).exists()
