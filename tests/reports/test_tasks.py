"""The beat task (idempotent per month and scope) and the management command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from reports.models import MonthlyReport
from reports.tasks import build_monthly_report
from tests.reports.builders import MONTH

pytestmark = pytest.mark.django_db


def test_beat_builds_group_and_each_store_once(march: Any) -> None:
    first = build_monthly_report.delay(which="previous").get()
    second = build_monthly_report(which="previous")
    assert first == second
    reports = MonthlyReport.objects.order_by("scope")
    assert [(r.scope, r.version, r.trigger, r.run_key) for r in reports] == [
        ("GROUP", 1, "beat", "beat:previous:2026-03:GROUP"),
        ("GZ01", 1, "beat", "beat:previous:2026-03:GZ01"),
        ("SZ01", 1, "beat", "beat:previous:2026-03:SZ01"),
    ]
    assert {r.month for r in reports} == {MONTH}


def test_current_and_previous_are_separate_runs(march: Any) -> None:
    build_monthly_report(which="current")  # on 2026-04-02 the current month is April
    build_monthly_report(which="previous")
    build_monthly_report(which="current", month="2026-03")  # the 28th's run for March, replayed
    assert sorted({f"{r.month:%Y-%m}" for r in MonthlyReport.objects.all()}) == ["2026-03", "2026-04"]
    march_sz = MonthlyReport.objects.filter(month=MONTH, scope="SZ01").order_by("version")
    assert [r.run_key for r in march_sz] == ["beat:previous:2026-03:SZ01", "beat:current:2026-03:SZ01"]


def test_unknown_which_is_refused() -> None:
    with pytest.raises(ValueError):
        build_monthly_report(which="next")


def test_command_builds_the_month(march: Any) -> None:
    out = StringIO()
    call_command("build_monthly_report", "2026-03", stdout=out)
    assert "2026-03 GROUP v1" in out.getvalue() and "2026-03 SZ01 v1" in out.getvalue()
    call_command("build_monthly_report", "2026-03", "--store", "SZ01", stdout=out)
    assert "2026-03 SZ01 v2" in out.getvalue()
    assert MonthlyReport.objects.filter(trigger="command").count() == 4
    with pytest.raises(CommandError):
        call_command("build_monthly_report", "2026-13")
    with pytest.raises(CommandError):
        call_command("build_monthly_report", "2026-03", "--store", "NOPE")
