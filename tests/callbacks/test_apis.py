"""/api/callbacks/, attempts, /api/surveys/, /api/survey-items/: shape, permissions, errors, queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from callbacks import services
from callbacks.models import CallAttempt, Survey, SurveyType, TaskStatus
from callbacks.services import SurveyInput
from complaints.models import Complaint
from tests.callbacks.test_services_surveys import AFTER_SALES_ITEMS, SALES_ITEMS

pytestmark = pytest.mark.django_db

Client = Callable[[Any], APIClient]


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_list_and_retrieve_callbacks(client_for: Client, agent: Any, store_a: Any, make_task: Any) -> None:
    task = make_task(store_a)
    services.call_attempt_log(task=task, actor=agent, outcome="no_answer")
    rows = results(client_for(agent).get("/api/callbacks/"))
    assert [r["id"] for r in rows] == [task.pk]
    row = rows[0]
    assert row["status"] == "pending" and row["type"] == "sales" and row["attempt_count"] == 1
    assert row["last_outcome"] == "no_answer" and row["due_at"] and row["survey"] is None
    detail = client_for(agent).get(f"/api/callbacks/{task.pk}/").json()
    assert [a["outcome"] for a in detail["attempts"]] == ["no_answer"]


def test_callbacks_filter_by_status_and_type(
    client_for: Client, agent: Any, store_a: Any, make_task: Any
) -> None:
    sale = make_task(store_a)
    visit = make_task(store_a, type=SurveyType.AFTER_SALES, status=TaskStatus.UNREACHABLE)
    client = client_for(agent)
    assert [r["id"] for r in results(client.get("/api/callbacks/?status=unreachable"))] == [visit.pk]
    assert [r["id"] for r in results(client.get("/api/callbacks/?type=sales"))] == [sale.pk]


def test_another_stores_task_is_404(client_for: Client, agent_b: Any, store_a: Any, make_task: Any) -> None:
    task = make_task(store_a)
    client = client_for(agent_b)
    assert client.get(f"/api/callbacks/{task.pk}/").status_code == 404
    assert (
        client.post(f"/api/callbacks/{task.pk}/attempts/", {"outcome": "reached"}, format="json").status_code
        == 404
    )
    assert client.post(f"/api/callbacks/{task.pk}/claim/").status_code == 404
    response = client.post("/api/surveys/", {"callback": task.pk, "score": 90}, format="json")
    assert response.status_code == 400 and "callback" in response.json()


@pytest.mark.parametrize("role_user", ["sales_manager", "gm", "hq", "front_line"])
def test_other_roles_cannot_log_attempts_or_surveys(
    client_for: Client, store_a: Any, make_task: Any, role_user: str, request: Any
) -> None:
    task = make_task(store_a)
    client = client_for(request.getfixturevalue(role_user))
    response = client.post(f"/api/callbacks/{task.pk}/attempts/", {"outcome": "reached"}, format="json")
    assert response.status_code == 403
    assert client.post(f"/api/callbacks/{task.pk}/claim/").status_code == 403
    survey = {"callback": task.pk, "score": 90, "items": SALES_ITEMS}
    assert client.post("/api/surveys/", survey, format="json").status_code == 403
    assert not CallAttempt.objects.exists() and not Survey.objects.exists()


def test_front_line_staff_cannot_read_callbacks(client_for: Client, front_line: Any) -> None:
    assert client_for(front_line).get("/api/callbacks/").status_code == 403


def test_managers_read_callbacks(
    client_for: Client, sales_manager: Any, hq: Any, store_a: Any, make_task: Any
) -> None:
    make_task(store_a)
    assert len(results(client_for(sales_manager).get("/api/callbacks/"))) == 1
    assert len(results(client_for(hq).get("/api/callbacks/"))) == 1


def test_claim_and_conflict(
    client_for: Client, agent: Any, agent2: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    response = client_for(agent).post(f"/api/callbacks/{task.pk}/claim/")
    assert response.status_code == 200 and response.json()["claimed_by"] == agent.pk
    conflict = client_for(agent2).post(f"/api/callbacks/{task.pk}/claim/")
    assert conflict.status_code == 409 and "已被" in conflict.json()["detail"]


def test_log_attempts(client_for: Client, agent: Any, store_a: Any, make_task: Any) -> None:
    task = make_task(store_a)
    client = client_for(agent)
    bad = client.post(f"/api/callbacks/{task.pk}/attempts/", {"outcome": "hung_up"}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json()
    later = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    response = client.post(
        f"/api/callbacks/{task.pk}/attempts/",
        {"outcome": "call_back_later", "call_back_at": later},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "call_back_later" and response.json()["by"] == agent.username
    missing_time = client.post(
        f"/api/callbacks/{task.pk}/attempts/", {"outcome": "call_back_later"}, format="json"
    )
    assert missing_time.status_code == 409
    assert [a["outcome"] for a in client.get(f"/api/callbacks/{task.pk}/attempts/").json()] == [
        "call_back_later"
    ]


def test_backdated_attempts_cannot_make_a_task_unreachable(
    client_for: Client, agent: Any, store_a: Any, make_task: Any
) -> None:
    """DOMAIN §4 (source cs-survey-management: unreachable after failures on 3 different days):
    three "no answer" attempts dated 1990 made a fresh task unreachable in a second, nobody having
    called. A call before the task existed, or back-dated beyond a week, is refused and saves nothing."""
    task = make_task(store_a)
    client = client_for(agent)
    for day in (1, 2, 3):
        response = client.post(
            f"/api/callbacks/{task.pk}/attempts/",
            {"outcome": "no_answer", "at": f"1990-01-0{day}T10:00:00+08:00"},
            format="json",
        )
        assert response.status_code == 409, response.content
        assert "拨打时间不能早于" in response.json()["detail"]
    week_ago = (timezone.now() - dt.timedelta(days=8)).isoformat()
    task.created_at = timezone.now() - dt.timedelta(days=10)
    task.save(update_fields=["created_at"])
    too_old = client.post(
        f"/api/callbacks/{task.pk}/attempts/", {"outcome": "no_answer", "at": week_ago}, format="json"
    )
    assert too_old.status_code == 409
    task.refresh_from_db()
    assert task.status == "pending" and not task.attempts.exists()
    # A call made an hour ago and logged now is fine.
    earlier = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    ok = client.post(
        f"/api/callbacks/{task.pk}/attempts/", {"outcome": "no_answer", "at": earlier}, format="json"
    )
    assert ok.status_code == 201, ok.content


def test_attempt_on_a_closed_task_is_409(
    client_for: Client, agent: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a, status=TaskStatus.DONE)
    response = client_for(agent).post(
        f"/api/callbacks/{task.pk}/attempts/", {"outcome": "reached"}, format="json"
    )
    assert response.status_code == 409 and response.json()["status"] == "done"


def test_create_survey_with_computed_fields(
    client_for: Client, agent: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    payload = {
        "callback": task.pk,
        "score": 60,
        "items": SALES_ITEMS,
        "remarks": "交车太仓促",
        # Read-only fields are ignored, not trusted.
        "score_used": 100,
        "classification": "none",
        "suggested_grade": "A",
        "grade": "A",
    }
    response = client_for(agent).post("/api/surveys/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "sales" and body["channel"] == "phone"
    assert body["score_used"] == 60 and body["classification"] == "dissatisfied"
    assert body["suggested_grade"] == "D" and body["grade"] == "D" and body["grade_criteria"] == ["score100"]
    ticket = Complaint.objects.get()
    assert body["complaint"] == ticket.pk and body["complaint_number"] == ticket.number
    assert results(client_for(agent).get("/api/surveys/?classification=dissatisfied"))[0]["id"] == body["id"]


def test_create_survey_with_level_and_override(
    client_for: Client, agent: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a, type=SurveyType.AFTER_SALES)
    payload = {
        "callback": task.pk,
        "level": "good",
        "level_value": 88,
        "items": AFTER_SALES_ITEMS,
        "grade_override": "C",
    }
    response = client_for(agent).post("/api/surveys/", payload, format="json")
    assert response.status_code == 400 and "grade_override_reason" in response.json()
    payload["grade_override_reason"] = "客户语气平淡"
    body = client_for(agent).post("/api/surveys/", payload, format="json").json()
    assert body["score_used"] == 88 and body["suggested_grade"] == "B" and body["grade"] == "C"


def test_survey_validation_errors_are_400(
    client_for: Client, agent: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    client = client_for(agent)
    missing = client.post("/api/surveys/", {"callback": task.pk, "score": 90, "items": {}}, format="json")
    assert missing.status_code == 400 and "items.delivery" in missing.json()
    out_of_range = client.post(
        "/api/surveys/",
        {"callback": task.pk, "level": "good", "level_value": 95, "items": SALES_ITEMS},
        format="json",
    )
    assert out_of_range.status_code == 400 and "level_value" in out_of_range.json()
    assert client.post("/api/surveys/", {"score": 90}, format="json").status_code == 400


def test_five_dimension_survey_by_api(client_for: Client, agent: Any, store_a: Any, make_task: Any) -> None:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    ratings = {"skill": 8, "attitude": 9, "timeliness": 6, "parts": 8, "overall": 8}
    client = client_for(agent)
    no_reason = client.post("/api/surveys/", {"callback": task.pk, "ratings": ratings}, format="json")
    assert no_reason.status_code == 400 and "reason_codes" in no_reason.json()
    body = client.post(
        "/api/surveys/",
        {"callback": task.pk, "ratings": ratings, "reason_codes": ["arrived_late"]},
        format="json",
    ).json()
    assert (
        body["score_used"] == 78
        and body["reason_codes"] == ["arrived_late"]
        and body["type"] == "five_dimension"
    )


def test_survey_for_a_customer_without_task(
    client_for: Client, agent: Any, agent_b: Any, store_a: Any, make_task: Any
) -> None:
    customer = make_task(store_a).customer
    payload = {
        "customer": customer.pk,
        "type": "sales",
        "channel": "on_site",
        "score": 97,
        "items": SALES_ITEMS,
    }
    assert client_for(agent_b).post("/api/surveys/", payload, format="json").status_code == 400
    response = client_for(agent).post("/api/surveys/", payload, format="json")
    assert response.status_code == 201 and response.json()["callback"] is None


def test_survey_items(client_for: Client, agent: Any) -> None:
    client = client_for(agent)
    sales = results(client.get("/api/survey-items/?type=sales"))
    mandatory = {row["key"] for row in sales if row["mandatory"]}
    assert mandatory == {
        "consultant_knowledge",
        "consultant_attitude",
        "consultant_follow_up",
        "vehicle_introduction",
        "delivery",
    }
    after = {row["key"]: row for row in results(client.get("/api/survey-items/?type=after_sales"))}
    assert after["technique_mechanical"]["mandatory"] and after["technique_body_paint"]["mandatory"]
    assert "not_applicable" in [c["value"] for c in after["technique_body_paint"]["choices"]]
    five = results(client.get("/api/survey-items/?type=five_dimension"))
    assert [r["key"] for r in five] == ["skill", "attitude", "timeliness", "parts", "overall"]
    assert all(r["kind"] == "rating" and r["answer_in"] == "ratings" for r in five)
    assert client.get("/api/survey-items/").status_code == 400


def test_reason_codes_listed(client_for: Client, agent: Any) -> None:
    rows = results(client_for(agent).get("/api/reason-codes/?dimension=parts&page_size=100"))
    assert {r["code"] for r in rows} == {
        "not_in_time",
        "warehouse_far",
        "long_wait",
        "out_of_stock",
        "wrong_part",
    }


def _pinned(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_counts_do_not_grow(client_for: Client, agent: Any, store_a: Any, make_task: Any) -> None:
    client = client_for(agent)
    for _ in range(2):
        task = make_task(store_a)
        services.survey_submit(
            actor=agent, data=SurveyInput(type="sales", score=60, items=SALES_ITEMS), callback=task
        )
        make_task(store_a)
    small = {url: _pinned(client, url) for url in ("/api/callbacks/", "/api/surveys/")}
    for _ in range(6):
        task = make_task(store_a)
        services.survey_submit(
            actor=agent, data=SurveyInput(type="sales", score=90, items=SALES_ITEMS), callback=task
        )
        make_task(store_a)
    large = {url: _pinned(client, url) for url in ("/api/callbacks/", "/api/surveys/")}
    assert large == small
    # the page (callbacks, by a cursor: no count); page + reason codes (surveys); the profile is cached
    assert small == {"/api/callbacks/": 1, "/api/surveys/": 2}


def test_manager_assigns_and_cancels_by_api(
    client_for: Client, ccmanager: Any, agent: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    response = client_for(ccmanager).post(
        f"/api/callbacks/{task.pk}/assign/", {"agent": agent.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["assigned_to"] == agent.pk
    assert (
        client_for(agent)
        .post(f"/api/callbacks/{task.pk}/cancel/", {"reason": "重复"}, format="json")
        .status_code
        == 403
    )
    response = client_for(ccmanager).post(
        f"/api/callbacks/{task.pk}/cancel/", {"reason": "客户已退车"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["close_reason"] == "manual"


def test_openapi_schema_lists_the_callback_endpoints(client_for: Client, agent: Any) -> None:
    schema = client_for(agent).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/callbacks/",
        "/api/callbacks/{id}/attempts/",
        "/api/callbacks/{id}/claim/",
        "/api/surveys/",
        "/api/survey-items/",
    ):
        assert path in paths, path


def test_level_by_chinese_label_and_unknown_level(
    client_for: Client, agent: Any, store_a: Any, make_task: Any
) -> None:
    client = client_for(agent)
    ok = client.post(
        "/api/surveys/",
        {"callback": make_task(store_a).pk, "level": "一般", "items": SALES_ITEMS},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["score_used"] == 75 and ok.json()["level"] == "average"
    bad = client.post(
        "/api/surveys/",
        {"callback": make_task(store_a).pk, "level": "superb", "items": SALES_ITEMS},
        format="json",
    )
    assert bad.status_code == 400 and "level" in bad.json()
