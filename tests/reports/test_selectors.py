"""Every figure of the report, recomputed here from the fixture month's own rows (conftest)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from statistics import mean
from typing import Any

import pytest
from django.utils import timezone

from callbacks.models import Survey
from csat.models import DepartmentKind, SalesDelivery, ServiceVisit
from reports import selectors
from tests.reports.builders import (
    ATTITUDE,
    MONTH,
    NOW,
    OVERALL,
    PARTS,
    SH,
    SKILL,
    TIMELINESS,
    at,
    deadline,
    dept,
    make_complaint,
)

pytestmark = pytest.mark.django_db

APRIL = MONTH.replace(month=4)


def _ids(store: Any) -> list[int]:
    return [store.pk]


def _in_march(value: Any) -> bool:
    return MONTH <= timezone.localtime(value, SH).date() < APRIL


def _rated(surveys: list[Survey]) -> list[int]:
    """The scores that make the monthly satisfaction: 100-point surveys only (DOMAIN §9 "Report scope")."""
    return [s.score_used for s in surveys if s.score_used is not None and s.type != "five_dimension"]


def test_required_reached_surveyed_and_validity(march: Any) -> None:
    counts = selectors.survey_counts(month=MONTH, store_ids=_ids(march.store))
    required = len(march.tasks)
    reached = sum(1 for t in march.tasks if t.reached_at)
    surveyed = sum(1 for s in march.surveys if s.callback_id and s.score_used is not None)
    assert (
        (counts["required"], counts["reached"], counts["surveyed"])
        == (required, reached, surveyed)
        == (10, 8, 6)
    )
    assert counts["reach_rate"] == pytest.approx(reached / required)
    assert counts["survey_rate"] == pytest.approx(surveyed / reached)
    assert counts["reach_ok"] and counts["survey_ok"] and counts["valid"]


def test_validity_fails_below_fifty_percent(march: Any) -> None:
    counts = selectors.survey_counts(month=MONTH, store_ids=[march.other.pk])
    # GZ01: one task due, nobody reached.
    assert (counts["required"], counts["reached"]) == (1, 0)
    assert not counts["reach_ok"] and not counts["valid"]


def test_satisfaction_this_month_last_month_target(march: Any) -> None:
    sat = selectors.satisfaction(month=MONTH, store_ids=_ids(march.store))
    expected = mean(_rated(march.surveys))
    assert sat["current"] == pytest.approx(expected)
    assert sat["previous"] == pytest.approx(mean([80, 90]))
    assert sat["change"] == pytest.approx(expected - 85)
    assert sat["rated"] == len(_rated(march.surveys))
    assert sat["not_rated"] == 2  # excluded from the base, not counted as 0
    assert sat["target"] == 90
    assert sat["short"] is (expected < 90)


def _groups(surveys: list[Survey], key: Any) -> dict[str, float | None]:
    grouped: dict[str, list[int]] = defaultdict(list)
    for s in surveys:
        grouped[key(s)]
        if s.score_used is not None:
            grouped[key(s)].append(s.score_used)
    return {k: (mean(v) if v else None) for k, v in grouped.items()}


def _as_dict(rows: list[dict[str, Any]], by: str = "key") -> dict[str, float | None]:
    return {row[by]: row["average"] for row in rows}


def test_satisfaction_breakdowns(march: Any) -> None:
    b = selectors.satisfaction_breakdowns(month=MONTH, store_ids=_ids(march.store))
    # By type the five-dimension survey has its own row; every other breakdown leaves it out.
    assert _as_dict(b["type"]) == pytest.approx(_groups(march.surveys, lambda s: s.type))
    surveys = [s for s in march.surveys if s.type != "five_dimension"]
    assert [r["key"] for r in b["type"]] == ["sales", "after_sales", "five_dimension"]
    assert _as_dict(b["channel"]) == pytest.approx(_groups(surveys, lambda s: s.channel))
    assert _as_dict(b["agent"]) == pytest.approx(_groups(surveys, lambda s: str(s.surveyed_by_id)))
    assert _as_dict(b["model"]) == pytest.approx(_groups(surveys, lambda s: s.vehicle.model))
    assert _as_dict(b["store"]) == pytest.approx({str(march.store.pk): mean(_rated(surveys))})

    def department(s: Survey) -> str:
        staff = s.callback and (s.callback.sale or s.callback.visit)
        if staff:
            person = s.callback.sale.consultant if s.callback.sale else s.callback.visit.service_advisor
            return person.profile.department.kind
        return "sales" if s.type == "sales" else "service"

    assert _as_dict(b["department"]) == pytest.approx(_groups(surveys, department))
    u = march.users
    assert {r["key"]: (r["label"], r["role"]) for r in b["staff"]} == {
        str(u["consultant"].pk): ("王顾问", "销售顾问"),
        str(u["advisor"].pk): ("陈顾问", "服务顾问"),
    }
    with_staff = [s for s in surveys if s.callback_id and (s.callback.sale_id or s.callback.visit_id)]
    expected_staff = _groups(
        with_staff, lambda s: str(u["consultant"].pk) if s.callback.sale_id else str(u["advisor"].pk)
    )
    assert _as_dict(b["staff"]) == pytest.approx(expected_staff)
    agent_row = next(r for r in b["agent"] if r["key"] == str(u["agent2"].pk))
    assert agent_row["label"] == "赵敏"
    assert agent_row["not_rated"] == 2
    for rows in b.values():
        for row in rows:
            assert row["short"] is (row["average"] is not None and row["average"] < 90)


def test_five_dimensions_counted_in_sql_from_the_json(march: Any) -> None:
    dims = selectors.dimension_stats(month=MONTH, store_ids=_ids(march.store))
    rows = {r["key"]: r for r in dims["rows"]}
    for key, ratings in (
        ("skill", SKILL),
        ("attitude", ATTITUDE),
        ("timeliness", TIMELINESS),
        ("parts", PARTS),
        ("overall", OVERALL),
    ):
        counts = Counter(ratings)
        assert rows[key]["counts"] == {str(v): counts.get(v, 0) for v in range(1, 11)}
        assert rows[key]["n"] == 38
        assert rows[key]["score"] == pytest.approx(sum(ratings) * 10 / len(ratings))
    t = rows["timeliness"]
    assert round(t["score"], 1) == 79.2  # the DOMAIN §2 worked example
    levels = {lvl["key"]: lvl for lvl in t["levels"]}
    assert levels["satisfied"]["count"] == 36 and levels["average"]["count"] == 1
    assert levels["very_satisfied"]["percent"] == pytest.approx(100 / 38)
    # Against the report target of 90: 342 points needed, 301 given; lifting every 7 and 8 is not enough.
    assert dims["target"] == 90
    assert t["points_short"] == math.ceil(0.9 * 380) - 301 == 41
    assert t["lifts_needed"] is None
    assert rows["attitude"]["points_short"] == 0 and rows["attitude"]["lifts_needed"] == 0
    scores = [sum(r) * 10 / 38 for r in (SKILL, ATTITUDE, TIMELINESS, PARTS, OVERALL)]
    assert dims["overall"] == pytest.approx(mean(scores))


def test_what_it_takes_for_the_source_target_of_80(march: Any, settings: Any) -> None:
    settings.CSAT = {**settings.CSAT, "SATISFACTION_TARGET": 80}
    dims = selectors.dimension_stats(month=MONTH, store_ids=_ids(march.store))
    t = next(r for r in dims["rows"] if r["key"] == "timeliness")
    assert (t["points_short"], t["lifts_needed"]) == (3, 3)
    # "very satisfied rises from 2.6 % to 10.5 %"
    assert (round(t["very_satisfied_now"], 1), round(t["very_satisfied_after"], 1)) == (2.6, 10.5)


def test_reason_codes_ranked(march: Any) -> None:
    reasons = selectors.reason_ranking(month=MONTH, store_ids=_ids(march.store))
    expected = Counter(code.code for s in march.surveys for code in s.reason_codes.all())
    assert (
        [(r["code"], r["count"]) for r in reasons]
        == expected.most_common()
        == [("long_wait", 8), ("arrived_late", 1)]
    )
    assert [r["rank"] for r in reasons] == [1, 2]
    assert reasons[0]["dimension_label"] == "配件供应"


def test_items_praised_lacking_and_technique(march: Any) -> None:
    stats = selectors.item_stats(month=MONTH, store_ids=_ids(march.store))
    answers: Counter[tuple[str, str, str]] = Counter(
        (s.type, key, value) for s in march.surveys for key, value in s.items.items()
    )
    for item in stats["items"]:
        for value, count in item["answers"].items():
            assert count == answers[(item["type"], item["key"], value)], (item["key"], value)
    by_key = {(i["type"], i["key"]): i for i in stats["items"]}
    attitude = by_key[("sales", "consultant_attitude")]
    assert (attitude["positive"], attitude["negative"], attitude["lacking"]) == (3, 1, 1)
    assert by_key[("sales", "delivery")]["average"] == 1
    assert stats["lacking"][0]["negative"] >= stats["lacking"][-1]["negative"]
    assert {i["key"] for i in stats["praised"]} >= {"consultant_knowledge", "repair_quality"}
    technique = {t["key"]: t for t in stats["technique"]}
    mech, body = technique["technique_mechanical"], technique["technique_body_paint"]
    assert (mech["satisfied"], mech["dissatisfied"], mech["issues"]) == (1, 2, 2)
    assert (body["not_applicable"], body["average"], body["issues"]) == (1, 2, 2)


def test_feedback_lists(march: Any) -> None:
    lists = selectors.feedback_lists(month=MONTH, store_ids=_ids(march.store))
    by_class = defaultdict(set)
    for s in march.surveys:
        by_class[s.classification].add(s.pk)
    assert {r["id"] for r in lists["dissatisfied"]} == by_class["dissatisfied"] | by_class["complaint"]
    assert {r["id"] for r in lists["grievances"]} == by_class["grievance"]
    assert {r["id"] for r in lists["opinions"]} == by_class["opinion"] | by_class["at_risk_opinion"]
    assert [(r["score"], r["at_risk"]) for r in lists["opinions"]] == [(85, False), (75, True)]
    not_rated = [s for s in march.surveys if s.score_used is None]
    assert {r["id"] for r in lists["not_rated"]} == {s.pk for s in not_rated}
    assert lists["not_rated_reasons"] == [{"reason": "客户忙，不愿评分", "count": 2}]
    assert lists["dissatisfied"][0]["mobile"].count("*") == 4  # masked in the report


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {r["key"]: r["count"] for r in rows if r["count"]}


def test_complaint_counts(march: Any) -> None:
    stats = selectors.complaint_stats(month=MONTH, store_ids=_ids(march.store))
    received = [
        c for c in march.complaints.values() if c.store_id == march.store.pk and _in_march(c.received_at)
    ]
    assert stats["total"] == len(received) == 3
    assert _counts(stats["by_kind"]) == dict(Counter(c.kind for c in received))
    # General/major: complaints only (DOMAIN §9); the other kinds counted beside them.
    complaints = [c for c in received if c.kind == "complaint"]
    assert _counts(stats["by_severity"]) == dict(Counter(c.severity for c in complaints)) == {"major": 1}
    assert (stats["complaints"], stats["dissatisfied_grievances"]) == (1, 2)
    assert _counts(stats["by_category"]) == dict(Counter(c.category for c in received))
    assert _counts(stats["by_grade"]) == dict(Counter(c.grade for c in received))
    assert _counts(stats["by_status"]) == dict(Counter(c.status for c in received))
    assert {r["label"]: (r["count"], r["major"]) for r in stats["by_department"]} == {
        "服务部": (1, 1),
        "销售部": (1, 0),
        "未派单": (1, 0),
    }
    assert stats["compensation"] == {"count": 1, "amount": 500.0, "in_kind_count": 0, "in_kind": []}


def test_deadline_steps_met_and_missed(march: Any) -> None:
    steps = {r["key"]: r for r in selectors.deadline_steps(month=MONTH, store_ids=_ids(march.store))}
    assert [
        steps[k]["total"] for k in ("handoff", "dispatch", "first_contact", "progress_report", "follow_up")
    ] == [
        2,
        2,
        1,
        2,
        0,
    ]
    assert (steps["handoff"]["met"], steps["handoff"]["missed"]) == (2, 0)
    assert (steps["dispatch"]["met"], steps["dispatch"]["missed"], steps["dispatch"]["open"]) == (0, 1, 1)
    assert steps["first_contact"]["missed"] == 1
    assert (steps["progress_report"]["met"], steps["progress_report"]["open"]) == (1, 1)
    assert steps["handoff"]["met_rate"] == 1.0 and steps["follow_up"]["met_rate"] is None


def test_a_step_breached_then_transferred_away_stays_missed(march: Any) -> None:
    """DOMAIN §9: a breach stays charged (−2) to the department that owned the step when the ticket
    is transferred; the transfer stops the timer, which must still count as missed. A timer stopped
    before it came due (never breached) is neither met nor missed."""
    service, business = dept(march.store, DepartmentKind.SERVICE), dept(march.store, DepartmentKind.BUSINESS)
    moved = make_complaint(
        march.store, "TS-MOVED", received=at(3, 12, 9), received_by=march.users["ccm"], department=business
    )
    deadline(
        moved,
        "first_contact",
        due=at(3, 12, 13),
        breached_at=at(3, 12, 13, 1),
        cancelled_at=at(3, 12, 14),  # transferred to the business department after the breach
        department=service,
    )
    deadline(moved, "first_contact", due=at(3, 12, 16), met_at=at(3, 12, 15), cycle=1, department=business)
    deadline(moved, "progress_report", due=at(3, 17, 14), cancelled_at=at(3, 12, 14))  # stopped in time
    steps = {r["key"]: r for r in selectors.deadline_steps(month=MONTH, store_ids=_ids(march.store))}
    first = steps["first_contact"]
    # The fixture's TS-1 breach, the transferred breach, the new department's step met in time.
    assert (first["total"], first["met"], first["missed"], first["open"]) == (3, 1, 2, 0)
    progress = steps["progress_report"]
    assert (progress["total"], progress["met"], progress["missed"], progress["open"]) == (2, 1, 0, 1)


def test_open_past_three_working_days_reopened_and_rates(march: Any) -> None:
    ids = _ids(march.store)
    open_past = selectors.open_past_three_days(month=MONTH, store_ids=ids, as_of=NOW)
    assert [r["number"] for r in open_past] == ["TS-4", "TS-1"]
    assert open_past[0]["past_due_at"] == "2026-02-25 10:00"
    reopened = selectors.reopened(month=MONTH, store_ids=ids)
    assert [(r["number"], r["reopens"]) for r in reopened] == [("TS-4", 1)]

    stats = selectors.complaint_stats(month=MONTH, store_ids=ids)
    rates = {r["key"]: r for r in selectors.complaint_rates(month=MONTH, store_ids=ids, stats=stats)}
    intakes = sum(1 for v in ServiceVisit.objects.filter(store=march.store) if _in_march(v.opened_at))
    sold = sum(1 for d in SalesDelivery.objects.filter(store=march.store) if _in_march(d.delivered_at))
    # Issue #18 (DOMAIN §9): only kind "complaint" counts. TS-2 (dissatisfied, sales) and TS-3
    # (grievance, parts) stay out of the rate ("不在公司质量目标的要求上直接体现").
    assert (rates["service"]["complaints"], rates["service"]["base"]) == (1, intakes)
    assert (rates["sales"]["complaints"], rates["sales"]["base"]) == (0, sold)
    assert rates["service"]["per_mille"] == pytest.approx(1000 / intakes)
    assert rates["sales"]["per_mille"] == pytest.approx(0)
    assert rates["service"]["target"] == 1.0 and rates["sales"]["target"] == 0.5
    assert rates["service"]["short"] and not rates["sales"]["short"]


def test_measures_alive_in_the_month(march: Any) -> None:
    measures = selectors.measures(month=MONTH, store_ids=_ids(march.store))
    assert sorted(m["status"] for m in measures["items"]) == ["in_progress", "rejected"]
    assert _counts(measures["by_status"]) == {"in_progress": 1, "rejected": 1}
    assert next(m for m in measures["items"] if m["status"] == "in_progress")["overdue"] is True


def test_assessment_points_with_events(march: Any) -> None:
    rows = {r["department"]: r for r in selectors.assessment(month=MONTH, store_ids=_ids(march.store))}
    service, sales = rows["服务部"], rows["销售部"]
    assert (service["deductions"], service["total"]) == (-7.0, -7.0)
    assert sorted(e["points"] for e in service["events"]) == [-5.0, -2.0]
    assert next(e for e in service["events"] if e["kind"] == "missed_deadline")["step"].startswith("联系客户")
    # Issue #18 (DOMAIN §9): TS-2 is a dissatisfied callback, no −1 ("不在公司质量目标的要求上直接体现").
    assert (sales["deductions"], sales["adjustments"], sales["total"]) == (0.0, 1.0, 1.0)
    assert rows["配件部"]["events"] == []


def test_twelve_month_trend(march: Any) -> None:
    trend = selectors.satisfaction_trend(month=MONTH, store_ids=_ids(march.store))
    assert [r["month"] for r in trend][:2] == ["2025-04", "2025-05"] and trend[-1]["month"] == "2026-03"
    by_month = {r["month"]: r for r in trend}
    assert by_month["2026-01"]["average"] == 70
    assert by_month["2026-02"]["average"] == pytest.approx(85)
    assert by_month["2026-03"]["average"] == pytest.approx(mean(_rated(march.surveys)))
    assert by_month["2026-03"]["rated"] == len(_rated(march.surveys))
    # Complaints only (DOMAIN §9): March's TS-2 and TS-3 are a dissatisfied callback and a grievance.
    assert (by_month["2026-02"]["complaints"], by_month["2026-03"]["complaints"]) == (1, 1)
    assert by_month["2025-06"]["average"] is None and by_month["2025-06"]["rated"] == 0


def test_group_scope_adds_every_store(march: Any) -> None:
    data = selectors.report_data(month=MONTH, store=None, as_of=NOW)
    assert data["scope"] == "GROUP"
    group_surveys = Survey.objects.filter(
        surveyed_at__gte=selectors.month_bounds(MONTH)[0], surveyed_at__lt=selectors.month_bounds(MONTH)[1]
    )
    assert data["surveys"]["satisfaction"]["current"] == pytest.approx(mean(_rated(list(group_surveys))))
    assert data["complaints"]["total"] == 4
    assert {r["label"] for r in data["surveys"]["breakdowns"]["store"]} == {
        "深圳福田店 (SZ01)",
        "广州天河店 (GZ01)",
    }
    assert any(
        "·" in r["label"] for r in data["complaints"]["by_department"]
    )  # store shown with the department
    store_data = selectors.report_data(month=MONTH, store=march.store, as_of=NOW)
    assert store_data["scope"] == "SZ01" and store_data["complaints"]["total"] == 3
