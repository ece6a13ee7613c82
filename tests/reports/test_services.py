"""Building versions: each build is a new immutable version; a used run key builds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from reports import services
from reports.models import MonthlyReport, Trigger
from reports.services import report_build
from tests.reports.builders import MONTH, NOW

pytestmark = pytest.mark.django_db


def test_build_twice_gives_v1_and_v2_and_v1_is_unchanged(march: Any) -> None:
    ccm = march.users["ccm"]
    v1 = report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=ccm)
    v1_bytes, v1_data = bytes(v1.xlsx), v1.data
    march.surveys[0].score_used = 0  # the data changes between the builds
    march.surveys[0].save(update_fields=["score_used"])
    v2 = report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
    assert (v1.version, v2.version) == (1, 2)
    stored = MonthlyReport.objects.get(pk=v1.pk)
    assert bytes(stored.xlsx) == v1_bytes
    assert stored.data == v1_data
    assert v2.data["surveys"]["satisfaction"]["current"] != v1_data["surveys"]["satisfaction"]["current"]
    assert (stored.trigger, stored.built_by, stored.scope, stored.store) == (
        "button",
        ccm,
        "SZ01",
        march.store,
    )
    assert stored.data_as_of == NOW and stored.built_at == NOW
    assert stored.data["version"] == 1 and stored.data["month"] == "2026-03"


def test_group_and_store_versions_count_separately(march: Any) -> None:
    group = report_build(month=MONTH, store=None, trigger=Trigger.COMMAND)
    store = report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
    again = report_build(month=MONTH.replace(day=15), store=None, trigger=Trigger.COMMAND)
    assert (group.scope, group.store, group.version) == ("GROUP", None, 1)
    assert (store.scope, store.version) == ("SZ01", 1)
    assert (again.version, again.month) == (2, MONTH)


def test_a_used_run_key_returns_the_existing_report(march: Any, django_assert_max_num_queries: Any) -> None:
    first = report_build(
        month=MONTH, store=march.store, trigger=Trigger.BEAT, run_key="beat:previous:2026-03:SZ01"
    )
    with django_assert_max_num_queries(1):  # one look-up, nothing built
        second = report_build(
            month=MONTH, store=march.store, trigger=Trigger.BEAT, run_key="beat:previous:2026-03:SZ01"
        )
    assert second.pk == first.pk
    assert MonthlyReport.objects.count() == 1


def test_a_racing_worker_returns_the_winners_report(march: Any, monkeypatch: Any) -> None:
    """Both workers passed the look-up; the second insert hits the unique run key and yields."""
    key = "beat:current:2026-03:SZ01"
    real = services._by_run_key
    calls = {"n": 0}

    def first_miss(run_key: str | None) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            # The other worker stores its report between our look-up and our insert.
            monkeypatch.setattr(services, "_by_run_key", real)
            winner = report_build(month=MONTH, store=march.store, trigger=Trigger.BEAT, run_key=key)
            monkeypatch.setattr(services, "_by_run_key", first_miss)
            calls["winner"] = winner.pk
            return None
        return real(run_key)

    monkeypatch.setattr(services, "_by_run_key", first_miss)
    mine = report_build(month=MONTH, store=march.store, trigger=Trigger.BEAT, run_key=key)
    assert mine.pk == calls["winner"]
    assert MonthlyReport.objects.filter(month=MONTH, scope="SZ01").count() == 1


def test_unknown_trigger_is_refused(march: Any) -> None:
    with pytest.raises(ValueError):
        report_build(month=MONTH, trigger="cron")
